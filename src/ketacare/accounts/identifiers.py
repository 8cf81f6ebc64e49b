"""A prescriber's DEA registration number and NPI: their format and check digit.

DEA registration number: two letters and seven digits. With the digits d1..d7,
(d1 + d3 + d5) + 2 * (d2 + d4 + d6) ends in d7. The second letter is normally the
first letter of the registrant's last name, but a business registrant uses its
business name's: it is not checked here (the format and the check digit are).

NPI (National Provider Identifier): ten digits; the Luhn check digit computed over
the constant prefix 80840 and the first nine digits is the tenth.
"""

from __future__ import annotations

import re

_DEA = re.compile(r"^[A-Z]{2}[0-9]{7}$")
_NPI = re.compile(r"^[0-9]{10}$")
_NPI_PREFIX = "80840"  # the NPI's card issuer prefix, counted in its Luhn check


def dea_check_digit(digits: str) -> int:
    """The check digit of a DEA number's first six digits."""
    d = [int(ch) for ch in digits[:6]]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10


def is_valid_dea(value: str) -> bool:
    """Two capital letters, seven digits, and the seventh digit is the check digit."""
    if not _DEA.match(value):
        return False
    return dea_check_digit(value[2:8]) == int(value[8])


def luhn_check_digit(payload: str) -> int:
    """The Luhn digit to append to `payload` (digits only)."""
    total = 0
    for position, ch in enumerate(reversed(payload)):
        digit = int(ch)
        if position % 2 == 0:  # doubled: every second digit from the right of the full number
            digit *= 2
            digit = digit - 9 if digit > 9 else digit  # noqa: PLR2004 - Luhn's digit sum
        total += digit
    return (10 - total % 10) % 10


def npi_check_digit(first_nine: str) -> int:
    """The tenth digit of an NPI whose first nine digits are `first_nine`."""
    return luhn_check_digit(_NPI_PREFIX + first_nine)


def is_valid_npi(value: str) -> bool:
    """Ten digits, and the tenth is the Luhn digit over 80840 and the first nine."""
    if not _NPI.match(value):
        return False
    return npi_check_digit(value[:9]) == int(value[9])
