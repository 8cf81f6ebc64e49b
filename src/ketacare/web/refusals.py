"""A service's refusal, shown on the form that asked: one rule for the whole web.

A service refuses in one of three ways, and every page answers each the same:

- `ValidationError` (bad input, keyed by the service's path, "trials.0.weeks"): each
  message next to the field its path names (exact, else the nearest parent path, through
  `fields`, the service's path -> the form's field); a second message for a field already
  marked, NON_FIELD_ERRORS and paths the form does not know go to the summary. 400.
- `DomainError` (the request refused as it stands: wrong phase, recorded already...): on
  its `field` when the form has it, else the summary. 409.
- `PermissionDenied` (`NotAllowed`: the role may not do this): the summary. 403.

`NotFound` is no refusal of a form: the middleware answers 404. Each input shows its
error and is described by it (aria-describedby, aria-invalid) when it is drawn
(`ketacare.web.rendering`).

Nor is a database too busy to keep the change (a deadlock or serialisation failure the
use case's one retry met again, `kernel.usecase.contended`): nothing was stored, and
`BusyMiddleware` answers 503 with a page asking the person to try again, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ketacare.kernel.errors import DomainError
from ketacare.kernel.usecase import contended

__all__ = ["REFUSALS", "BusyMiddleware", "Refusal", "refusal_status", "show_refusal"]

# What a service may refuse with (for `except REFUSALS as exc: show_refusal(form, exc)`).
REFUSALS = (ValidationError, DomainError, PermissionDenied)
Refusal = ValidationError | DomainError | PermissionDenied

INVALID = 400
CONFLICT = 409
FORBIDDEN = 403
BUSY = 503
RETRY_AFTER_SECONDS = 1


def refusal_status(exc: Refusal) -> int:
    """The status a page answers a refusal with (where no form shows it, the same)."""
    if isinstance(exc, ValidationError):
        return INVALID
    if isinstance(exc, DomainError):
        return CONFLICT
    return FORBIDDEN


def show_refusal(
    form: forms.BaseForm, exc: Refusal, fields: Mapping[str, str] | None = None
) -> int:
    """Put a service's refusal on `form`; the status to answer with."""
    known = fields or {}
    if isinstance(exc, ValidationError):
        _show_invalid(form, exc, known)
    elif isinstance(exc, DomainError):
        name = None if exc.field is None else _field_for(exc.field, known, form)
        form.add_error(name, exc.message)
    else:
        form.add_error(None, str(exc))
    return refusal_status(exc)


def _show_invalid(form: forms.BaseForm, exc: ValidationError, fields: Mapping[str, str]) -> None:
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for path, messages in exc.message_dict.items():
        name = None if path == NON_FIELD_ERRORS else _field_for(path, fields, form)
        for message in messages:
            if name is None or name in form.errors:
                # A second message for a field already marked goes to the summary.
                form.add_error(None, message)
            else:
                form.add_error(name, message)


def _field_for(path: str, fields: Mapping[str, str], form: forms.BaseForm) -> str | None:
    """The form field that shows the service's `path`: exact, else its nearest parent."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        name = fields.get(prefix, prefix)
        if name in form.fields:
            return name
    return None


class BusyMiddleware:
    """A use case the database gave up twice for contention: 503, "please try again"."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not contended(exception):
            return None
        response = render(request, "web/busy.html", status=BUSY)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
