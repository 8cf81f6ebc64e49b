"""Refusals of the clinic's stock use cases (the API answers 409 with the code)."""

from __future__ import annotations

from ketacare.kernel.errors import DomainError


class LotUnknown(DomainError):
    """No lot of that number and product is in the clinic's lot master."""

    code = "lot_unknown"


class LotNotDispensable(DomainError):
    """The lot is expired or recalled: nothing more is dispensed from it."""

    code = "lot_not_dispensable"


class LotShort(DomainError):
    """The lot holds fewer units than the movement takes out; nothing was stored."""

    code = "lot_short"
