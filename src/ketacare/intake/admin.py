"""Read-only admin: intakes and reviews are written only through `intake.services`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ketacare.audit.admin_scoping import ClinicScopedAdmin
from ketacare.intake.models import EligibilityReview, Intake


class _ReadOnly(ClinicScopedAdmin):
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Intake)
class IntakeAdmin(_ReadOnly):
    list_display = ("patient", "status", "created_at", "submitted_at")
    list_filter = ("status",)
    list_select_related = ("patient",)


@admin.register(EligibilityReview)
class EligibilityReviewAdmin(_ReadOnly):
    list_display = ("patient", "decision", "reviewer", "at")
    list_filter = ("decision",)
    list_select_related = ("patient", "reviewer")
