"""The prescriber's caps, pre-dose limits and check-in deadline, checked against the clinic's.

A plan may only tighten the clinic's rules, never loosen them: a value looser than the
clinic's is refused (and the clinic's kept), and a clinic's limit cannot be removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ketacare.clinical import dosing, safety
from ketacare.treatment.parsing import Errors, as_bool, as_float, as_whole
from ketacare.treatment.plans.rules import (
    CAP_FIELDS,
    LIMIT_FIELDS,
    caps_from_json,
    caps_to_json,
    check_in_bounds_min,
    limits_to_json,
)

TIGHTENED = "tightened for this patient by the prescriber"


def _at_least_as_strict(value: float, default: float | None, *, lower_is_stricter: bool) -> bool:
    if default is None:
        return True
    return value <= default if lower_is_stricter else value >= default


def _unknown(given: Mapping[str, Any], known: tuple[str, ...], path: str, errors: Errors) -> None:
    for name in sorted(set(given) - set(known)):
        errors.add(f"{path}.{name}", f"Unknown name; the known ones are {', '.join(known)}.")


def _cap_value(name: str, value: object, default: float | None, errors: Errors) -> float | None:
    """The prescriber's cap if it is at least as strict as the clinic's, else the clinic's."""
    path = f"caps.{name}"
    if value is None:
        if default is not None:
            errors.add(path, f"The clinic's cap is {default:g}; a plan cannot remove it.")
        return default
    number: float | None
    if name in {"max_sessions_per_7_days", "min_interval_min"}:
        number = as_whole(value, path, errors, minimum=1, what=name.replace("_", " "))
    else:
        number = as_float(value, path, errors, unit="mg/kg" if "per_kg" in name else "mg")
    if number is None:
        return default
    # A maximum may come down; a minimum (the interval, the session dose) may go up.
    if not _at_least_as_strict(number, default, lower_is_stricter=name.startswith("max_")):
        errors.add(path, f"{number:g} is looser than the clinic's cap of {default:g}.")
        return default
    return number


def tightened_caps(
    formulation: dosing.Formulation, overrides: object, rules: dosing.DosingRules, errors: Errors
) -> dosing.DoseCaps | None:
    """The clinic's caps for the product (clinical.dosing), with the prescriber's stricter ones."""
    defaults = dosing.default_caps(formulation, rules)
    if overrides is None:
        return defaults
    if not isinstance(overrides, Mapping):
        errors.add("caps", "Give the caps as a mapping of cap names to values.")
        return None
    _unknown(overrides, (*CAP_FIELDS, "source"), "caps", errors)
    base = caps_to_json(defaults)
    values = base | {
        name: _cap_value(name, overrides[name], base[name], errors)
        for name in CAP_FIELDS
        if name in overrides
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


def _limit_value(name: str, value: object, default: Any, errors: Errors) -> Any:
    """The prescriber's limit if it is at least as strict as the clinic's, else the clinic's."""
    path = f"pre_dose_limits.{name}"
    if value is None:
        if default is not None:
            errors.add(path, "The clinic sets this limit; a plan cannot remove it.")
        return default
    if name in {"bp_delay_gate", "bp_hard_stop"}:
        return _bp_limit(value, default, path, errors)
    if name == "fasting_required":
        fasting = as_bool(value, path, errors)
        if fasting is False and default:
            errors.add(path, "The clinic asks for fasting before every dose; it stays.")
        return default if fasting is None or default else fasting
    bpm = as_whole(value, path, errors, minimum=1, what="a heart rate in bpm")
    if bpm is None:
        return default
    if not _at_least_as_strict(bpm, default, lower_is_stricter=name == "heart_rate_max_bpm"):
        errors.add(path, f"{bpm} bpm is looser than the clinic's limit of {default} bpm.")
        return default
    return bpm


def tightened_limits(
    overrides: object, rules: safety.SafetyRules, errors: Errors
) -> dict[str, Any] | None:
    """The clinic's pre-dose limits (clinical.safety), with the prescriber's stricter ones."""
    base = limits_to_json(rules)
    if overrides is None:
        return base
    if not isinstance(overrides, Mapping):
        errors.add("pre_dose_limits", "Give the pre-dose limits as a mapping.")
        return None
    _unknown(overrides, LIMIT_FIELDS, "pre_dose_limits", errors)
    values = base | {
        name: _limit_value(name, overrides[name], base[name], errors)
        for name in LIMIT_FIELDS
        if name in overrides
    }
    low, high = values["heart_rate_min_bpm"], values["heart_rate_max_bpm"]
    if low is not None and high is not None and low >= high:
        errors.add("pre_dose_limits.heart_rate_min_bpm", "The minimum is below the maximum.")
    return None if "pre_dose_limits" in errors else values


def _bp_limit(value: object, default: list[int] | None, path: str, errors: Errors) -> object:
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2  # noqa: PLR2004 - systolic and diastolic
        or not all(type(v) is int and v > 0 for v in value)
    ):
        errors.add(path, "Give the limit as [systolic, diastolic] in mmHg.")
        return default
    systolic, diastolic = value
    if default is not None and (systolic > default[0] or diastolic > default[1]):
        errors.add(
            path,
            f"{systolic}/{diastolic} mmHg is above the clinic's limit of "
            f"{default[0]}/{default[1]} mmHg.",
        )
        return default
    return [systolic, diastolic]


def read_deadline(value: object, rules: safety.SafetyRules, errors: Errors) -> int | None:
    """The check-in deadline: after the observation, at most the clinic's deadline."""
    deadline = as_whole(
        value,
        "check_in_deadline_min",
        errors,
        minimum=1,
        what="the check-in deadline in minutes",
    )
    after, most = check_in_bounds_min(rules)
    clinics = (
        f"the clinic's deadline of {most} min ({after} min of observation and "
        f"{most - after} min to check in, the clinic's choice)"
    )
    if deadline is not None and deadline <= after:
        errors.add(
            "check_in_deadline_min",
            f"The check-in is accepted only after the {after}-minute observation "
            f"(CLINICAL.md D), so it cannot be due by {deadline} min: give more than {after} "
            f"min, up to {clinics}.",
        )
    elif deadline is not None and deadline > most:
        errors.add(
            "check_in_deadline_min",
            f"The check-in is due by {most} min after the dose at the latest: {clinics}. A "
            "plan may ask for it sooner, not later.",
        )
    return deadline
