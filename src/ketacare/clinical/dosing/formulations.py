"""Routes and formulations: what a dispensed product can give, and mg against mg/kg.

A formulation has one step (half a scored tablet, one spray, one 28 mg esketamine
device); a dose is a whole number of steps, rounded to the nearest and never up past a
cap (`Formulation.deliverable`), and said in the patient's words ("1 1/2 tablets of 50
mg"). Esketamine is never for home use (CLINICAL.md G4, `check_at_home`). Sources:
CLINICAL.md B and C.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import ClassVar

from ketacare.clinical.dosing.inputs import (
    InvalidDosingInput,
    _exact,
    _require_amount,
    _require_bool,
    _require_member,
    _require_weight,
    _text,
)


class Route(StrEnum):
    """How ketamine is given; the same names as ketacare.clinical.pk, for a preview."""

    IV = "iv"
    IM = "im"
    INTRANASAL = "intranasal"
    SUBLINGUAL = "sublingual"
    ORAL = "oral"  # swallowed tablets


# The program doses at home (CLINICAL.md C: at-home sublingual programs; the Spravato
# label's nasal devices): a dose plan is never IV or IM.
AT_HOME_ROUTES = (Route.SUBLINGUAL, Route.ORAL, Route.INTRANASAL)


class Drug(StrEnum):
    """Racemic ketamine, or esketamine (CLINICAL.md B); pk's names for its formulations."""

    RACEMIC = "racemic"
    ESKETAMINE = "esketamine"


class TabletKind(StrEnum):
    """The kinds of ketamine tablet a compounding pharmacy dispenses for home use."""

    SUBLINGUAL_TABLET = "sublingual_tablet"
    TROCHE = "troche"
    RAPID_DISSOLVE = "rapid_dissolve"


_TABLET_NOUNS = {
    TabletKind.SUBLINGUAL_TABLET: ("tablet", "tablets"),
    TabletKind.TROCHE: ("troche", "troches"),
    TabletKind.RAPID_DISSOLVE: ("rapid-dissolve tablet", "rapid-dissolve tablets"),
}


class Formulation(ABC):
    """What a dispensed product can give: one step, rounding to it, and the words for a dose.

    Rounding (`deliverable`): to the nearest whole number of steps; a dose exactly halfway
    between two rounds down (the smaller dose is the safer one); and never up past a cap:
    if the nearest is above `cap_mg`, the largest amount at or below the cap (which may
    be no dose at all, 0).
    """

    drug: ClassVar[Drug]
    routes: ClassVar[tuple[Route, ...]]

    @abstractmethod
    def _unit(self) -> Fraction:
        """One step in mg, exact."""

    @abstractmethod
    def _amount(self, steps: int) -> str:
        """What to take for `steps` steps (at least one), in the patient's words."""

    @property
    @abstractmethod
    def name(self) -> str:
        """The product as a prescriber names it."""

    @property
    def step_mg(self) -> float:
        """The smallest change in dose this formulation can make, in mg."""
        return float(self._unit())

    def deliverable(self, dose_mg: float, *, cap_mg: float | None = None) -> float:
        """The dose this formulation can give nearest to `dose_mg`, never above `cap_mg`."""
        _require_amount("dose_mg", dose_mg, "mg", zero_allowed=True)
        if cap_mg is not None:
            _require_amount("cap_mg", cap_mg, "mg", zero_allowed=True)
        cap = None if cap_mg is None else _exact(cap_mg)
        return float(self._deliverable(_exact(dose_mg), cap))

    def _deliverable(self, dose_mg: Fraction, cap_mg: Fraction | None) -> Fraction:
        unit = self._unit()
        # ceil(q - 1/2): the nearest whole number, halves going down (2.5 -> 2, 2.6 -> 3).
        steps = math.ceil(dose_mg / unit - Fraction(1, 2))
        if cap_mg is not None:
            steps = min(steps, math.floor(cap_mg / unit))
        return steps * unit

    def steps(self, dose_mg: float) -> int:
        """How many steps make `dose_mg`; refuses a dose the formulation cannot give."""
        _require_amount("dose_mg", dose_mg, "mg", zero_allowed=True)
        count = _exact(dose_mg) / self._unit()
        if count.denominator != 1:
            raise InvalidDosingInput(
                f"dose_mg {_text(dose_mg)} mg cannot be given with {self.name} (steps of "
                f"{_text(self._unit())} mg); the nearest it can give is "
                f"{_text(self.deliverable(dose_mg))} mg."
            )
        return count.numerator

    def take(self, dose_mg: float) -> str:
        """What the patient takes for `dose_mg`, e.g. "1 1/2 tablets of 50 mg"."""
        steps = self.steps(dose_mg)
        return self._amount(steps) if steps else "no dose"


@dataclass(frozen=True)
class Tablet(Formulation):
    """Sublingual tablets, troches or rapid-dissolve tablets of one strength."""

    kind: TabletKind
    strength_mg: float
    scored: bool  # scored tablets may be taken as halves

    drug: ClassVar[Drug] = Drug.RACEMIC
    # Held under the tongue, or swallowed (oral) where the plan says so (CLINICAL.md B).
    routes: ClassVar[tuple[Route, ...]] = (Route.SUBLINGUAL, Route.ORAL)

    def __post_init__(self) -> None:
        _require_member("kind", self.kind, TabletKind)
        _require_amount("strength_mg", self.strength_mg, "mg")
        _require_bool("scored", self.scored)

    def _unit(self) -> Fraction:
        strength = _exact(self.strength_mg)
        return strength / 2 if self.scored else strength

    def _amount(self, steps: int) -> str:
        halves = steps if self.scored else 2 * steps
        whole, half = divmod(halves, 2)
        count = " ".join(
            part for part in (str(whole) if whole else "", "1/2" if half else "") if part
        )
        singular, plural = _TABLET_NOUNS[self.kind]
        noun = plural if halves > 2 else singular  # noqa: PLR2004 - more than two halves
        return f"{count} {noun} of {_text(self.strength_mg)} mg"

    @property
    def name(self) -> str:
        scored = "scored " if self.scored else ""
        return f"{_text(self.strength_mg)} mg {scored}{_TABLET_NOUNS[self.kind][1]}"


@dataclass(frozen=True)
class NasalSpray(Formulation):
    """Racemic ketamine nasal spray: mg per spray = concentration x spray volume."""

    concentration_mg_per_ml: float
    spray_volume_ml: float

    drug: ClassVar[Drug] = Drug.RACEMIC
    routes: ClassVar[tuple[Route, ...]] = (Route.INTRANASAL,)

    def __post_init__(self) -> None:
        _require_amount("concentration_mg_per_ml", self.concentration_mg_per_ml, "mg/mL")
        _require_amount("spray_volume_ml", self.spray_volume_ml, "mL")

    def _unit(self) -> Fraction:
        return _exact(self.concentration_mg_per_ml) * _exact(self.spray_volume_ml)

    def _amount(self, steps: int) -> str:
        return f"{steps} spray{'s' if steps > 1 else ''}"

    @property
    def name(self) -> str:
        return (
            f"ketamine nasal spray {_text(self.concentration_mg_per_ml)} mg/mL, "
            f"{_text(self.spray_volume_ml)} mL per spray ({_text(self._unit())} mg per spray)"
        )


# CLINICAL.md B and C: each esketamine nasal device gives 28 mg.
ESKETAMINE_DEVICE_MG = 28


@dataclass(frozen=True)
class EsketamineDevice(Formulation):
    """An esketamine nasal spray device: 28 mg each (CLINICAL.md B, C)."""

    drug: ClassVar[Drug] = Drug.ESKETAMINE
    routes: ClassVar[tuple[Route, ...]] = (Route.INTRANASAL,)

    def _unit(self) -> Fraction:
        return Fraction(ESKETAMINE_DEVICE_MG)

    def _amount(self, steps: int) -> str:
        return f"{steps} device{'s' if steps > 1 else ''}"

    @property
    def name(self) -> str:
        return f"esketamine nasal devices ({ESKETAMINE_DEVICE_MG} mg each)"


# --- mg and mg/kg ---------------------------------------------------------------------------


class NotForHomeUse(InvalidDosingInput):
    """A product that may not be planned, prescribed or dispensed for use at home."""


def check_at_home(formulation: Formulation) -> None:
    """Refuse a product that may not be used at home (NotForHomeUse, in words).

    CLINICAL.md G4: the Spravato REMS allows esketamine only in a certified healthcare
    setting under direct observation, and it is "never dispensed directly to a patient
    for home use".
    """
    if isinstance(formulation, EsketamineDevice):
        raise NotForHomeUse(
            "Esketamine (Spravato) is given only in a REMS-certified healthcare setting "
            "under a clinician's direct observation and is never dispensed for use at home "
            "(Spravato REMS). Choose racemic ketamine tablets, troches or nasal spray for "
            "an at-home plan."
        )
    if not isinstance(formulation, Formulation):
        raise InvalidDosingInput(f"formulation must be a Formulation, not {formulation!r}.")


def per_kg(dose_mg: float, weight_kg: float) -> float:
    """A dose in mg as mg/kg of body weight."""
    _require_amount("dose_mg", dose_mg, "mg", zero_allowed=True)
    _require_weight(weight_kg)
    return float(_exact(dose_mg) / _exact(weight_kg))


def from_per_kg(dose_mg_per_kg: float, weight_kg: float) -> float:
    """A dose in mg/kg of body weight as mg."""
    _require_amount("dose_mg_per_kg", dose_mg_per_kg, "mg/kg", zero_allowed=True)
    _require_weight(weight_kg)
    return float(_exact(dose_mg_per_kg) * _exact(weight_kg))
