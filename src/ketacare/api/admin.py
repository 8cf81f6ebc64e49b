from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ketacare.api.models import ApiToken
from ketacare.audit.admin_scoping import ClinicScopedAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(ClinicScopedAdmin):
    """Who holds which token, read-only: the token itself is never stored to show."""

    clinic_field = "user__clinic_id"
    audited = False  # sign-in credentials, not health data (issue and revoke are audited)
    list_display = ("prefix", "name", "user", "created_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "key_sha256",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
