"""Types shared by the routers: ids, text without NUL bytes, and the error responses."""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import ValidationError
from ninja.params.functions import Path
from pydantic import StringConstraints

from ketacare.api.errors import ErrorOut

# Ids are 64-bit integers in the database; a larger number is simply not found.
MAX_ID = 2**63 - 1
# PostgreSQL text cannot hold a NUL byte: refuse it at the door (422), not in the database.
NO_NUL = r"^[^\x00]*$"

Text = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=5000)]
ShortText = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=200)]
Name = Annotated[str, StringConstraints(pattern=NO_NUL, min_length=1, max_length=200)]


def id_in_path(what: str) -> Any:
    return Path(..., ge=1, le=MAX_ID, description=f"The {what}'s id.")


# The error answers every authenticated operation may give (documented in OpenAPI);
# 503 `busy` (with Retry-After): the database gave the request up twice for contention.
ERRORS: dict[int, type[ErrorOut]] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    503: ErrorOut,
}
# And those of operations that change something: 400 `bad_request` for a body that is
# not JSON, 409 for the use case's refusals.
WRITE_ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    **ERRORS,
    409: ErrorOut,
}


def refuse_nul(value: object, path: str = "") -> None:
    """Raise ValidationError naming the first string holding a NUL byte in free-form JSON."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationError({path or "body": "Text may not contain NUL characters."})
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_nul(key, path)
            refuse_nul(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            refuse_nul(item, f"{path}.{index}" if path else str(index))
