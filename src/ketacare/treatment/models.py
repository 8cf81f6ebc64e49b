"""Plans, prescriptions, the controlled-substance ledger and at-home dosing sessions.

Rows are written only by `treatment.services`; the database constraints below hold the
rules it can hold (a balance never below zero, a prescription never dispensed beyond
its quantity and refills, one current plan per patient), so that a bug or a race in
Python still cannot store a broken ledger.

Ledger units. The ledger counts units of the dispensed product, as a Decimal with one
decimal place: tablets and troches (a scored tablet may be taken as a half: 0.5), nasal
sprays (whole sprays) and esketamine devices (whole devices). A patient has one ledger
account, so a plan may change the product only while the balance is zero (the old
stock is returned or destroyed first); prescriptions and dispenses are whole units.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.timezone import localtime

from ketacare.assessments.models import QuestionnaireResponse
from ketacare.clinical import dosing, postdose
from ketacare.clinical.predose import SUBSTANCE_WORDS
from ketacare.clinical.safety import AdverseEventSeverity, Substance
from ketacare.kernel.clock import now
from ketacare.patients.models import Indication, Patient, Sitter
from ketacare.patients.scoping import ScopedQuerySet

# Ledger quantities: one decimal place (half tablets). Doses: four (a half of a 2-decimal
# strength, or a 1-decimal concentration x a 3-decimal spray volume, is exact in four).
LEDGER_MAX_DIGITS, LEDGER_PLACES = 9, 1
DOSE_MAX_DIGITS, DOSE_PLACES = 10, 4
HALF = Decimal("0.5")
ONE = Decimal(1)


# In SQL a CHECK that evaluates to NULL passes: every constraint on a nullable column
# below says `__isnull=False` where the column must hold a value.


def _known(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


# --- The product -------------------------------------------------------------------------


class Route(models.TextChoices):
    """The at-home routes (clinical.dosing.AT_HOME_ROUTES)."""

    SUBLINGUAL = dosing.Route.SUBLINGUAL.value, "Sublingual"
    ORAL = dosing.Route.ORAL.value, "Oral (swallowed)"
    INTRANASAL = dosing.Route.INTRANASAL.value, "Intranasal"


class Drug(models.TextChoices):
    RACEMIC = dosing.Drug.RACEMIC.value, "Ketamine (racemic)"
    ESKETAMINE = dosing.Drug.ESKETAMINE.value, "Esketamine"


class FormulationKind(models.TextChoices):
    SUBLINGUAL_TABLET = dosing.TabletKind.SUBLINGUAL_TABLET.value, "Sublingual tablet"
    TROCHE = dosing.TabletKind.TROCHE.value, "Troche"
    RAPID_DISSOLVE = dosing.TabletKind.RAPID_DISSOLVE.value, "Rapid-dissolve tablet"
    NASAL_SPRAY = "nasal_spray", "Ketamine nasal spray"
    ESKETAMINE_DEVICE = "esketamine_device", "Esketamine nasal device (28 mg)"


TABLET_KINDS = (
    FormulationKind.SUBLINGUAL_TABLET,
    FormulationKind.TROCHE,
    FormulationKind.RAPID_DISSOLVE,
)

# One unit of each product as people count it, singular and plural: clinical.dosing's
# own words for a dose ("2 troches of 50 mg", "2 sprays"), not the ledger's "tablets".
UNIT_NOUNS: Mapping[str, tuple[str, str]] = {
    FormulationKind.SUBLINGUAL_TABLET: ("tablet", "tablets"),
    FormulationKind.TROCHE: ("troche", "troches"),
    FormulationKind.RAPID_DISSOLVE: ("rapid-dissolve tablet", "rapid-dissolve tablets"),
    FormulationKind.NASAL_SPRAY: ("spray", "sprays"),
    FormulationKind.ESKETAMINE_DEVICE: ("device", "devices"),
}


class LedgerUnit(models.TextChoices):
    TABLETS = "tablets", "tablets"
    SPRAYS = "sprays", "sprays"
    DEVICES = "devices", "devices"


class Product(models.Model):
    """The formulation fields a plan and a prescription share (abstract)."""

    drug = models.CharField(max_length=16, choices=Drug.choices)
    formulation_kind = models.CharField(max_length=24, choices=FormulationKind.choices)
    strength_mg = models.DecimalField(
        "strength (mg per tablet)", max_digits=7, decimal_places=2, null=True, blank=True
    )
    scored = models.BooleanField(default=False, help_text="Scored tablets may be halved.")
    concentration_mg_per_ml = models.DecimalField(
        "concentration (mg/mL)", max_digits=6, decimal_places=1, null=True, blank=True
    )
    spray_volume_ml = models.DecimalField(
        "volume per spray (mL)", max_digits=5, decimal_places=3, null=True, blank=True
    )

    class Meta:
        abstract = True

    @classmethod
    def shape_constraint(cls, name: str) -> models.CheckConstraint:
        """Tablets have a strength, sprays a concentration and volume, devices neither."""
        tablet = (
            Q(formulation_kind__in=TABLET_KINDS, strength_mg__isnull=False, strength_mg__gt=0)
            & Q(concentration_mg_per_ml__isnull=True, spray_volume_ml__isnull=True)
            & Q(drug=Drug.RACEMIC)
        )
        spray = Q(
            formulation_kind=FormulationKind.NASAL_SPRAY,
            drug=Drug.RACEMIC,
            strength_mg__isnull=True,
            scored=False,
            concentration_mg_per_ml__isnull=False,
            concentration_mg_per_ml__gt=0,
            spray_volume_ml__isnull=False,
            spray_volume_ml__gt=0,
        )
        device = Q(
            formulation_kind=FormulationKind.ESKETAMINE_DEVICE,
            drug=Drug.ESKETAMINE,
            strength_mg__isnull=True,
            scored=False,
            concentration_mg_per_ml__isnull=True,
            spray_volume_ml__isnull=True,
        )
        return models.CheckConstraint(condition=tablet | spray | device, name=name)

    @property
    def formulation(self) -> dosing.Formulation:
        """The product as clinical.dosing reads it."""
        if self.formulation_kind == FormulationKind.NASAL_SPRAY:
            return dosing.NasalSpray(
                concentration_mg_per_ml=float(self.concentration_mg_per_ml or 0),
                spray_volume_ml=float(self.spray_volume_ml or 0),
            )
        if self.formulation_kind == FormulationKind.ESKETAMINE_DEVICE:
            return dosing.EsketamineDevice()
        return dosing.Tablet(
            dosing.TabletKind(self.formulation_kind),
            strength_mg=float(self.strength_mg or 0),
            scored=self.scored,
        )

    @property
    def product_key(self) -> tuple[object, ...]:
        """Two products are the same (for the ledger) when these are equal."""
        return (
            self.formulation_kind,
            self.strength_mg,
            self.scored,
            self.concentration_mg_per_ml,
            self.spray_volume_ml,
        )

    @property
    def ledger_unit(self) -> LedgerUnit:
        if self.formulation_kind == FormulationKind.NASAL_SPRAY:
            return LedgerUnit.SPRAYS
        if self.formulation_kind == FormulationKind.ESKETAMINE_DEVICE:
            return LedgerUnit.DEVICES
        return LedgerUnit.TABLETS

    @property
    def ledger_step(self) -> Decimal:
        """The smallest quantity the ledger counts for this product: half a scored tablet."""
        return HALF if self.scored else ONE

    def ledger_units(self, dose_mg: float) -> Decimal:
        """A dose in ledger units: its formulation steps (clinical.dosing) times the step."""
        return self.formulation.steps(dose_mg) * self.ledger_step


# --- Plans -------------------------------------------------------------------------------

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
            _known("route", Route, "plan_route_known"),
            _known("indication", Indication, "plan_indication_known"),
            Product.shape_constraint("plan_product_shape"),
        ]

    def __str__(self) -> str:
        return f"Plan v{self.version} for patient {self.patient_id}"


# --- Prescriptions and dispensing ----------------------------------------------------------


class PrescriptionState(models.TextChoices):
    """Where a prescription stands; only an active one is dispensed."""

    ACTIVE = "active", "Active"
    AWAITING_COSIGN = "awaiting_cosign", "Awaiting co-sign"
    VOIDED = "voided", "Voided"


class Prescription(Product):
    """A prescription for the plan's product: `quantity` units a fill, `refills` more fills.

    A fill may be dispensed in parts (21 CFR 1306.23 allows partial fills of Schedule III):
    `fills_dispensed` counts the fills started, `dispensed_quantity` the units dispensed
    and not voided. A prescription for more units than the plan still needs carries the
    prescriber's `quantity_reason` and waits for a second prescriber's co-sign before any
    dispensing. A prescription is never deleted nor edited: its author voids it (with a
    reason), and a correction is a new prescription that `corrects` the voided one.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="prescriptions")
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="prescriptions")
    product = models.CharField(max_length=200, help_text="The product as the prescriber names it.")
    unit = models.CharField(max_length=8, choices=LedgerUnit.choices)
    quantity = models.PositiveIntegerField(help_text="Units per fill.")
    refills = models.PositiveSmallIntegerField(default=0)
    directions = models.TextField()
    earliest_refill_on = models.DateField(null=True, blank=True)
    # Running totals, updated under the prescription's row lock; the constraints below
    # make dispensing beyond the prescription impossible even if the lock were missed.
    dispensed_quantity = models.PositiveIntegerField(default=0)
    fills_dispensed = models.PositiveSmallIntegerField(
        default=0, help_text="Fills started (a fill may be dispensed in parts)."
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(default=now)
    # More units than the plan still needs: the prescriber's reason, and a second
    # prescriber's co-sign before any dispensing.
    quantity_reason = models.TextField(
        blank=True, help_text="Why more units than the plan still needs."
    )
    needs_cosign = models.BooleanField(default=False)
    cosigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cosigned_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        help_text="The voided prescription this one replaces.",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-written_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="rx_quantity_positive"),
            models.CheckConstraint(
                condition=Q(dispensed_quantity__lte=F("quantity") * (F("refills") + 1)),
                name="rx_never_dispensed_beyond_quantity_and_refills",
            ),
            models.CheckConstraint(
                condition=Q(fills_dispensed__lte=F("refills") + 1),
                name="rx_never_filled_beyond_refills",
            ),
            # A dispense never straddles two fills: the units dispensed fit the fills started.
            models.CheckConstraint(
                condition=Q(dispensed_quantity__lte=F("quantity") * F("fills_dispensed")),
                name="rx_dispensed_within_fills_started",
            ),
            models.CheckConstraint(
                condition=Q(refills=0) | Q(earliest_refill_on__isnull=False),
                name="rx_refills_have_earliest_date",
            ),
            models.CheckConstraint(
                condition=Q(needs_cosign=False) | ~Q(quantity_reason=""),
                name="rx_cosign_has_a_reason",
            ),
            models.CheckConstraint(
                condition=Q(cosigned_by__isnull=True, cosigned_at__isnull=True)
                | Q(needs_cosign=True, cosigned_by__isnull=False, cosigned_at__isnull=False),
                name="rx_cosigned_only_when_needed_with_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(cosigned_by__isnull=True) | ~Q(cosigned_by=F("written_by")),
                name="rx_cosigner_is_not_the_writer",
            ),
            models.CheckConstraint(
                condition=Q(needs_cosign=False)
                | Q(cosigned_at__isnull=False)
                | Q(dispensed_quantity=0, fills_dispensed=0),
                name="rx_no_dispense_before_cosign",
            ),
            models.CheckConstraint(
                condition=Q(voided_by__isnull=True, voided_at__isnull=True, void_reason="")
                | (Q(voided_by__isnull=False, voided_at__isnull=False) & ~Q(void_reason="")),
                name="rx_void_has_who_when_and_why",
            ),
            _known("unit", LedgerUnit, "rx_unit_known"),
            Product.shape_constraint("rx_product_shape"),
        ]

    def __str__(self) -> str:
        return f"Prescription {self.pk}: {self.product} x {self.quantity} + {self.refills} refills"

    @property
    def fills_allowed(self) -> int:
        return self.refills + 1

    @property
    def quantity_left(self) -> int:
        return self.quantity * self.fills_allowed - self.dispensed_quantity

    @property
    def state(self) -> PrescriptionState:
        if self.voided_at is not None:
            return PrescriptionState.VOIDED
        if self.needs_cosign and self.cosigned_at is None:
            return PrescriptionState.AWAITING_COSIGN
        return PrescriptionState.ACTIVE

    @property
    def written_on(self) -> date:
        """The date of issue on the patient's calendar."""
        return localtime(self.written_at, ZoneInfo(self.patient.timezone)).date()

    @property
    def last_fill_on(self) -> date:
        """The last day it may be filled (CLINICAL.md G8: 6 months after the date of issue)."""
        return dosing.last_fill_day(self.written_on)


class RefillRequest(models.Model):
    """A patient (or staff on their behalf) asks for the next fill of a prescription."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="refill_requests")
    prescription = models.ForeignKey(
        Prescription, on_delete=models.PROTECT, related_name="refill_requests"
    )
    early = models.BooleanField(help_text="Asked before the earliest refill date.")
    note = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"Refill request {self.pk} on prescription {self.prescription_id}"


# --- The ledger ----------------------------------------------------------------------------


class LedgerAccount(models.Model):
    """A patient's controlled-substance balance: the sum of their ledger events."""

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="ledger_account")
    unit = models.CharField(max_length=8, choices=LedgerUnit.choices, default=LedgerUnit.TABLETS)
    balance = models.DecimalField(
        max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES, default=Decimal(0)
    )
    updated_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="ledger_balance_never_negative"
            ),
            _known("unit", LedgerUnit, "ledger_unit_known"),
        ]

    def __str__(self) -> str:
        return f"Ledger of patient {self.patient_id}: {self.balance} {self.unit}"


class LedgerEventKind(models.TextChoices):
    DISPENSED = "dispensed", "Dispensed"
    # A voided dispense takes its units back out (the patient never held them).
    DISPENSE_REVERSED = "dispense_reversed", "Dispense voided"
    TAKEN = "taken", "Taken"
    RETURNED = "returned", "Returned"
    DESTROYED = "destroyed", "Destroyed (witnessed)"
    LOST_OR_STOLEN = "lost_or_stolen", "Lost or stolen"
    COUNTED = "counted", "Counted"


OUTGOING_KINDS = (
    LedgerEventKind.DISPENSE_REVERSED,
    LedgerEventKind.TAKEN,
    LedgerEventKind.RETURNED,
    LedgerEventKind.DESTROYED,
    LedgerEventKind.LOST_OR_STOLEN,
)


class LedgerEvent(models.Model):
    """One signed change of a patient's balance. Append-only (a trigger on PostgreSQL).

    `quantity` is signed: + dispensed; - dispense reversed (a voided dispense), taken,
    returned, destroyed, lost or stolen;
    0 for a count, whose result is in `counted` (a count does not change the expected
    balance; a difference is a diversion finding).
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="ledger_events")
    kind = models.CharField(max_length=24, choices=LedgerEventKind.choices)
    quantity = models.DecimalField(max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES)
    balance_after = models.DecimalField(max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES)
    counted = models.DecimalField(
        max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES, null=True, blank=True
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["patient", "at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="ledger_event_balance_never_negative"
            ),
            models.CheckConstraint(
                condition=Q(kind=LedgerEventKind.DISPENSED, quantity__gt=0)
                | Q(kind__in=OUTGOING_KINDS, quantity__lt=0)
                | Q(
                    kind=LedgerEventKind.COUNTED, quantity=0, counted__isnull=False, counted__gte=0
                ),
                name="ledger_event_sign_follows_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind=LedgerEventKind.COUNTED) | Q(counted__isnull=True),
                name="ledger_event_counted_only_on_counts",
            ),
            models.CheckConstraint(
                condition=~Q(kind=LedgerEventKind.DESTROYED) | Q(witness__isnull=False),
                name="ledger_destruction_witnessed",
            ),
            models.CheckConstraint(
                condition=~Q(witness=F("actor")), name="ledger_witness_not_actor"
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["patient", "kind", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+} (balance {self.balance_after})"


class Dispense(models.Model):
    """One dispense of a prescription by a pharmacist: adds `quantity` to the ledger.

    Part `part` of fill `fill_number`: a fill may be dispensed in parts until its quantity
    is reached (21 CFR 1306.23), and one dispense never straddles two fills. Never deleted:
    its pharmacist voids it with a reason (a `dispense_reversed` ledger event takes the
    units back out), and a correction is a new dispense that `corrects` the voided one.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="dispenses")
    prescription = models.ForeignKey(
        Prescription, on_delete=models.PROTECT, related_name="dispenses"
    )
    fill_number = models.PositiveSmallIntegerField()
    part = models.PositiveSmallIntegerField(default=1, help_text="The part of the fill.")
    quantity = models.PositiveIntegerField()
    lot_number = models.CharField(max_length=40)
    expires_on = models.DateField()
    early = models.BooleanField(default=False, help_text="Before the earliest refill date.")
    early_reason = models.TextField(blank=True)
    ledger_event = models.OneToOneField(
        LedgerEvent, on_delete=models.PROTECT, related_name="dispense"
    )
    dispensed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    dispensed_at = models.DateTimeField(default=now)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)
    reversal_event = models.OneToOneField(
        LedgerEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_dispense",
    )
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        help_text="The voided dispense this one replaces.",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-dispensed_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["prescription", "fill_number", "part"], name="one_dispense_per_fill_part"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="dispense_quantity_positive"),
            models.CheckConstraint(condition=Q(fill_number__gte=1), name="dispense_fill_gte_1"),
            models.CheckConstraint(condition=Q(part__gte=1), name="dispense_part_gte_1"),
            models.CheckConstraint(
                condition=Q(early=False) | ~Q(early_reason=""), name="early_dispense_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(
                    voided_by__isnull=True,
                    voided_at__isnull=True,
                    void_reason="",
                    reversal_event__isnull=True,
                )
                | (
                    Q(voided_by__isnull=False, voided_at__isnull=False)
                    & Q(reversal_event__isnull=False)
                    & ~Q(void_reason="")
                ),
                name="dispense_void_has_who_when_why_and_reversal",
            ),
        ]

    def __str__(self) -> str:
        return f"Fill {self.fill_number} part {self.part} of prescription {self.prescription_id}"

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


class DiversionKind(models.TextChoices):
    COUNT_MISMATCH = "count_mismatch", "Count differs from the expected balance"
    EARLY_REFILL = "early_refill", "Early refill"
    LOST_OR_STOLEN = "lost_or_stolen", "Lost or stolen"
    DOSE_BEYOND_LEDGER = "dose_beyond_ledger", "Dose reported beyond the ledger balance"


class DiversionFinding(models.Model):
    """A fact that may mean diversion; the alerts app turns each into an alert."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="diversion_findings"
    )
    kind = models.CharField(max_length=24, choices=DiversionKind.choices)
    expected = models.DecimalField(
        max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES, null=True, blank=True
    )
    counted = models.DecimalField(
        max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES, null=True, blank=True
    )
    quantity = models.DecimalField(
        max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES, null=True, blank=True
    )
    ledger_event = models.ForeignKey(
        LedgerEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="findings"
    )
    prescription = models.ForeignKey(
        Prescription, on_delete=models.PROTECT, null=True, blank=True, related_name="findings"
    )
    dispense = models.ForeignKey(
        Dispense, on_delete=models.PROTECT, null=True, blank=True, related_name="findings"
    )
    refill_request = models.ForeignKey(
        RefillRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="findings"
    )
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    found_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-found_at", "-pk"]
        constraints: ClassVar = [
            _known("kind", DiversionKind, "diversion_kind_known"),
            models.CheckConstraint(
                condition=~Q(kind=DiversionKind.COUNT_MISMATCH)
                | (Q(expected__isnull=False, counted__isnull=False) & ~Q(expected=F("counted"))),
                name="count_mismatch_has_differing_counts",
            ),
            models.CheckConstraint(
                condition=~Q(kind=DiversionKind.EARLY_REFILL) | Q(prescription__isnull=False),
                name="early_refill_names_prescription",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (patient {self.patient_id})"


# --- At-home dosing sessions -----------------------------------------------------------------


class SessionStatus(models.TextChoices):
    GATE_FAILED = "gate_failed", "Pre-dose checklist failed"
    READY = "ready", "Checklist passed, dose not yet taken"
    DOSED = "dosed", "Dose taken, observation under way"
    CHECKED_IN = "checked_in", "Checked in, awaiting the sitter's release"
    RELEASED = "released", "Released by the sitter"


DOSED_STATUSES = (SessionStatus.DOSED, SessionStatus.CHECKED_IN, SessionStatus.RELEASED)


class SubstanceToday(models.TextChoices):
    """clinical.safety.Substance in the patient's words (the checklist's choices)."""

    ALCOHOL = Substance.ALCOHOL.value, SUBSTANCE_WORDS[Substance.ALCOHOL]
    BENZODIAZEPINES = Substance.BENZODIAZEPINES.value, SUBSTANCE_WORDS[Substance.BENZODIAZEPINES]
    STIMULANTS = Substance.STIMULANTS.value, SUBSTANCE_WORDS[Substance.STIMULANTS]
    OPIOIDS = Substance.OPIOIDS.value, SUBSTANCE_WORDS[Substance.OPIOIDS]
    GABAPENTINOIDS = Substance.GABAPENTINOIDS.value, SUBSTANCE_WORDS[Substance.GABAPENTINOIDS]
    Z_DRUGS = Substance.Z_DRUGS.value, SUBSTANCE_WORDS[Substance.Z_DRUGS]
    SEDATING_ANTIHISTAMINES = (
        Substance.SEDATING_ANTIHISTAMINES.value,
        SUBSTANCE_WORDS[Substance.SEDATING_ANTIHISTAMINES],
    )
    CANNABIS = Substance.CANNABIS.value, SUBSTANCE_WORDS[Substance.CANNABIS]
    MAOIS = Substance.MAOIS.value, SUBSTANCE_WORDS[Substance.MAOIS]


class DosingSession(models.Model):
    """An at-home session: the pre-dose checklist and its gate, then the dose taken."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="dosing_sessions")
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="sessions")
    status = models.CharField(max_length=16, choices=SessionStatus.choices)
    # The checklist, as the patient and sitter confirmed it.
    sitter_present = models.BooleanField()
    sitter_name = models.CharField(max_length=200, blank=True)
    sitter = models.ForeignKey(
        Sitter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The sitter whose confirmation of presence the checklist relied on.",
    )
    sitter_presence = models.ForeignKey(
        "SitterPresence", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The C-SSRS screen asked with the checklist (since the last contact).
    cssrs_response = models.ForeignKey(
        QuestionnaireResponse, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fasted = models.BooleanField()
    no_driving_until_tomorrow = models.BooleanField()
    substances_today = models.JSONField(default=list, blank=True)
    systolic_mmhg = models.PositiveSmallIntegerField()
    diastolic_mmhg = models.PositiveSmallIntegerField()
    heart_rate_bpm = models.PositiveSmallIntegerField(null=True, blank=True)
    # The gate's findings (cause, severity, message, next_step, source): empty when passed.
    gate_findings = models.JSONField(default=list, blank=True)
    # How many doses the patient had taken when the gate ran: a dose recorded on another
    # session since then makes this checklist out of date.
    doses_before = models.PositiveIntegerField(default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(default=now)
    # The dose: what the patient reports taking, a fact even when it is not the plan's.
    dose_mg = models.DecimalField(
        max_digits=DOSE_MAX_DIGITS, decimal_places=DOSE_PLACES, null=True, blank=True
    )
    planned_dose_mg = models.DecimalField(
        max_digits=DOSE_MAX_DIGITS, decimal_places=DOSE_PLACES, null=True, blank=True
    )
    as_planned = models.BooleanField(default=True, help_text="The dose taken was the plan's.")
    against_gate = models.BooleanField(
        default=False, help_text="Taken although the gate no longer allowed it at dose time."
    )
    # What the gate or the plan found at dose time (a dose against the gate, off the plan).
    dose_findings = models.JSONField(default=list, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    # The observation window (clinical.postdose.post_dose_window).
    bp_due_at = models.DateTimeField(null=True, blank=True)
    observation_ends_at = models.DateTimeField(null=True, blank=True)
    check_in_due_at = models.DateTimeField(null=True, blank=True)
    # A high reading after the dose asks for another by then; cleared by a normal one.
    remeasure_due_at = models.DateTimeField(null=True, blank=True)
    # The sitter ends the window: the patient is alert and stable (or not: the clinic is paged).
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_by_sitter = models.ForeignKey(
        Sitter, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    release_stable = models.BooleanField(null=True, blank=True)
    release_note = models.TextField(blank=True)
    ledger_event = models.OneToOneField(
        LedgerEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="session"
    )
    dose_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dose_recorded_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-started_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["patient", "taken_at"])]
        constraints: ClassVar = [
            _known("status", SessionStatus, "session_status_known"),
            models.CheckConstraint(
                condition=Q(
                    status__in=[SessionStatus.GATE_FAILED, SessionStatus.READY],
                    taken_at__isnull=True,
                    dose_mg__isnull=True,
                    check_in_due_at__isnull=True,
                    ledger_event__isnull=True,
                )
                | Q(
                    status__in=DOSED_STATUSES,
                    taken_at__isnull=False,
                    dose_mg__isnull=False,
                    dose_mg__gt=0,
                    check_in_due_at__isnull=False,
                    check_in_due_at__gt=F("taken_at"),
                    # A dose is a fact even when the ledger held none of it (a diversion
                    # finding then says so), so a dosed session may have no ledger event.
                ),
                name="session_dose_iff_dosed",
            ),
            # The observation ends before the check-in falls due (clinical.postdose).
            models.CheckConstraint(
                condition=Q(observation_ends_at__isnull=True)
                | Q(observation_ends_at__lt=F("check_in_due_at")),
                name="session_observation_before_check_in",
            ),
            models.CheckConstraint(
                condition=~Q(status=SessionStatus.RELEASED)
                | Q(released_at__isnull=False, release_stable__isnull=False),
                name="session_released_has_release",
            ),
            models.CheckConstraint(
                condition=~Q(status=SessionStatus.READY) | Q(gate_findings=[]),
                name="session_ready_only_without_findings",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.pk} of patient {self.patient_id} ({self.status})"


class Feeling(models.TextChoices):
    VERY_WELL = postdose.Feeling.VERY_WELL.value, "Very well"
    WELL = postdose.Feeling.WELL.value, "Well"
    OKAY = postdose.Feeling.OKAY.value, "Okay"
    UNWELL = postdose.Feeling.UNWELL.value, "Unwell"
    VERY_UNWELL = postdose.Feeling.VERY_UNWELL.value, "Very unwell"


class SideEffect(models.TextChoices):
    """clinical.postdose.Symptom in the words of the check-in (patient and sitter)."""

    NAUSEA = postdose.Symptom.NAUSEA.value, "Feeling sick (nausea)"
    VOMITING = postdose.Symptom.VOMITING.value, "Being sick (vomiting)"
    DIZZINESS = postdose.Symptom.DIZZINESS.value, "Dizziness"
    HEADACHE = postdose.Symptom.HEADACHE.value, "Headache"
    SEDATION = postdose.Symptom.SEDATION.value, "Drowsy, but easy to wake"
    MARKED_SEDATION = postdose.Symptom.MARKED_SEDATION.value, "Very drowsy, hard to keep awake"
    ANXIETY = postdose.Symptom.ANXIETY.value, "Anxiety"
    SEVERE_HEADACHE = postdose.Symptom.SEVERE_HEADACHE.value, "A sudden, severe headache"
    VISION_CHANGE = postdose.Symptom.VISION_CHANGE.value, "A sudden change in vision"
    CHEST_PAIN = postdose.Symptom.CHEST_PAIN.value, "Chest pain"
    TROUBLE_BREATHING = postdose.Symptom.TROUBLE_BREATHING.value, "Trouble breathing"
    LOSS_OF_CONSCIOUSNESS = (
        postdose.Symptom.LOSS_OF_CONSCIOUSNESS.value,
        "Fainted, or could not be woken",
    )
    SEIZURE = postdose.Symptom.SEIZURE.value, "A seizure (fit)"
    OTHER = postdose.Symptom.OTHER.value, "Something else"


class PostDoseCheckIn(models.Model):
    """How the patient is after the dose: due by the session's check_in_due_at."""

    session = models.OneToOneField(DosingSession, on_delete=models.PROTECT, related_name="check_in")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="check_ins")
    feeling = models.CharField(max_length=16, choices=Feeling.choices)
    notes = models.TextField(blank=True)
    systolic_mmhg = models.PositiveSmallIntegerField(null=True, blank=True)
    diastolic_mmhg = models.PositiveSmallIntegerField(null=True, blank=True)
    cadss6_answers = models.JSONField(null=True, blank=True)
    cadss6_total = models.PositiveSmallIntegerField(null=True, blank=True)
    cadss6_band = models.CharField(max_length=16, blank=True)
    side_effects = models.JSONField(default=list, blank=True)
    side_effect_other = models.CharField(max_length=200, blank=True)
    late = models.BooleanField(default=False, help_text="After the check-in deadline.")
    # Safety findings of the check-in (late, blood-pressure rise, high dissociation).
    findings = models.JSONField(default=list, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_in_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-checked_in_at", "-pk"]
        constraints: ClassVar = [
            _known("feeling", Feeling, "check_in_feeling_known"),
            models.CheckConstraint(
                condition=Q(systolic_mmhg__isnull=True, diastolic_mmhg__isnull=True)
                | Q(systolic_mmhg__isnull=False, diastolic_mmhg__isnull=False),
                name="check_in_bp_both_or_neither",
            ),
            models.CheckConstraint(
                condition=Q(cadss6_total__isnull=True) | Q(cadss6_total__lte=24),
                name="check_in_cadss6_total_in_range",  # CLINICAL.md A7: 0-24
            ),
        ]

    def __str__(self) -> str:
        return f"Check-in of session {self.session_id}"


class AdverseEventOutcome(models.TextChoices):
    """FHIR R4 AdverseEvent.outcome (adverse-event-outcome value set)."""

    RESOLVED = "resolved", "Resolved"
    RECOVERING = "recovering", "Recovering"
    ONGOING = "ongoing", "Ongoing"
    RESOLVED_WITH_SEQUELAE = "resolved_with_sequelae", "Resolved with sequelae"
    FATAL = "fatal", "Fatal"
    UNKNOWN = "unknown", "Unknown"


class Severity(models.TextChoices):
    """clinical.safety.AdverseEventSeverity as database choices."""

    MILD = AdverseEventSeverity.MILD.value, "Mild"
    MODERATE = AdverseEventSeverity.MODERATE.value, "Moderate"
    SEVERE = AdverseEventSeverity.SEVERE.value, "Severe"
    LIFE_THREATENING = AdverseEventSeverity.LIFE_THREATENING.value, "Life-threatening"


class AdverseEvent(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="adverse_events")
    session = models.ForeignKey(
        DosingSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adverse_events",
    )
    description = models.TextField()
    severity = models.CharField(max_length=20, choices=Severity.choices)
    serious = models.BooleanField()
    outcome = models.CharField(max_length=24, choices=AdverseEventOutcome.choices)
    onset_at = models.DateTimeField(null=True, blank=True)
    # safety.check_adverse_event's finding (how pressing, in words, with its source).
    finding = models.JSONField()
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-reported_at", "-pk"]
        constraints: ClassVar = [
            _known("severity", Severity, "adverse_event_severity_known"),
            _known("outcome", AdverseEventOutcome, "adverse_event_outcome_known"),
            # ICH E2A: an event that is life-threatening or results in death is serious.
            models.CheckConstraint(
                condition=Q(serious=True)
                | (~Q(severity=Severity.LIFE_THREATENING) & ~Q(outcome=AdverseEventOutcome.FATAL)),
                name="adverse_event_serious_when_life_threatening_or_fatal",
            ),
        ]

    def __str__(self) -> str:
        return f"Adverse event {self.pk} ({self.severity}) of patient {self.patient_id}"


class ConfirmedBy(models.TextChoices):
    ACCOUNT = "account", "the sitter's own sign-in"
    CODE = "code", "a code texted to the sitter's phone"


class SitterPresence(models.Model):
    """A sitter confirms being with the patient: from their own sign-in, or with a code.

    Given before the pre-dose checklist (a session does not exist yet), so it belongs to
    the patient; the gate counts the latest for the time the clinic sets (2 h by default)
    and the checklist shows it ("Robin confirmed being with you at 09:55"). Every
    confirmation is kept.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="sitter_presences")
    sitter = models.ForeignKey(Sitter, on_delete=models.PROTECT, related_name="+")
    # Who pressed the button: the sitter signed in as themself, or the patient typing the
    # code that was texted to the sitter's phone.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(
        max_length=8, choices=ConfirmedBy.choices, default=ConfirmedBy.ACCOUNT
    )
    confirmed_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-confirmed_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["patient", "confirmed_at"])]

    def __str__(self) -> str:
        return f"Sitter {self.sitter_id} with patient {self.patient_id} at {self.confirmed_at}"


class CodePurpose(models.TextChoices):
    PRESENCE = "presence", "confirm being with the patient"
    RELEASE = "release", "end the observation window"


class SitterCode(models.Model):
    """A one-time code texted to a sitter's phone, typed on the patient's device.

    For a sitter without their own sign-in: it proves the sitter is there. Only a hash is
    kept; a code works once, for a few minutes, with a few tries.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="sitter_codes")
    sitter = models.ForeignKey(Sitter, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        DosingSession, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField(max_length=8, choices=CodePurpose.choices)
    code_hash = models.CharField(max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-sent_at", "-pk"]
        constraints: ClassVar = [
            _known("purpose", CodePurpose, "sitter_code_purpose_known"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("sent_at")), name="sitter_code_expires_after_sent"
            ),
        ]

    def __str__(self) -> str:
        return f"Code for sitter {self.sitter_id} ({self.purpose})"


class PostDoseReading(models.Model):
    """A blood pressure after the dose: at ~40 min, a re-measure, or at the check-in."""

    session = models.ForeignKey(
        DosingSession, on_delete=models.PROTECT, related_name="post_dose_readings"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    systolic_mmhg = models.PositiveSmallIntegerField()
    diastolic_mmhg = models.PositiveSmallIntegerField()
    high = models.BooleanField(help_text="Above the gate, a rise of 40/25, or a crisis.")
    # clinical.postdose's finding (empty when the reading is as it should be).
    finding = models.JSONField(default=dict, blank=True)
    at_check_in = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["recorded_at", "pk"]
        indexes: ClassVar = [models.Index(fields=["session", "recorded_at"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(diastolic_mmhg__lt=F("systolic_mmhg")),
                name="post_dose_reading_diastolic_below_systolic",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.systolic_mmhg}/{self.diastolic_mmhg} after session {self.session_id}"


class Hold(models.TextChoices):
    """What a clinician clears for dosing."""

    SUICIDALITY = "suicidality", "Suicidality"
    BLOOD_PRESSURE = "blood_pressure", "Blood pressure"


class DosingClearance(models.Model):
    """A clinician clears a hold on dosing, with a note: the gate counts only what came after."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="dosing_clearances")
    hold = models.CharField(max_length=16, choices=Hold.choices)
    note = models.TextField()
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cleared_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-cleared_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["patient", "hold", "cleared_at"])]
        constraints: ClassVar = [
            _known("hold", Hold, "dosing_clearance_hold_known"),
            models.CheckConstraint(condition=~Q(note=""), name="dosing_clearance_has_note"),
        ]

    def __str__(self) -> str:
        return f"{self.get_hold_display()} cleared for patient {self.patient_id}"
