"""The site's own pages: where a signed-in user starts, and the health check.

The staff pages live in `web.workspace`, the patient's and the sitter's in `web.portal`;
the old addresses of their pages redirect there (`web.urls`).
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ketacare.accounts.models import User
from ketacare.accounts.roles import STAFF_ROLES, Role
from ketacare.web.common import current_user
from ketacare.web.public import views as public_views


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _landing(user: User) -> str | None:
    """The URL name a signed-in user starts at; None for an account without a role."""
    staff = user.roles & STAFF_ROLES
    if staff:
        # Pharmacists start at their queue; everyone else of the clinic at the panel.
        return "ws-pharmacy" if staff == {Role.PHARMACIST} else "ws-panel"
    if user.is_superuser:
        return "ws-panel"
    if user.has_role(Role.PATIENT):
        return "portal-today"
    if user.has_role(Role.SITTER):
        return "sitter-home"
    return None


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return public_views.landing(request)
    landing = _landing(current_user(request))
    if landing is None:
        return render(request, "web/no_role.html", status=403)
    return redirect(landing)
