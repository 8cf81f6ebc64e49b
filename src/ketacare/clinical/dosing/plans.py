"""A dose plan: a prescriber's dose for an at-home course, checked and rounded.

The prescriber writes the dose in mg or mg/kg; `plan_dose` refuses one above the session
cap or this step's limits (`dosing.limits`), and rounds it to what the product can give
(`Formulation.deliverable`), saying so in the plan's notes. Sources: CLINICAL.md C, G5.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from ketacare.clinical.dosing.formulations import AT_HOME_ROUTES, Formulation, Route, per_kg
from ketacare.clinical.dosing.inputs import (
    InvalidDosingInput,
    _exact,
    _require_amount,
    _require_member,
    _require_weight,
    _text,
)
from ketacare.clinical.dosing.limits import DoseAboveLimit, DoseLimit, _require_limits
from ketacare.clinical.dosing.rules import DoseCaps, default_caps
from ketacare.clinical.dosing.violations import _amount_violations


def _require_route(route: object, formulation: object) -> None:
    _require_member("route", route, Route)
    if route not in AT_HOME_ROUTES:
        raise InvalidDosingInput(
            f"route {route} is not for the at-home program: a dose plan may be "
            f"{', '.join(AT_HOME_ROUTES)}."
        )
    if not isinstance(formulation, Formulation):
        raise InvalidDosingInput(
            f"formulation must be a Tablet, NasalSpray or EsketamineDevice, not {formulation!r}."
        )
    if route not in formulation.routes:
        raise InvalidDosingInput(
            f"{formulation.name} cannot be given {route}; "
            f"route must be {' or '.join(formulation.routes)}."
        )


@dataclass(frozen=True)
class DosePlan:
    """A prescriber's dose for an at-home course: route, product, weight, dose and caps."""

    route: Route
    formulation: Formulation
    weight_kg: float
    dose_mg: float
    caps: DoseCaps
    notes: tuple[str, ...] = ()  # how the dose was reached (rounding), for the prescriber

    def __post_init__(self) -> None:
        _require_route(self.route, self.formulation)
        _require_weight(self.weight_kg)
        _require_amount("dose_mg", self.dose_mg, "mg")
        self.formulation.steps(self.dose_mg)  # refuses a dose the product cannot give
        if not isinstance(self.caps, DoseCaps):
            raise InvalidDosingInput(f"caps must be a DoseCaps, not {self.caps!r}.")
        broken = _amount_violations(self.caps, self.dose_mg, self.weight_kg, Fraction(0))
        if broken:
            raise InvalidDosingInput(" ".join(v.message for v in broken) + f" ({self.caps.source})")
        if not isinstance(self.notes, tuple) or not all(isinstance(n, str) for n in self.notes):
            raise InvalidDosingInput(f"notes must be a tuple of text, not {self.notes!r}.")

    @property
    def dose_mg_per_kg(self) -> float:
        """The dose in mg/kg of the plan's weight."""
        return per_kg(self.dose_mg, self.weight_kg)

    @property
    def take(self) -> str:
        """What the patient takes each session, e.g. "1 1/2 tablets of 50 mg"."""
        return self.formulation.take(self.dose_mg)


def plan_dose(  # noqa: PLR0913 - a prescriber writes the dose in mg or in mg/kg
    route: Route,
    formulation: Formulation,
    *,
    weight_kg: float,
    dose_mg: float | None = None,
    dose_mg_per_kg: float | None = None,
    caps: DoseCaps | None = None,
    limits: Sequence[DoseLimit] = (),
) -> DosePlan:
    """A dose plan from a dose written in mg or mg/kg, rounded to what the product can give.

    `caps` default to the clinic's defaults for the formulation (`default_caps`).
    `limits` are the limits of this step of the course (`first_session_limit`,
    `revision_limit`). A written dose above the session cap is refused (InvalidDosingInput),
    and one above a limit too (DoseAboveLimit, in the limit's words), not lowered: the
    prescriber decides. Rounding follows `Formulation.deliverable` (nearest, halves down,
    never up past the cap or a limit), and the plan's notes say when the dose was rounded.
    """
    _require_route(route, formulation)
    _require_weight(weight_kg)
    requested, written = _written_dose(dose_mg, dose_mg_per_kg, weight_kg)
    caps = default_caps(formulation) if caps is None else caps
    if not isinstance(caps, DoseCaps):
        raise InvalidDosingInput(f"caps must be a DoseCaps, not {caps!r}.")
    ceiling = caps._session_ceiling(weight_kg)
    if ceiling is not None and requested > ceiling:
        raise InvalidDosingInput(
            f"The dose written, {written}, is above the session cap of {_text(ceiling)} mg "
            f"at {_text(weight_kg)} kg ({caps.source})."
        )
    highest = _within_limits(requested, written, ceiling, limits)
    rounded = formulation._deliverable(requested, highest)
    if rounded == 0:
        raise InvalidDosingInput(
            f"The dose written, {written}, is too small for {formulation.name}: the smallest "
            f"dose it can give is {_text(formulation.step_mg)} mg."
        )
    notes: tuple[str, ...] = ()
    if rounded != requested:
        notes = (_rounding_note(formulation, written, rounded, highest, ceiling),)
    return DosePlan(route, formulation, weight_kg, float(rounded), caps, notes)


def _written_dose(
    dose_mg: float | None, dose_mg_per_kg: float | None, weight_kg: float
) -> tuple[Fraction, str]:
    """The dose written, in mg (exact), and in the prescriber's words."""
    if dose_mg is not None and dose_mg_per_kg is None:
        _require_amount("dose_mg", dose_mg, "mg")
        return _exact(dose_mg), f"{_text(dose_mg)} mg"
    if dose_mg_per_kg is not None and dose_mg is None:
        _require_amount("dose_mg_per_kg", dose_mg_per_kg, "mg/kg")
        requested = _exact(dose_mg_per_kg) * _exact(weight_kg)
        written = f"{_text(dose_mg_per_kg)} mg/kg ({_text(requested)} mg at {_text(weight_kg)} kg)"
        return requested, written
    raise InvalidDosingInput(
        "Give the dose as dose_mg or as dose_mg_per_kg: one of them, not both or neither."
    )


def _within_limits(
    requested: Fraction, written: str, ceiling: Fraction | None, limits: Sequence[DoseLimit]
) -> Fraction | None:
    """The most the dose may be rounded to; refuses a written dose above one of `limits`."""
    for limit in _require_limits(limits):
        if requested > _exact(limit.most_mg):
            raise DoseAboveLimit(limit.refusal(written) + f" ({limit.source})")
    return min(
        [_exact(limit.most_mg) for limit in limits] + ([] if ceiling is None else [ceiling]),
        default=None,
    )


def _rounding_note(
    formulation: Formulation,
    written: str,
    rounded: Fraction,
    highest: Fraction | None,
    ceiling: Fraction | None,
) -> str:
    """The plan's note that the written dose was rounded, and to what."""
    above = (
        "the cap"
        if highest is None or highest == ceiling
        else f"this step's limit of {_text(highest)} mg"
    )
    return (
        f"{written} rounded to {_text(rounded)} mg ({formulation.take(float(rounded))}), "
        f"the nearest dose {formulation.name} can give without going above {above}."
    )
