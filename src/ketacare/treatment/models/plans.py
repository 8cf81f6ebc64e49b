"""Treatment plans: one row per version, never edited."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketacare.clinical import dosing
from ketacare.kernel.clock import now
from ketacare.patients.models import Indication, Patient
from ketacare.patients.scoping import ScopedQuerySet
from ketacare.pharmacy.models.product import Product, Route
from ketacare.treatment.models.base import DOSE_MAX_DIGITS, DOSE_PLACES, known

# The default clinic's check-in deadline: 2 h 30 min after the dose (CLINICAL.md D: the
# release check-in comes after at least 2 h of observation; then a 30-minute window, the
# clinic's choice; clinical.safety.DEFAULT_RULES, as clinical.rules.DEFAULT has it). A plan
# takes its own clinic's deadline (treatment.plans).
DEFAULT_CHECK_IN_DEADLINE_MIN = int(
    dosing.DEFAULT_RULES.safety_rules.check_in_deadline.total_seconds() // 60
)


class TreatmentPlan(Product):
    """One version of a patient's treatment plan. Never edited: a change is a new version."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="treatment_plans")
    version = models.PositiveIntegerField()
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    is_current = models.BooleanField(default=True)
    indication = models.CharField(max_length=8, choices=Indication.choices)
    route = models.CharField(max_length=16, choices=Route.choices)
    weight_kg = models.DecimalField(
        "weight used (kg)", max_digits=5, decimal_places=1, help_text="The patient's weight."
    )
    dose_mg = models.DecimalField(
        "dose (mg)", max_digits=DOSE_MAX_DIGITS, decimal_places=DOSE_PLACES
    )
    dose_mg_per_kg = models.DecimalField("dose (mg/kg)", max_digits=8, decimal_places=3)
    take = models.CharField(max_length=100, help_text="What the patient takes each session.")
    dose_notes = models.JSONField(default=list, blank=True, help_text="How the dose was rounded.")
    schedule = models.JSONField(help_text="The schedule pattern and its sessions.")
    caps = models.JSONField(help_text="The dose caps (clinical.dosing.DoseCaps).")
    pre_dose_limits = models.JSONField(help_text="The pre-dose gate limits (SafetyRules).")
    check_in_deadline_min = models.PositiveSmallIntegerField(
        default=DEFAULT_CHECK_IN_DEADLINE_MIN,
        help_text="Minutes after the dose the check-in is due: after the observation, at most "
        "the clinic's deadline.",
    )
    sitter_required = models.BooleanField(default=True)
    pk_summary = models.JSONField(help_text="Typical-patient pharmacokinetics (clinical.pk).")
    reason = models.TextField(blank=True, help_text="Why this version was written.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["patient", "-version"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["patient", "version"], name="plan_version_unique"),
            models.UniqueConstraint(
                fields=["patient"], condition=Q(is_current=True), name="one_current_plan"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="plan_version_gte_1"),
            models.CheckConstraint(
                condition=Q(version=1, supersedes__isnull=True)
                | Q(version__gt=1, supersedes__isnull=False),
                name="plan_supersedes_iff_revision",
            ),
            models.CheckConstraint(condition=Q(dose_mg__gt=0), name="plan_dose_positive"),
            models.CheckConstraint(
                condition=Q(check_in_deadline_min__gt=0), name="plan_check_in_deadline_positive"
            ),
            # CLINICAL.md C, D: a sitter is present for every at-home session.
            models.CheckConstraint(condition=Q(sitter_required=True), name="plan_sitter_required"),
            known("route", Route, "plan_route_known"),
            known("indication", Indication, "plan_indication_known"),
            Product.shape_constraint("plan_product_shape"),
        ]

    def __str__(self) -> str:
        return f"Plan v{self.version} for patient {self.patient_id}"
