"""A search's query string, parsed and checked: the registry's `Search` and the paging.

Every value that does not parse is a 400 that names the parameter and shows a good value.
Parameters a type does not take are refused (not silently ignored: an ignored filter
would return more than the client asked for).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ketacare.interop.fhir.outcome import bad_parameter
from ketacare.interop.fhir.registry import Coding, DateBound, ResourceType, Search, row_id

DEFAULT_COUNT = 20
MAX_COUNT = 100  # a larger _count is served as 100 (said in the CapabilityStatement)
MAX_OFFSET = 10**9
MAX_VALUES = 50  # comma-separated values of one parameter
COMMON_PARAMS = frozenset({"_count", "_offset", "_include", "_format"})
PREFIXES = ("eq", "ne", "lt", "gt", "le", "ge", "sa", "eb", "ap")
_FORMATS = frozenset({"json", "application/json", "application/fhir+json"})

_DATE = re.compile(
    r"(?P<prefix>[a-z]{2})?(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?P<fraction>\.\d{1,6})?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?)?)?"
)


@dataclass(frozen=True)
class Paging:
    count: int = DEFAULT_COUNT
    offset: int = 0
    include_patient: bool = False


def parse(
    resource_type: ResourceType, params: Mapping[str, Sequence[str]]
) -> tuple[Search, Paging]:
    allowed = COMMON_PARAMS | resource_type.search_params
    for name in params:
        if name not in allowed:
            known = ", ".join(sorted(allowed))
            msg = f"{resource_type.name} has no search parameter {name!r}; it takes: {known}."
            raise bad_parameter(msg)
    _check_format(params.get("_format", []))
    search = Search(
        patient_ids=_patients(params["patient"]) if "patient" in params else None,
        codes=tuple(c for value in params.get("code", []) for c in _codes(value)),
        dates=tuple(_date(value) for value in params.get("date", [])),
    )
    return search, _paging(resource_type, params)


def _paging(resource_type: ResourceType, params: Mapping[str, Sequence[str]]) -> Paging:
    count = _number(params, "_count", DEFAULT_COUNT)
    offset = _number(params, "_offset", 0)
    if count < 1:
        raise bad_parameter("_count (the page size) must be at least 1, e.g. _count=20.")
    includes = params.get("_include", [])
    wanted = f"{resource_type.name}:patient"
    if any(value != wanted for value in includes) or (includes and not resource_type.compartment):
        msg = f"_include on {resource_type.name} takes only {wanted}"
        if not resource_type.compartment:
            msg = f"{resource_type.name} has no patient to include"
        raise bad_parameter(f"{msg}.")
    return Paging(min(count, MAX_COUNT), min(offset, MAX_OFFSET), bool(includes))


def _number(params: Mapping[str, Sequence[str]], name: str, default: int) -> int:
    values = params.get(name, [])
    if not values:
        return default
    if len(values) > 1:
        raise bad_parameter(f"{name} is given more than once; give it once.")
    text = values[0].strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:  # noqa: PLR2004
        raise bad_parameter(f"{name} must be a whole number, e.g. {name}={default or 20}.")
    return int(text)


def _check_format(values: Sequence[str]) -> None:
    for value in values:
        if value.strip().replace(" ", "+") not in _FORMATS:
            raise bad_parameter("_format: this server speaks JSON only (_format=json).")


def _split(name: str, value: str) -> list[str]:
    parts = value.split(",")
    if len(parts) > MAX_VALUES:
        raise bad_parameter(f"{name} takes at most {MAX_VALUES} values separated by commas.")
    return parts


def _patients(values: Sequence[str]) -> frozenset[int]:
    ids: set[int] = set()
    for value in values:
        for part in _split("patient", value):
            reference = part.strip().rsplit("Patient/", 1)[-1]
            pk = row_id(reference)
            if pk is None:
                msg = "patient must name a patient by id, e.g. patient=12 or patient=Patient/12."
                raise bad_parameter(msg)
            ids.add(pk)
    return frozenset(ids)


def _codes(value: str) -> list[Coding]:
    codings = []
    for part in _split("code", value):
        system, bar, code = part.strip().rpartition("|")
        if not code or len(part) > 300:  # noqa: PLR2004
            msg = "code must be [system|]code, e.g. code=http://loinc.org|44261-6 or code=44261-6."
            raise bad_parameter(msg)
        codings.append(Coding(system if bar else None, code))
    return codings


def _date(value: str) -> DateBound:
    text = value.strip().replace(" ", "+")  # a '+' of an offset arrives as a space if unescaped
    match = _DATE.fullmatch(text)
    msg = (
        f"date {value[:40]!r} is not a date: give [prefix]YYYY, YYYY-MM, YYYY-MM-DD or "
        "YYYY-MM-DDThh:mm:ssZ, with a prefix among " + ", ".join(PREFIXES) + "."
    )
    if match is None or (match["prefix"] or "eq") not in PREFIXES:
        raise bad_parameter(msg)
    try:
        start, end = _range(match)
    except (ValueError, OverflowError):
        raise bad_parameter(msg) from None
    return DateBound(match["prefix"] or "eq", start, end)


def _range(match: re.Match[str]) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the value's precision, in UTC (a value without a zone is UTC)."""
    year = int(match["year"])
    if match["month"] is None:
        return _utc(year, 1, 1), _utc(year + 1, 1, 1)
    month = int(match["month"])
    if match["day"] is None:
        after = _utc(year + 1, 1, 1) if month == 12 else _utc(year, month + 1, 1)  # noqa: PLR2004
        return _utc(year, month, 1), after
    day = dt.datetime(year, month, int(match["day"]), tzinfo=dt.UTC)
    if match["hour"] is None:
        return day, day + dt.timedelta(days=1)
    return _instant(match, day)


def _instant(match: re.Match[str], day: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    zone = dt.UTC
    if match["zone"] not in (None, "Z"):
        sign = -1 if match["zone"][0] == "-" else 1
        hours, minutes = int(match["zone"][1:3]), int(match["zone"][4:6])
        zone = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    second = int(match["second"] or 0)
    micro = int((match["fraction"] or ".0")[1:].ljust(6, "0"))
    start = day.replace(
        hour=int(match["hour"]),
        minute=int(match["minute"]),
        second=second,
        microsecond=micro,
        tzinfo=zone,
    ).astimezone(dt.UTC)
    if match["fraction"]:
        step = dt.timedelta(microseconds=1)
    elif match["second"]:
        step = dt.timedelta(seconds=1)
    else:
        step = dt.timedelta(minutes=1)
    return start, start + step


def _utc(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=dt.UTC)
