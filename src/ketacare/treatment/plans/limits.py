"""The prescriber's caps, pre-dose limits and check-in deadline, checked against the clinic's.

A plan may only tighten the clinic's rules, never loosen them: a value looser than the
clinic's is refused (and the clinic's kept), and a clinic's limit cannot be removed.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from ketacare.clinical import dosing, safety
from ketacare.treatment.plans.rules import (
    CAP_FIELDS,
    caps_from_json,
    caps_to_json,
    check_in_bounds_min,
    limits_to_json,
)
from ketacare.treatment.specs.plans import CapsSpec, LimitsSpec

TIGHTENED = "tightened for this patient by the prescriber"


class Refusals:
    """What the clinic's rules refuse in a plan, by field path, all reported at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, str] = {}

    def add(self, path: str, message: str) -> None:
        self.by_field.setdefault(path, message)

    def __contains__(self, path: str) -> bool:
        return path in self.by_field or any(p.startswith(f"{path}.") for p in self.by_field)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(dict(self.by_field))


def _at_least_as_strict(value: float, default: float | None, *, lower_is_stricter: bool) -> bool:
    if default is None:
        return True
    return value <= default if lower_is_stricter else value >= default


def _cap_value(name: str, number: float | None, default: float | None, errors: Refusals) -> Any:
    """The prescriber's cap if it is at least as strict as the clinic's, else the clinic's."""
    path = f"caps.{name}"
    if number is None:
        if default is not None:
            errors.add(path, f"The clinic's cap is {default:g}; a plan cannot remove it.")
        return default
    # A maximum may come down; a minimum (the interval, the session dose) may go up.
    if not _at_least_as_strict(number, default, lower_is_stricter=name.startswith("max_")):
        errors.add(path, f"{number:g} is looser than the clinic's cap of {default:g}.")
        return default
    return number


def tightened_caps(
    formulation: dosing.Formulation,
    overrides: CapsSpec | None,
    rules: dosing.DosingRules,
    errors: Refusals,
) -> dosing.DoseCaps | None:
    """The clinic's caps for the product (clinical.dosing), with the prescriber's stricter ones."""
    defaults = dosing.default_caps(formulation, rules)
    if overrides is None:
        return defaults
    base = caps_to_json(defaults)
    given = overrides.given()
    values = base | {
        name: _cap_value(name, given[name], base[name], errors)
        for name in CAP_FIELDS
        if name in given
    }
    if "caps" in errors:
        return None
    if any(values[name] != base[name] for name in CAP_FIELDS):
        values["source"] = f"{defaults.source}; {TIGHTENED}"
    try:
        return caps_from_json(values)
    except dosing.InvalidDosingInput as exc:
        errors.add("caps", str(exc))
        return None


def _limit_value(name: str, value: Any, default: Any, errors: Refusals) -> Any:
    """The prescriber's limit if it is at least as strict as the clinic's, else the clinic's."""
    path = f"pre_dose_limits.{name}"
    if value is None:
        if default is not None:
            errors.add(path, "The clinic sets this limit; a plan cannot remove it.")
        return default
    if name in {"bp_delay_gate", "bp_hard_stop"}:
        return _bp_limit(value, default, path, errors)
    if name == "fasting_required":
        if value is False and default:
            errors.add(path, "The clinic asks for fasting before every dose; it stays.")
        return default or value
    bpm: int = value
    if not _at_least_as_strict(bpm, default, lower_is_stricter=name == "heart_rate_max_bpm"):
        errors.add(path, f"{bpm} bpm is looser than the clinic's limit of {default} bpm.")
        return default
    return bpm


def tightened_limits(
    overrides: LimitsSpec | None, rules: safety.SafetyRules, errors: Refusals
) -> dict[str, Any] | None:
    """The clinic's pre-dose limits (clinical.safety), with the prescriber's stricter ones."""
    base = limits_to_json(rules)
    if overrides is None:
        return base
    values = base | {
        name: _limit_value(name, value, base[name], errors)
        for name, value in overrides.given().items()
    }
    low, high = values["heart_rate_min_bpm"], values["heart_rate_max_bpm"]
    if low is not None and high is not None and low >= high:
        errors.add("pre_dose_limits.heart_rate_min_bpm", "The minimum is below the maximum.")
    return None if "pre_dose_limits" in errors else values


def _bp_limit(value: list[int], default: list[int] | None, path: str, errors: Refusals) -> object:
    systolic, diastolic = value
    if default is not None and (systolic > default[0] or diastolic > default[1]):
        errors.add(
            path,
            f"{systolic}/{diastolic} mmHg is above the clinic's limit of "
            f"{default[0]}/{default[1]} mmHg.",
        )
        return default
    return [systolic, diastolic]


def read_deadline(deadline: int | None, rules: safety.SafetyRules, errors: Refusals) -> int:
    """The check-in deadline: after the observation, at most the clinic's (None: the clinic's)."""
    after, most = check_in_bounds_min(rules)
    if deadline is None:
        return most
    clinics = (
        f"the clinic's deadline of {most} min ({after} min of observation and "
        f"{most - after} min to check in, the clinic's choice)"
    )
    if deadline <= after:
        errors.add(
            "check_in_deadline_min",
            f"The check-in is accepted only after the {after}-minute observation "
            f"(CLINICAL.md D), so it cannot be due by {deadline} min: give more than {after} "
            f"min, up to {clinics}.",
        )
    elif deadline > most:
        errors.add(
            "check_in_deadline_min",
            f"The check-in is due by {most} min after the dose at the latest: {clinics}. A "
            "plan may ask for it sooner, not later.",
        )
    return deadline
