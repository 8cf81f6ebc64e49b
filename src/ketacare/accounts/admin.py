from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import ForeignKey, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest

from ketacare.accounts.models import Clinic, RoleGrant, User
from ketacare.accounts.roles import Role
from ketacare.admin_scoping import ClinicScopedAdmin


@admin.register(Clinic)
class ClinicAdmin(ClinicScopedAdmin):
    list_display = ("name", "timezone", "on_call_phone")
    clinic_field = "pk"
    editor_roles = frozenset({Role.ADMIN})


class RoleGrantInline(admin.TabularInline[RoleGrant, User]):
    model = RoleGrant
    extra = 1


@admin.register(User)
class UserAdmin(DjangoUserAdmin, ClinicScopedAdmin):  # type: ignore[misc]
    inlines = (RoleGrantInline,)
    list_display = ("username", "first_name", "last_name", "clinic", "is_active")
    list_filter = ("is_active", "role_grants__role")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        ("Clinic", {"fields": ("clinic",)}),
    )
    clinic_field = "clinic_id"
    editor_roles = frozenset({Role.ADMIN})
    audited = False  # accounts are not health data

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        qs = User.objects.all()
        if request.user.is_superuser:
            return qs
        return qs.filter(clinic_id=request.user.clinic_id)  # type: ignore[union-attr]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only the platform operator makes superusers or moves people between clinics.
            fields += ("is_superuser", "user_permissions", "groups", "clinic")
        return fields

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not request.user.is_superuser:
            obj.clinic_id = request.user.clinic_id  # type: ignore[union-attr]
        obj.save()

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        if db_field.name == "clinic" and not request.user.is_superuser:
            kwargs["queryset"] = Clinic.objects.filter(pk=request.user.clinic_id)  # type: ignore[union-attr]
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

