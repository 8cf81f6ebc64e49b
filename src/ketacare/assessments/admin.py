from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ketacare.accounts.roles import Role
from ketacare.assessments import services
from ketacare.assessments.models import ClinicQuestionnaireSettings, QuestionnaireResponse
from ketacare.assessments.specs import schedule
from ketacare.audit.admin_scoping import ClinicScopedAdmin


@admin.register(QuestionnaireResponse)
class QuestionnaireResponseAdmin(ClinicScopedAdmin):
    """Responses are written only by submit_questionnaire; the admin shows them."""

    list_display = ("patient", "instrument", "total", "band", "recorded_at", "submitted_by")
    list_filter = ("instrument",)
    list_select_related = ("patient", "submitted_by")
    date_hierarchy = "recorded_at"

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ClinicQuestionnaireSettings)
class ClinicQuestionnaireSettingsAdmin(ClinicScopedAdmin):
    list_display = ("clinic", "grace_hours", "updated_at")
    fields = ("clinic", "instruments", "grace_hours")
    editor_roles = frozenset({Role.ADMIN})
    audited = False  # the service writes the audit entry; the schedule is about no patient

    def save_model(
        self, request: HttpRequest, obj: ClinicQuestionnaireSettings, form: Any, change: bool
    ) -> None:
        # Through the service, so the admin validates and audits like every face.
        actor = request.user
        clinic = obj.clinic if actor.is_superuser else actor.clinic  # type: ignore[union-attr]
        spec = schedule(obj.instruments, obj.grace_hours)
        saved = services.configure_questionnaire_schedule(actor, clinic, spec)  # type: ignore[arg-type]
        obj.pk, obj.clinic_id = saved.pk, saved.clinic_id
