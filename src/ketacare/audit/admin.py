"""The admin of the audit trail, and of the accounts (clinics, users and their roles).

The accounts' admin lives here, above accounts: every change of a role is written to the
audit log, and accounts sits below audit (arrows run down, DESIGN.md).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from ketacare.accounts.models import Clinic, RoleGrant, User
from ketacare.accounts.roles import Role
from ketacare.audit.admin_scoping import ClinicScopedAdmin
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.kernel import policy


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
            super().has_module_permission(request) and policy.may(user, "see_audit_log")
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- The accounts: clinics, users and their roles ---------------------------------------


@admin.register(Clinic)
class ClinicAdmin(ClinicScopedAdmin):
    list_display = ("name", "timezone", "on_call_phone", "emergency_number")
    clinic_field = "pk"
    editor_roles = frozenset({Role.ADMIN})
    audited = False  # the clinic's own settings are not health data: reads are not audited

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return bool(request.user.is_superuser)  # new tenants come from the operator

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # A change is audited: loosening sign-in security (require_staff_mfa, the idle
        # minutes) is the clinic's decision, and the log names who made it and when. The
        # change form runs in one use-case batch (admin_scoping), so both commit together.
        super().save_model(request, obj, form, change)
        action = AuditAction.UPDATE if change else AuditAction.CREATE
        fields = sorted(form.changed_data) if form is not None else []
        record(Event.about(action, obj, detail={"via": "admin", "fields": fields}))


class RoleGrantInline(admin.TabularInline[RoleGrant, User]):
    model = RoleGrant
    extra = 1

    # Roles decide, not Django's model permissions (which clinic staff never hold, so
    # the inline would vanish): whoever may change the user may grant and revoke roles.
    def _user_admin(self) -> admin.ModelAdmin[User]:
        return self.admin_site.get_model_admin(User)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._user_admin().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._user_admin().has_change_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._user_admin().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._user_admin().has_change_permission(request, obj)


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User], ClinicScopedAdmin):
    """Clinic admins manage their own clinic's accounts and roles (clinic scoping from the base)."""

    inlines = (RoleGrantInline,)
    list_display = ("username", "first_name", "last_name", "clinic", "is_active")
    list_filter = ("is_active", "role_grants__role")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Clinic", {"fields": ("clinic",)}),
        ("Prescriber", {"fields": ("dea_number", "npi")}),
    )
    editor_roles = frozenset({Role.ADMIN})
    audited = False  # accounts are not health data; sign-ins are audited separately

    @method_decorator(sensitive_post_parameters())
    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Django's user admin opens a transaction here; the add page's one transaction is
        # the use-case batch of ClinicScopedAdmin.changeform_view, which this view calls.
        return self._add_view(request, form_url, extra_context)  # type: ignore[attr-defined,no-any-return]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only the platform operator makes superusers.
            fields += ("is_superuser", "user_permissions", "groups")
        return fields

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Who may see health data is decided by roles: every grant and revocation is audited.
        user = form.instance
        before = sorted(user.role_grants.values_list("role", flat=True)) if change else []
        super().save_related(request, form, formsets, change)
        after = sorted(user.role_grants.values_list("role", flat=True))
        if before != after:
            record(
                Event.about(AuditAction.UPDATE, user, detail={"roles": [before, after]}),
                actor=request.user,
            )
