"""Read-only admin pages: treatment rows are written only by the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ketacare.audit.admin_scoping import ClinicScopedAdmin
from ketacare.treatment.models import (
    AdverseEvent,
    Dispense,
    DiversionFinding,
    DosingSession,
    LedgerAccount,
    LedgerEvent,
    PostDoseCheckIn,
    Prescription,
    RefillRequest,
    TreatmentPlan,
)


class _ReadOnlyAdmin(ClinicScopedAdmin):
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Controlled-substance and dosing records are never deleted, not even by the operator.
        return False


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(_ReadOnlyAdmin):
    list_display = ("patient", "version", "is_current", "route", "formulation_kind", "dose_mg")
    list_filter = ("is_current", "route", "formulation_kind")
    list_select_related = ("patient",)


@admin.register(Prescription)
class PrescriptionAdmin(_ReadOnlyAdmin):
    list_display = (
        "patient",
        "product",
        "quantity",
        "refills",
        "fills_dispensed",
        "needs_cosign",
        "cosigned_at",
        "voided_at",
        "written_at",
    )
    list_select_related = ("patient",)


@admin.register(RefillRequest)
class RefillRequestAdmin(_ReadOnlyAdmin):
    list_display = ("patient", "prescription", "early", "requested_at")
    list_select_related = ("patient",)


@admin.register(Dispense)
class DispenseAdmin(_ReadOnlyAdmin):
    list_display = (
        "patient",
        "prescription",
        "fill_number",
        "part",
        "quantity",
        "lot_number",
        "early",
        "voided_at",
    )
    list_select_related = ("patient",)


@admin.register(LedgerAccount)
class LedgerAccountAdmin(_ReadOnlyAdmin):
    list_display = ("patient", "balance", "unit", "updated_at")
    list_select_related = ("patient",)


@admin.register(LedgerEvent)
class LedgerEventAdmin(_ReadOnlyAdmin):
    list_display = ("patient", "kind", "quantity", "balance_after", "actor", "witness", "at")
    list_filter = ("kind",)
    list_select_related = ("patient", "actor", "witness")


@admin.register(DiversionFinding)
class DiversionFindingAdmin(_ReadOnlyAdmin):
    list_display = ("patient", "kind", "expected", "counted", "quantity", "found_at")
    list_filter = ("kind",)
    list_select_related = ("patient",)


@admin.register(DosingSession)
class DosingSessionAdmin(_ReadOnlyAdmin):
    list_display = ("patient", "status", "started_at", "taken_at", "check_in_due_at")
    list_filter = ("status",)
    list_select_related = ("patient",)


@admin.register(PostDoseCheckIn)
class PostDoseCheckInAdmin(_ReadOnlyAdmin):
    list_display = ("patient", "session", "feeling", "late", "checked_in_at")
    list_select_related = ("patient",)


@admin.register(AdverseEvent)
class AdverseEventAdmin(_ReadOnlyAdmin):
    list_display = ("patient", "severity", "serious", "outcome", "reported_at")
    list_filter = ("severity", "serious", "outcome")
    list_select_related = ("patient",)
