"""What the workspace pages share: staff only, htmx fragments, links keeping the query.

And for the care pages (intake review, plan, prescriptions, dispensing): who may open
them, and amounts in plain words. A service's refusal goes on the form with
`ketacare.web.refusals.show_refusal`; each form maps the service's paths
("formulation.strength_mg") to its fields.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from ketacare.accounts.models import User
from ketacare.kernel import policy
from ketacare.patients.models import Patient
from ketacare.web.common import current_user, require_staff, visible_patient

__all__ = [
    "current_user",
    "is_htmx",
    "plain",
    "query_string",
    "render_page_or_fragment",
    "staff_page",
    "staff_patient",
    "staff_user",
]


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx sent the request (django_htmx's middleware sets `request.htmx`)."""
    return bool(getattr(request, "htmx", False))


def _fragment_for(request: HttpRequest, target: str) -> bool:
    """Whether to answer with only the fragment `target` (an element id) replaces.

    A history restore (Back after the cache was dropped) asks for the whole page.
    """
    htmx: Any = getattr(request, "htmx", None)
    if not htmx:
        return False
    return bool(htmx.target == target and not htmx.history_restore_request)


def render_page_or_fragment(
    request: HttpRequest, page: str, fragment: str, target: str, context: dict[str, Any]
) -> HttpResponse:
    response = render(request, fragment if _fragment_for(request, target) else page, context)
    # The same URL answers with a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


def staff_user(request: HttpRequest) -> User:
    user = current_user(request)
    require_staff(user)
    return user


def query_string(request: HttpRequest, *, drop: tuple[str, ...], **changes: str) -> str:
    """The current query string without `drop` and with `changes` (for links)."""
    query = request.GET.copy()
    for key in drop:
        query.pop(key, None)
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


def plain(amount: Decimal) -> Decimal:
    """100.0000 as 100 and 12.5000 as 12.5 (normalize alone would write 1E+2)."""
    whole = amount.to_integral_value()
    return whole if amount == whole else amount.normalize()


def staff_page(user: User, page: str, *, what: str) -> None:
    """Refuse (403, `what`) unless the user is staff holding a role of `page`'s policy row."""
    require_staff(user)
    if not policy.may(user, page):
        raise PermissionDenied(what)


def staff_patient(user: User, patient_id: int, page: str, *, what: str) -> Patient:
    """A patient of the user's clinic (404 otherwise) for staff `page`'s row allows (403)."""
    staff_page(user, page, what=what)
    return visible_patient(user, patient_id)
