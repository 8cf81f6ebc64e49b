"""The product a lot, a plan and a prescription name, and the units stock and ledger count."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db import models
from django.db.models import Q

from ketacare.clinical import dosing
from ketacare.pharmacy.models.base import HALF, ONE


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
    def unit_word(self) -> str:
        """The word people count this product in, plural: "troches", "sprays", "devices"."""
        return UNIT_NOUNS[self.formulation_kind][1]

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
