"""The Django admin, scoped per clinic like every other face of ketacare.

Roles are the permission system: staff of a clinic see only their clinic's rows
(through the same `visible_to` querysets the views use); a row of another clinic
is a 404, not a redirect that would confirm it exists. Reads and writes of health
data are written to the audit log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect

from ketacare.accounts.roles import STAFF_ROLES, Role
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.kernel import usecase


def _roles(request: HttpRequest) -> frozenset[Role]:
    user = request.user
    return user.roles if user.is_authenticated else frozenset()


class ClinicScopedAdmin(admin.ModelAdmin[Any]):
    # How rows of this model reach their clinic, for models without `visible_to`.
    clinic_field = "clinic_id"
    # Roles that may add and change rows (all staff may view).
    editor_roles: frozenset[Role] = frozenset({Role.ADMIN})
    # Health data: reads and writes go to the audit log.
    audited = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        user = request.user
        if hasattr(qs, "visible_to"):
            return qs.visible_to(user)  # type: ignore[no-any-return]
        if user.is_superuser:
            return qs
        return qs.filter(**{self.clinic_field: user.clinic_id})  # type: ignore[union-attr]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser and "clinic" in {f.name for f in self.model._meta.fields}:
            fields += ("clinic",)  # staff work inside their own clinic only
        return fields

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs.setdefault("queryset", _choices_for(db_field, request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs.setdefault("queryset", _choices_for(db_field, request))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such record in your clinic.")
        return obj

    def _is_staff(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff) and (
            user.is_superuser or bool(_roles(request) & STAFF_ROLES)
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._is_staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_staff(request)

    def _may_edit(self, request: HttpRequest) -> bool:
        return self._is_staff(request) and (
            request.user.is_superuser or bool(_roles(request) & self.editor_roles)
        )

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._may_edit(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_edit(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Health records are corrected, never deleted; only the operator may remove rows.
        return bool(request.user.is_superuser)

    @method_decorator(csrf_protect)
    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """Django's add and change pages, with a write held in one use-case batch.

        The admin wraps a POST in its own transaction; a use case (kernel.usecase) opens
        the only durable one. A batch is that transaction, and the use cases an admin
        page calls (save_model, save_related) are savepoints of it: all or nothing.
        """
        if request.method in {"GET", "HEAD", "OPTIONS", "TRACE"}:
            return self._changeform_view(request, object_id, form_url, extra_context)  # type: ignore[attr-defined,no-any-return]
        with usecase.batch():
            return self._changeform_view(request, object_id, form_url, extra_context)  # type: ignore[attr-defined,no-any-return]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        if self.audited and response.status_code == 200:  # noqa: PLR2004
            record(Event(AuditAction.LIST, self.model._meta.label, detail={"via": "admin"}))
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if self.audited and request.method == "GET" and response.status_code == 200:  # noqa: PLR2004
            obj = self.get_object(request, object_id)
            record(Event.about(AuditAction.READ, obj, detail={"via": "admin"}))
        return response

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change and not request.user.is_superuser and hasattr(obj, "clinic_id"):
            obj.clinic_id = request.user.clinic_id  # type: ignore[union-attr]
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if self.audited:
                action = AuditAction.UPDATE if change else AuditAction.CREATE
                fields = sorted(form.changed_data) if form is not None else []
                record(Event.about(action, obj, detail={"via": "admin", "fields": fields}))

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        with transaction.atomic():
            if self.audited:
                record(Event.about(AuditAction.DELETE, obj, detail={"via": "admin"}))
            super().delete_model(request, obj)


def _choices_for(db_field: Any, request: HttpRequest) -> QuerySet[Any]:
    """Offer only rows of the acting user's clinic in admin drop-downs."""
    related = db_field.remote_field.model
    qs = related._default_manager.all()
    user = request.user
    if hasattr(qs, "visible_to"):
        return qs.visible_to(user)  # type: ignore[no-any-return]
    if user.is_superuser:
        return qs  # type: ignore[no-any-return]
    if related._meta.label == "accounts.Clinic":
        return qs.filter(pk=user.clinic_id)  # type: ignore[no-any-return, union-attr]
    if any(f.name == "clinic" for f in related._meta.fields):
        return qs.filter(clinic_id=user.clinic_id)  # type: ignore[no-any-return, union-attr]
    return qs  # type: ignore[no-any-return]
