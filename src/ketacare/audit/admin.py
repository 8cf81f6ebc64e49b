from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ketacare.accounts.roles import Role
from ketacare.admin_scoping import ClinicScopedAdmin
from ketacare.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ClinicScopedAdmin):
    """Clinic administrators read their clinic's trail; nobody edits it."""

    list_display = ("seq", "at", "actor_label", "role", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_id", "request_id")
    audited = False
    show_full_result_count = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        return user.is_superuser or (
            super().has_module_permission(request) and user.has_role(Role.ADMIN)
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
