from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ketacare.accounts.models import Clinic
from ketacare.accounts.validators import validate_phone, validate_timezone
from ketacare.clinical.dosing import WEIGHT_RANGE_KG
from ketacare.kernel.clock import now
from ketacare.kernel.fields import ClockDateTimeField
from ketacare.patients.phases import Phase
from ketacare.patients.scoping import ScopedQuerySet, patient_scope
from ketacare.patients.validators import validate_date_of_birth

if TYPE_CHECKING:
    from ketacare.accounts.models import User

PHASE_CHOICES = [(p.value, p.label) for p in Phase]

# Body weight bounds the dosing library accepts (clinical.dosing.WEIGHT_RANGE_KG: mg/kg
# and pharmacokinetics; CLINICAL.md gives no range); a weight outside them is a typing
# error, not a patient we can dose.
WEIGHT_MIN_KG, WEIGHT_MAX_KG = (Decimal(kg) for kg in WEIGHT_RANGE_KG)


class Indication(models.TextChoices):
    MDD = "mdd", "Major depressive disorder"
    TRD = "trd", "Treatment-resistant depression"
    PTSD = "ptsd", "Post-traumatic stress disorder"


class SexAtBirth(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INTERSEX = "intersex", "Intersex"
    UNKNOWN = "unknown", "Not recorded"


class PatientQuerySet(ScopedQuerySet["Patient"]):
    def visible_to(self, user: User | object) -> PatientQuerySet:
        return self.filter(patient_scope(user, prefix="", patients=Patient))


class Patient(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="patient_record",
        help_text="The patient's own sign-in, once they have one.",
    )
    legal_name = models.CharField(max_length=200)
    date_of_birth = models.DateField(validators=[validate_date_of_birth])
    sex_at_birth = models.CharField(max_length=10, choices=SexAtBirth.choices)
    weight_kg = models.DecimalField(
        "weight (kg)",
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(WEIGHT_MIN_KG), MaxValueValidator(WEIGHT_MAX_KG)],
    )
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    phone = models.CharField(max_length=32, validators=[validate_phone])
    email = models.EmailField(blank=True)
    emergency_contact_name = models.CharField(max_length=200)
    emergency_contact_phone = models.CharField(max_length=32, validators=[validate_phone])
    indication = models.CharField(max_length=8, choices=Indication.choices)
    # The home address, printed on every prescription (21 CFR 1306.05(a)).
    address_line1 = models.CharField("address", max_length=200, blank=True)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    address_city = models.CharField("city", max_length=100, blank=True)
    address_region = models.CharField("state", max_length=100, blank=True)
    address_postal_code = models.CharField("ZIP code", max_length=20, blank=True)
    phase = models.CharField(max_length=16, choices=PHASE_CHOICES, default=Phase.SCREENING.value)
    phase_since = models.DateTimeField(default=now)
    # When the first dose was taken: written by treatment's dose service in the dose's own
    # transaction, read by the outcomes (baseline, worsening) without reaching up into it.
    first_dose_at = models.DateTimeField(null=True, blank=True, editable=False)
    # While paused: the phase to return to.
    paused_from = models.CharField(max_length=16, choices=PHASE_CHOICES, blank=True)
    created_at = ClockDateTimeField(auto_now_add=True)
    updated_at = ClockDateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["legal_name", "pk"]
        indexes: ClassVar = [models.Index(fields=["clinic", "phase"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(weight_kg__gte=WEIGHT_MIN_KG, weight_kg__lte=WEIGHT_MAX_KG),
                name="patient_weight_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(phase__in=[p.value for p in Phase]), name="patient_phase_known"
            ),
            models.CheckConstraint(
                condition=models.Q(indication__in=Indication.values),
                name="patient_indication_known",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(phase=Phase.PAUSED.value, paused_from__in=["induction", "maintenance"])
                    | (~models.Q(phase=Phase.PAUSED.value) & models.Q(paused_from=""))
                ),
                name="patient_paused_from_only_when_paused",
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def record_number(self) -> str:
        """The clinic's number for this record, shown beside the name ("KC-000123")."""
        return f"KC-{self.pk:06d}"

    @property
    def address_lines(self) -> list[str]:
        """The home address as printed; empty while any of street, city, state, ZIP is missing."""
        street, city = self.address_line1.strip(), self.address_city.strip()
        region, code = self.address_region.strip(), self.address_postal_code.strip()
        if not (street and city and region and code):
            return []
        second = [self.address_line2.strip()] if self.address_line2.strip() else []
        return [street, *second, f"{city}, {region} {code}"]

    @property
    def phase_enum(self) -> Phase:
        return Phase(self.phase)

    @property
    def paused_from_enum(self) -> Phase | None:
        return Phase(self.paused_from) if self.paused_from else None


class PhaseChange(models.Model):
    """One move of a patient between phases (append-only history)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="phase_changes")
    from_phase = models.CharField(max_length=16, choices=PHASE_CHOICES)
    to_phase = models.CharField(max_length=16, choices=PHASE_CHOICES)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.patient_id}: {self.from_phase} -> {self.to_phase}"


class SitterQuerySet(models.QuerySet["Sitter"]):
    def visible_to(self, user: User | object) -> SitterQuerySet:
        """Staff see their clinic's sitters, a sitter themself, a patient their own sitters."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        if getattr(user, "is_superuser", False):
            return self.all()
        sitter_self = models.Q(user_id=getattr(user, "pk", None))
        sitting_for = models.Q(
            pk__in=Sitter.patients.through.objects.filter(
                patient_scope(user, prefix="patient__", patients=Patient)
            ).values("sitter_id")
        )
        scope = sitter_self | sitting_for
        if getattr(user, "is_clinic_staff", False):
            # Including sitters on file who sit for nobody yet (or any more).
            scope |= models.Q(clinic_id=user.clinic_id)  # type: ignore[union-attr]
        return self.filter(scope).distinct()


class Sitter(models.Model):
    """An adult who stays with a patient during and after each at-home dose."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="sitters")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sitter_profile",
    )
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=32, validators=[validate_phone])
    email = models.EmailField(blank=True)
    relationship = models.CharField(max_length=100, blank=True, help_text="e.g. partner, friend")
    # CLINICAL.md D: the sitter is an adult. Staff confirm it when registering the sitter;
    # an unconfirmed sitter cannot pass the pre-dose checklist.
    adult_confirmed = models.BooleanField(
        "confirmed 18 or older",
        default=False,
        help_text="The clinic has confirmed that the sitter is an adult (18 or older).",
    )
    patients = models.ManyToManyField(Patient, related_name="sitters", blank=True)
    created_at = ClockDateTimeField(auto_now_add=True)

    objects = SitterQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class ConsentDocument(models.Model):
    """One published version of a consent text. Never edited: a change is a new version."""

    class Kind(models.TextChoices):
        TREATMENT = "treatment", "Informed consent to at-home ketamine treatment"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="consent_documents")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TREATMENT)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    body_sha256 = models.CharField(max_length=64, editable=False)
    published_at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = ["clinic", "kind", "-version"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["clinic", "kind", "version"], name="one_consent_text_per_version"
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="consent_version_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.body_sha256 = hashlib.sha256(self.body.encode("utf-8")).hexdigest()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Consent(models.Model):
    """A patient's signature on one version of a consent document."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signature_name = models.CharField(max_length=200, help_text="The name typed as the signature.")
    signed_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-signed_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["patient", "document"], name="one_signature_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient_id} signed {self.document}"


class Jurisdiction(models.TextChoices):
    """Whose controlled-substance law the clinic's records follow."""

    US = "us", "United States (DEA, 21 CFR)"


class PatientReturns(models.TextChoices):
    """Whether the clinic takes back a patient's controlled substances (21 CFR 1317)."""

    NOT_ACCEPTED = "not_accepted", "Not accepted: patients use an authorised collector"
    AUTHORISED_COLLECTOR = (
        "authorised_collector",
        "Accepted for destruction: the clinic is registered as an authorised collector",
    )


class ClinicProtocol(models.Model):
    """One version of a clinic's changes to the default safety and dosing settings.

    Never edited: a change is a new version (`is_current` marks the one in force), with
    who made it and why. `changes` holds only the settings that differ from the defaults
    of `ketacare.clinical.rules` ({name: number}); the rest are the defaults.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="protocols")
    version = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True)
    changes = models.JSONField(default=dict, blank=True)
    loosened = models.JSONField(
        default=list, blank=True, help_text="The settings this version made less strict."
    )
    # Off by default: a plan revision is already signed by a prescriber with its reason;
    # a clinic may ask for a signed prescriber review note first (docs/clinical-defaults.md).
    require_review_note_for_revision = models.BooleanField(
        "a prescriber's review note is required before a plan revision",
        default=False,
        help_text="A plan is revised only after a prescriber signs a review note on the chart.",
    )
    jurisdiction = models.CharField(
        max_length=8, choices=Jurisdiction.choices, default=Jurisdiction.US
    )
    # Fail closed: only an authorised collector may take back a patient's controlled
    # substances (21 CFR 1317.30, 1317.40); a clinic registered as one says so here.
    patient_returns = models.CharField(
        "patient returns",
        max_length=24,
        choices=PatientReturns.choices,
        default=PatientReturns.NOT_ACCEPTED,
    )
    reason = models.TextField()
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = ["clinic", "-version"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["clinic", "version"], name="clinic_protocol_version_unique"
            ),
            models.UniqueConstraint(
                fields=["clinic"],
                condition=models.Q(is_current=True),
                name="one_current_clinic_protocol",
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="clinic_protocol_version_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"Protocol v{self.version} of clinic {self.clinic_id}"
