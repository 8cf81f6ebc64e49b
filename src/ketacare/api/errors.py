"""Every error the API answers, in one place and one shape.

    {"code": "validation_error", "message": "...", "field": null,
     "errors": [{"field": "body.trials.0.weeks", "message": "..."}]}

`code` is for programs (stable, snake_case), `message` for people, `field` the path
of the one field at fault (when there is one), `errors` every field at fault.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import NinjaJSONEncoder
from pydantic import Field

from ketacare.api.idempotency import IdempotencyKeyReused, Replayed
from ketacare.api.security import CsrfFailed
from ketacare.kernel.errors import DomainError
from ketacare.kernel.usecase import contended
from ketacare.patients.phases import PhaseTransitionError, ReasonRequired

logger = logging.getLogger(__name__)


class FieldError(Schema):
    field: str | None = Field(
        description="Path of the field at fault, e.g. `body.trials.0.weeks`; null if none."
    )
    message: str = Field(description="What is wrong with it, for people.")


class ErrorOut(Schema):
    code: str = Field(description="Machine code, e.g. `validation_error`, `not_found`.")
    message: str = Field(description="What went wrong, for people.")
    field: str | None = Field(default=None, description="The field at fault, when there is one.")
    errors: list[FieldError] = Field(default_factory=list, description="Every field at fault.")


def error_body(
    code: str, message: str, *, field: str | None = None, errors: Iterable[FieldError] = ()
) -> dict[str, Any]:
    return ErrorOut(code=code, message=message, field=field, errors=list(errors)).model_dump()


def _path(loc: Iterable[Any]) -> str:
    return ".".join(str(part) for part in loc)


def ninja_field_errors(exc: NinjaValidationError) -> list[FieldError]:
    errors: list[FieldError] = []
    for error in exc.errors:
        loc = list(error.get("loc", ()))
        # ninja puts the parameter's name after the source ("body", "payload", ...);
        # a client knows the body, not our parameter names.
        if len(loc) >= 2 and loc[0] == "body" and loc[1] in _BODY_PARAM_NAMES:  # noqa: PLR2004
            del loc[1]
        loc = [part for part in loc if not _is_type_tag(part)]
        errors.append(FieldError(field=_path(loc), message=_plain(error)))
    return errors


# pydantic's own words for a number ("Input should be greater than or equal to 0"), in
# words an app may show its reader as they are; the field and its path stay as sent.
_PLAIN: dict[str, str] = {
    "greater_than_equal": "Give {ge} or more.",
    "greater_than": "Give more than {gt}.",
    "less_than_equal": "Give {le} or less.",
    "less_than": "Give less than {lt}.",
    "int_parsing": "Give a whole number.",
    "int_type": "Give a whole number.",
    "int_from_float": "Give a whole number.",
    "float_parsing": "Give a number.",
    "float_type": "Give a number.",
    "decimal_parsing": "Give a number.",
    "missing": "This is needed.",
}


def _plain(error: Mapping[str, Any]) -> str:
    words = _PLAIN.get(str(error.get("type", "")))
    if words is None:
        return str(error.get("msg", "invalid"))
    context = {key: _number(value) for key, value in (error.get("ctx") or {}).items()}
    try:
        return words.format(**context)
    except (KeyError, IndexError):
        return str(error.get("msg", "invalid"))


def _number(value: object) -> object:
    return f"{value:g}" if isinstance(value, float) else value


def _is_type_tag(part: object) -> bool:
    # pydantic names the member of a union that failed ("list[int]", "constrained-str");
    # that is a type, not a field the client sent.
    return isinstance(part, str) and ("[" in part or part.startswith(("constrained-", "function-")))


# Where the fields a service names live, when not in the body (set on the request).
FIELD_ROOT = "ketacare_field_root"

# The names our endpoints give their request-body parameter.
_BODY_PARAM_NAMES = frozenset({"payload", "body"})


def django_field_errors(exc: DjangoValidationError, root: str = "body") -> list[FieldError]:
    """Service errors name fields as the request body does: paths under `body.`.

    An operation without a body may name another root (submitting an intake: `data.`,
    the answers saved in the draft).
    """
    if not hasattr(exc, "error_dict"):
        return [FieldError(field=None, message=m) for m in exc.messages]
    errors: list[FieldError] = []
    for name, messages in exc.message_dict.items():
        field = None if name == NON_FIELD_ERRORS else f"{root}.{name}"
        errors.extend(FieldError(field=field, message=m) for m in messages)
    return errors


def _validation(errors: list[FieldError]) -> dict[str, Any]:
    first = errors[0] if errors else None
    message = "The request is not valid"
    if first is not None:
        message = f"{first.field}: {first.message}" if first.field else first.message
    return error_body(
        "validation_error", message, field=first.field if first else None, errors=errors
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    429: "throttled",
}


def _respond(body: dict[str, Any], status: int) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, cls=NinjaJSONEncoder),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def on_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return _respond(_validation(ninja_field_errors(exc)), 422)


def on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    root = getattr(request, FIELD_ROOT, "body")
    return _respond(_validation(django_field_errors(exc, root)), 422)


def on_key_reused(request: HttpRequest, exc: IdempotencyKeyReused) -> HttpResponse:
    errors = [FieldError(field=exc.field, message=exc.message)]
    body = error_body("idempotency_key_reused", exc.message, field=exc.field, errors=errors)
    return _respond(body, 422)


def on_replayed(request: HttpRequest, exc: Replayed) -> HttpResponse:
    # Not an error: the first answer to this Idempotency-Key, again.
    return exc.response


def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Never say whose it is or whether it exists elsewhere: not visible = not found.
    return _respond(error_body("not_found", "Not found."), 404)


def on_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _respond(error_body("forbidden", str(exc) or "You may not do this."), 403)


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    if isinstance(exc, CsrfFailed):
        code = "csrf_failed"
    message = exc.message
    if isinstance(exc, AuthenticationError):
        message = "Authentication required: a bearer token or a signed-in session."
    return _respond(error_body(code, message), exc.status_code)


def on_domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
    # The service's own name for what is at fault (not always a field of the body).
    return _respond(error_body(exc.code, exc.message, field=exc.field), 409)


def on_phase(request: HttpRequest, exc: PhaseTransitionError) -> HttpResponse:
    field = "body.reason" if isinstance(exc, ReasonRequired) else None
    return _respond(error_body("phase_transition", str(exc), field=field), 409)


def on_integrity(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # A database constraint caught what a concurrent request changed under us.
    logger.warning("API request refused by a database constraint: %s", exc)
    message = "The request conflicts with the current state of the record; reload and retry."
    return _respond(error_body("conflict", message), 409)


# How long a client waits before it sends a request the database was too busy for again.
RETRY_AFTER_SECONDS = 1


def busy_response() -> HttpResponse:
    """503 `busy`: nothing was stored; the same request, sent again, may well succeed."""
    message = "We are busy with other changes to this record right now; please try again."
    response = _respond(error_body("busy", message), 503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def on_database(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
    # A deadlock or serialisation failure the use case's one retry met again: the
    # transaction was rolled back whole, so "try again" is the true answer, not a 500.
    if contended(exc):
        logger.warning("API request gave up on contention: %s %s", request.method, request.path)
        return busy_response()
    return on_anything_else(request, exc)


def on_anything_else(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Logged with its traceback for us; the client gets no internals.
    logger.error("API request failed: %s %s", request.method, request.path, exc_info=exc)
    message = "Something went wrong on our side; the request id identifies it in our logs."
    return _respond(error_body("server_error", message), 500)


# Most specific first is not needed: ninja picks the handler of the nearest class in the MRO.
HANDLERS: list[tuple[type[Exception], Any]] = [
    (NinjaValidationError, on_ninja_validation),
    (DjangoValidationError, on_django_validation),
    (IdempotencyKeyReused, on_key_reused),
    (Replayed, on_replayed),
    (Http404, on_not_found),
    (ObjectDoesNotExist, on_not_found),
    (PermissionDenied, on_forbidden),
    (HttpError, on_http_error),
    (DomainError, on_domain),
    (PhaseTransitionError, on_phase),
    (IntegrityError, on_integrity),
    (DatabaseError, on_database),
    (Exception, on_anything_else),
]


def install(api: NinjaAPI) -> None:
    for exc_class, handler in HANDLERS:
        api.add_exception_handler(exc_class, handler)
