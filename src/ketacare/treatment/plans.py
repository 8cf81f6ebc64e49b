"""Treatment plans: written by a prescriber, validated by clinical.dosing, versioned.

A plan is never edited: `revise_plan` writes version n+1 that supersedes version n,
under the patient's row lock, and a partial unique constraint keeps one current
version per patient. Caps, pre-dose limits and the check-in deadline start from the
clinic's rules (patients.protocol.clinic_rules: the defaults of clinical.rules with the
clinic's protocol) and a plan may only tighten them, never loosen: the defaults are the
top of the published ranges and the clinic's own limits (docs/clinical-defaults.md),
and no patient goes beyond them.

The dose moves gradually (CLINICAL.md G5, clinic's choice; clinical.dosing): while the
patient has taken no dose, or on a change of route, the plan's dose is at most the
first-session share of its session cap; a revision raises it by at most the largest
increase of one revision. Esketamine is never planned for home (CLINICAL.md G4).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction

from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.clinical import dosing, pk, safety
from ketacare.clinical.rules import ClinicRules
from ketacare.kernel import clock
from ketacare.patients.models import Indication, Patient
from ketacare.patients.protocol import clinic_rules
from ketacare.treatment import ledger
from ketacare.treatment.access import PLANNING, PRESCRIBERS, require, require_phase
from ketacare.treatment.errors import PlanExists, PlanSuperseded, StockOnHand
from ketacare.treatment.models import (
    DOSE_PLACES,
    TABLET_KINDS,
    DosingSession,
    Drug,
    FormulationKind,
    Route,
    TreatmentPlan,
)
from ketacare.treatment.parsing import (
    Errors,
    as_bool,
    as_choice,
    as_date,
    as_decimal,
    as_float,
    as_text,
    as_time,
    as_whole,
)

if TYPE_CHECKING:
    from ketacare.accounts.models import User

# The products a plan may use at home: racemic tablets and nasal spray, never esketamine
# devices (clinical.dosing.check_at_home, CLINICAL.md G4: Spravato REMS).
AT_HOME_KINDS = (*TABLET_KINDS, FormulationKind.NASAL_SPRAY)
CAP_MG_FIELDS = (
    "max_mg_per_session",
    "max_mg_per_kg_per_session",
    "max_mg_per_7_days",
    "max_mg_per_kg_per_7_days",
)
CAP_FIELDS = (*CAP_MG_FIELDS, "max_sessions_per_7_days", "min_interval_min", "min_mg_per_session")
LIMIT_FIELDS = (
    "bp_delay_gate",
    "bp_hard_stop",
    "heart_rate_min_bpm",
    "heart_rate_max_bpm",
    "fasting_required",
)
TIGHTENED = "tightened for this patient by the prescriber"


# --- The plan's rules as the clinical core reads them ------------------------------------------


def caps_to_json(caps: dosing.DoseCaps) -> dict[str, Any]:
    interval = caps.min_interval
    return {
        **{name: getattr(caps, name) for name in CAP_MG_FIELDS},
        "max_sessions_per_7_days": caps.max_sessions_per_7_days,
        "min_interval_min": None if interval is None else int(interval.total_seconds() // 60),
        "min_mg_per_session": caps.min_mg_per_session,
        "source": caps.source,
    }


def caps_from_json(data: Mapping[str, Any]) -> dosing.DoseCaps:
    minutes = data.get("min_interval_min")
    return dosing.DoseCaps(
        **{name: data.get(name) for name in CAP_MG_FIELDS},
        max_sessions_per_7_days=data.get("max_sessions_per_7_days"),
        min_interval=None if minutes is None else timedelta(minutes=minutes),
        min_mg_per_session=data.get("min_mg_per_session"),
        source=data.get("source") or "treatment plan",
    )


def plan_caps(plan: TreatmentPlan) -> dosing.DoseCaps:
    return caps_from_json(plan.caps)


def _limit(pair: list[int] | None) -> safety.BloodPressureLimit | None:
    return None if pair is None else safety.BloodPressureLimit(*pair)


def limits_to_json(rules: safety.SafetyRules) -> dict[str, Any]:
    def pair(limit: safety.BloodPressureLimit | None) -> list[int] | None:
        return None if limit is None else [limit.systolic_mmhg, limit.diastolic_mmhg]

    return {
        "bp_delay_gate": pair(rules.bp_delay_gate),
        "bp_hard_stop": pair(rules.bp_hard_stop),
        "heart_rate_min_bpm": rules.heart_rate_min_bpm,
        "heart_rate_max_bpm": rules.heart_rate_max_bpm,
        "fasting_required": rules.fasting_required,
    }


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


def check_in_bounds_min(rules: safety.SafetyRules) -> tuple[int, int]:
    """A plan's check-in deadline: later than the first, at most the second (minutes).

    The release check-in is accepted only after the minimum observation (CLINICAL.md D:
    2 h), so the deadline comes after it; the clinic's deadline (observation + its
    check-in window, the clinic's choice) is the latest a plan may ask for.
    """
    return _minutes(rules.observation_minimum), _minutes(rules.check_in_deadline)


def check_in_bounds_for(patient: Patient) -> tuple[int, int]:
    """The check-in deadlines a plan of this patient may have (`check_in_bounds_min`)."""
    return check_in_bounds_min(clinic_rules(patient.clinic_id).safety)


def plan_safety_rules(plan: TreatmentPlan) -> safety.SafetyRules:
    """The clinic's safety rules with the plan's pre-dose limits and check-in deadline.

    The clinic's current rules (clinic_rules), so its protocol applies to every plan. A
    deadline that no longer fits them (the clinic lengthened its observation or
    shortened its window since the plan was written, or a plan from before the
    observation rule) gives way to the clinic's deadline.
    """
    clinic = clinic_rules(plan.patient.clinic_id).safety
    after, most = check_in_bounds_min(clinic)
    deadline = plan.check_in_deadline_min
    limits = plan.pre_dose_limits
    return dataclasses.replace(
        clinic,
        bp_delay_gate=_limit(limits["bp_delay_gate"]),
        bp_hard_stop=_limit(limits["bp_hard_stop"]),
        heart_rate_min_bpm=limits["heart_rate_min_bpm"],
        heart_rate_max_bpm=limits["heart_rate_max_bpm"],
        fasting_required=limits["fasting_required"],
        check_in_deadline=(
            timedelta(minutes=deadline) if after < deadline <= most else clinic.check_in_deadline
        ),
    )


def active_plan(patient: Patient) -> TreatmentPlan | None:
    """The patient's current plan version, or None before the first plan."""
    return TreatmentPlan.objects.filter(patient_id=patient.pk, is_current=True).first()


# --- Reading a plan's inputs ----------------------------------------------------------------


@dataclass
class _Spec:
    """What the prescriber writes (as given); `_build` validates it into a plan."""

    indication: object
    route: object
    formulation: object
    dose_mg: object
    dose_mg_per_kg: object
    schedule: object
    caps: object  # None: the defaults (or, on a revision of the same product, the old caps)
    pre_dose_limits: object  # None: the defaults (or, on a revision, the old limits)
    check_in_deadline_min: object
    sitter_required: object


def _product(data: object, errors: Errors) -> dict[str, Any] | None:
    """The formulation fields of the model, from {"kind": ..., "strength_mg": ..., ...}."""
    if not isinstance(data, Mapping):
        errors.add("formulation", "Give the formulation: its kind and strength.")
        return None
    kind = as_choice(data.get("kind"), FormulationKind, "formulation.kind", errors)
    if kind is None:
        return None
    wanted = {"kind"}
    fields: dict[str, Any] = {
        "formulation_kind": kind,
        "strength_mg": None,
        "scored": False,
        "concentration_mg_per_ml": None,
        "spray_volume_ml": None,
        "drug": Drug.ESKETAMINE if kind == FormulationKind.ESKETAMINE_DEVICE else Drug.RACEMIC,
    }
    if kind in TABLET_KINDS:
        wanted |= {"strength_mg", "scored"}
        fields["strength_mg"] = as_decimal(
            data.get("strength_mg"), "formulation.strength_mg", errors, places=2, unit="mg"
        )
        fields["scored"] = as_bool(data.get("scored", False), "formulation.scored", errors)
    elif kind == FormulationKind.NASAL_SPRAY:
        wanted |= {"concentration_mg_per_ml", "spray_volume_ml"}
        for name, places, unit in (
            ("concentration_mg_per_ml", 1, "mg/mL"),
            ("spray_volume_ml", 3, "mL"),
        ):
            fields[name] = as_decimal(
                data.get(name), f"formulation.{name}", errors, places=places, unit=unit
            )
    for extra in sorted(set(data) - wanted):
        if data[extra] not in (None, False):
            errors.add(f"formulation.{extra}", f"A {kind.label.lower()} has no {extra}.")
    return None if "formulation" in errors else fields


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


def _tightened_caps(
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


def _tightened_limits(
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


def _schedule(
    data: object, caps: dosing.DoseCaps, zone: str, rules: dosing.DosingRules, errors: Errors
) -> dict[str, Any] | None:
    """The schedule's pattern and parameters, and the sessions clinical.dosing lays out."""
    if not isinstance(data, Mapping):
        errors.add("schedule", "Give the schedule: its pattern, first day and time of day.")
        return None
    pattern = data.get("pattern")
    if pattern == "esketamine_label":
        errors.add(
            "schedule.pattern",
            "The esketamine label schedule is for esketamine, which is never used at home "
            "(Spravato REMS, CLINICAL.md G4): choose at_home.",
        )
        return None
    if pattern != "at_home":
        errors.add("schedule.pattern", "Choose at_home.")
        return None
    first_day = as_date(data.get("first_day"), "schedule.first_day", errors)
    at = as_time(data.get("time_of_day"), "schedule.time_of_day", errors)
    weeks = as_whole(
        data.get("maintenance_weeks", 0),
        "schedule.maintenance_weeks",
        errors,
        minimum=0,
        what="the weeks of maintenance",
    )
    if first_day is None or at is None or weeks is None:
        return None
    start = dosing.CourseStart(first_day, at, zone)
    try:
        sessions = dosing.at_home_schedule(start, maintenance_weeks=weeks, caps=caps, rules=rules)
    except dosing.InvalidDosingInput as exc:
        errors.add("schedule", str(exc))
        return None
    return {
        "pattern": pattern,
        "first_day": first_day.isoformat(),
        "time_of_day": at.strftime("%H:%M"),
        "maintenance_weeks": weeks,
        "sessions": [
            {
                "number": s.number,
                "at": s.at.isoformat(),
                "phase": s.phase,
                "dose_mg": s.dose_mg,
                "note": s.note,
            }
            for s in sessions
        ],
    }


def schedule_parameters(plan: TreatmentPlan) -> dict[str, Any]:
    """The stored schedule without its computed sessions (what the prescriber wrote)."""
    return {k: v for k, v in plan.schedule.items() if k != "sessions"}


# Why the stored IV equivalent may be below the typical patient's (CLINICAL.md G11).
CAUTIOUS_IV_NOTE = (
    "The IV equivalent is the cautious dose: it uses the bioavailability that gives the "
    "smaller dose."
)


def pk_summary(route: str, drug: str, dose_mg: float, weight_kg: float) -> dict[str, Any]:
    """The typical patient's exposure after one dose (clinical.pk), and its IV equivalent.

    The IV equivalent matches the total exposure (AUC). `iv_equivalent_mg` is the cautious
    dose clinical.pk proposes (each route read at the bioavailability that gives the smaller
    dose, CLINICAL.md G11); the typical patient's dose and the 5th-95th percentile between
    simulated patients stand beside it, and the note says which bioavailability was used.
    """
    profile = pk.simulate(route, dose_mg, weight_kg=weight_kg, formulation=drug)
    summary: dict[str, Any] = {
        "cmax_ng_ml": round(profile.cmax_ng_ml, 1),
        "auc_ng_h_ml": round(profile.auc_ng_h_ml, 1),
        "tmax_h": round(profile.tmax_h, 2),
        "iv_equivalent_mg": None,
        "iv_equivalent_typical_mg": None,
        "iv_equivalent_5_95_mg": None,
        "note": "Typical patient of the clinical.pk model (docs/pharmacokinetics.md).",
    }
    if drug != Drug.RACEMIC:
        # clinical.pk matches racemic doses only: the enantiomers' potencies are not known.
        summary["note"] += " No IV equivalent for esketamine."
        return summary
    iv = pk.equivalent_dose(route, dose_mg, "iv", weight_kg=weight_kg, match="auc")
    words = [CAUTIOUS_IV_NOTE, *(_sentence(note) for note in iv.notes)]
    return summary | {
        "iv_equivalent_mg": round(iv.dose_mg, 1),
        "iv_equivalent_typical_mg": round(iv.typical_mg, 1),
        "iv_equivalent_5_95_mg": [round(iv.low_mg, 1), round(iv.high_mg, 1)],
        "note": " ".join([summary["note"], *words]),
    }


def _sentence(text: str) -> str:
    """clinical.pk's note as a sentence: a capital first letter."""
    return text[:1].upper() + text[1:]


def _dose(
    spec: _Spec,
    plan: TreatmentPlan,
    caps: dosing.DoseCaps,
    limits: list[dosing.DoseLimit],
    errors: Errors,
) -> dosing.DosePlan | None:
    """The dose, in mg or mg/kg, rounded and checked by clinical.dosing.plan_dose.

    Within the caps and this step's limits (`_limits`); a refusal is the dose's error.
    """
    if (spec.dose_mg is None) == (spec.dose_mg_per_kg is None):
        errors.add("dose_mg", "Give the starting dose in mg or in mg/kg: one of them.")
        return None
    path = "dose_mg" if spec.dose_mg is not None else "dose_mg_per_kg"
    amount = as_float(
        getattr(spec, path), path, errors, unit="mg" if path == "dose_mg" else "mg/kg"
    )
    if amount is None:
        return None
    try:
        return dosing.plan_dose(
            dosing.Route(plan.route),
            plan.formulation,
            weight_kg=float(plan.patient.weight_kg),
            dose_mg=amount if path == "dose_mg" else None,
            dose_mg_per_kg=amount if path == "dose_mg_per_kg" else None,
            caps=caps,
            limits=limits,
        )
    except dosing.InvalidDosingInput as exc:
        errors.add(path, str(exc))
        return None


@dataclass(frozen=True)
class _Step:
    """Where the course stands when a plan version is written: what limits its dose."""

    rules: ClinicRules  # the clinic's rules (clinic_rules)
    dosed: bool  # the patient has taken a dose here
    current: TreatmentPlan | None = None  # the version a revision replaces


def _limits(
    step: _Step, route: str, caps: dosing.DoseCaps, weight_kg: float
) -> list[dosing.DoseLimit]:
    """The limits of this plan version's dose (clinical.dosing, CLINICAL.md G5).

    No dose taken yet: the first-session limit. A revision by the same route: one
    revision's largest increase from the current dose. A revision to another route: the
    new route's first-session limit, since a dose by one route does not carry over to
    another (CLINICAL.md B: bioavailability differs; G11: conversions must not err high).
    """
    rules = step.rules.dosing
    same_route = step.current is not None and step.current.route == route
    limits = []
    if not step.dosed or not same_route:
        first = dosing.first_session_limit(caps, weight_kg, rules)
        if first is not None and step.dosed:  # a dose by another route, taken here
            first = dataclasses.replace(
                first,
                why=first.why.replace(
                    "for a patient who has not had ketamine here",
                    f"for a patient new to the {route} route (doses by another route do not "
                    "carry over)",
                ),
            )
        limits += [] if first is None else [first]
    if step.current is not None and same_route:
        current_mg = float(step.current.dose_mg)
        limits.append(dosing.revision_limit(current_mg, caps, weight_kg, rules))
    return limits


def _deadline(value: object, rules: safety.SafetyRules, errors: Errors) -> int | None:
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


def _at_home_product(plan: TreatmentPlan, errors: Errors) -> dosing.Formulation | None:
    """The plan's product as clinical.dosing reads it, if it may be used at home by its route."""
    try:
        formulation = plan.formulation
        dosing.check_at_home(formulation)  # CLINICAL.md G4: never esketamine at home
    except dosing.InvalidDosingInput as exc:
        errors.add("formulation", str(exc))
        return None
    if dosing.Route(plan.route) not in formulation.routes:
        errors.add("route", f"{formulation.name} cannot be given {plan.route}.")
        return None
    return formulation


def _build(patient: Patient, spec: _Spec, step: _Step, errors: Errors) -> TreatmentPlan | None:
    """An unsaved plan from `spec`, validated by clinical.dosing; None after noting errors."""
    indication = as_choice(spec.indication, Indication, "indication", errors)
    route = as_choice(spec.route, Route, "route", errors)
    product = _product(spec.formulation, errors)
    deadline = _deadline(spec.check_in_deadline_min, step.rules.safety, errors)
    if spec.sitter_required is not True:
        errors.add(
            "sitter_required",
            "A sitter is present for every at-home session (CLINICAL.md C, D); "
            "a plan cannot waive it.",
        )
    limits = _tightened_limits(spec.pre_dose_limits, step.rules.safety, errors)
    if route is None or product is None:
        return None
    plan = TreatmentPlan(patient=patient, route=route, **product)
    formulation = _at_home_product(plan, errors)
    if formulation is None:
        return None
    caps = _tightened_caps(formulation, spec.caps, step.rules.dosing, errors)
    weight_kg = float(patient.weight_kg)
    dose = (
        None
        if caps is None
        else _dose(spec, plan, caps, _limits(step, route, caps, weight_kg), errors)
    )
    if caps is None or dose is None:
        return None
    schedule = _schedule(spec.schedule, caps, patient.timezone, step.rules.dosing, errors)
    if errors or schedule is None or limits is None or deadline is None or indication is None:
        return None
    plan.indication = indication
    plan.weight_kg = patient.weight_kg
    plan.dose_mg = Decimal(repr(dose.dose_mg)).quantize(Decimal(1).scaleb(-DOSE_PLACES))
    plan.dose_mg_per_kg = Decimal(repr(dose.dose_mg_per_kg)).quantize(Decimal("0.001"))
    plan.take = dose.take
    plan.dose_notes = list(dose.notes)
    plan.schedule = schedule
    plan.caps = caps_to_json(caps)
    plan.pre_dose_limits = limits
    plan.check_in_deadline_min = deadline
    plan.sitter_required = True
    plan.pk_summary = pk_summary(route, plan.drug, dose.dose_mg, weight_kg)
    return plan


def _validated(patient: Patient, spec: _Spec, reason: object, step: _Step) -> TreatmentPlan:
    errors = Errors()
    plan = _build(patient, spec, step, errors)
    text = as_text(
        reason,
        "reason",
        errors,
        max_length=2000,
        required="Say why the plan changes." if step.current is not None else "",
    )
    errors.raise_if_any()
    assert plan is not None  # noqa: S101 - _build notes an error whenever it returns None
    plan.reason = text
    return plan


def _step(patient: Patient, current: TreatmentPlan | None = None) -> _Step:
    """The clinic's rules and whether the patient has taken a dose yet (under the lock)."""
    dosed = DosingSession.objects.filter(patient_id=patient.pk, taken_at__isnull=False).exists()
    return _Step(rules=clinic_rules(patient.clinic_id), dosed=dosed, current=current)


# --- The use cases ------------------------------------------------------------------------


def create_plan(  # noqa: PLR0913 - the plan's fields, as the issue lists them
    actor: User,
    patient: Patient,
    *,
    route: str,
    formulation: Mapping[str, Any],
    schedule: Mapping[str, Any],
    dose_mg: float | Decimal | None = None,
    dose_mg_per_kg: float | Decimal | None = None,
    indication: str | None = None,
    caps: Mapping[str, Any] | None = None,
    pre_dose_limits: Mapping[str, Any] | None = None,
    check_in_deadline_min: int | None = None,
    sitter_required: bool = True,
    reason: str = "",
) -> TreatmentPlan:
    """Write a patient's first plan (version 1). A change later is `revise_plan`.

    formulation: {"kind": "troche", "strength_mg": 50, "scored": True}, or
    {"kind": "nasal_spray", "concentration_mg_per_ml": 100, "spray_volume_ml": 0.1}
    (esketamine devices are refused: never at home, CLINICAL.md G4). schedule:
    {"pattern": "at_home", "first_day": "2025-03-03", "time_of_day": "18:00",
    "maintenance_weeks": 4}. caps and pre_dose_limits: values that tighten the clinic's
    (see CAP_FIELDS and LIMIT_FIELDS). check_in_deadline_min: None is the clinic's
    deadline. The dose is at most the first-session limit until the patient has taken a
    dose (clinical.dosing.first_session_limit).
    """
    require(actor, patient, PRESCRIBERS, "write treatment plans")
    spec = _Spec(
        indication=patient.indication if indication is None else indication,
        route=route,
        formulation=formulation,
        dose_mg=dose_mg,
        dose_mg_per_kg=dose_mg_per_kg,
        schedule=schedule,
        caps=caps,
        pre_dose_limits=pre_dose_limits,
        check_in_deadline_min=check_in_deadline_min,
        sitter_required=sitter_required,
    )
    with transaction.atomic():
        locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
        require_phase(locked, PLANNING, "write a treatment plan")
        if active_plan(locked) is not None:
            raise PlanExists("The patient has a plan already: revise it to change it.")
        step = _step(locked)
        if spec.check_in_deadline_min is None:
            spec.check_in_deadline_min = check_in_bounds_min(step.rules.safety)[1]
        plan = _validated(locked, spec, reason, step)
        plan.version, plan.created_by, plan.created_at = 1, actor, clock.now()
        plan.save()
        account = ledger.locked_account(locked)
        account.unit = plan.ledger_unit
        account.save(update_fields=["unit"])
        record(Event.about(AuditAction.CREATE, plan, detail={"version": 1}), actor=actor)
    return plan


_KEEP: Any = object()  # revise_plan: keep the current version's value


def revise_plan(  # noqa: PLR0913 - any of the plan's fields may change
    actor: User,
    plan: TreatmentPlan,
    *,
    reason: str,
    route: str = _KEEP,
    formulation: Mapping[str, Any] = _KEEP,
    schedule: Mapping[str, Any] = _KEEP,
    dose_mg: float | Decimal | None = None,
    dose_mg_per_kg: float | Decimal | None = None,
    indication: str = _KEEP,
    caps: Mapping[str, Any] | None = _KEEP,
    pre_dose_limits: Mapping[str, Any] | None = _KEEP,
    check_in_deadline_min: int = _KEEP,
    sitter_required: bool = _KEEP,
) -> TreatmentPlan:
    """Write the next version of the current plan; fields not given keep their value.

    No dose given keeps the dose in mg (re-rounded for a new product, with a note); a
    new product without caps takes that product's default caps. A new dose by the same
    route is at most one revision's largest increase from the current one
    (clinical.dosing.revision_limit); by another route, or before the first dose, at
    most the first-session limit. The product may change only while the ledger balance
    is zero (StockOnHand): one ledger counts one product. `plan` must be the current
    version (PlanSuperseded otherwise).
    """
    patient = plan.patient
    require(actor, patient, PRESCRIBERS, "revise treatment plans")
    with transaction.atomic():
        locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
        require_phase(locked, PLANNING, "revise a treatment plan")
        current = active_plan(locked)
        if current is None or current.pk != plan.pk:
            latest = f"version {current.version}" if current else "no plan"
            raise PlanSuperseded(f"Version {plan.version} is not the current plan ({latest}).")

        def keep(value: Any, old: Any) -> Any:
            return old if value is _KEEP else value

        new_product = formulation is not _KEEP
        no_dose = dose_mg is None and dose_mg_per_kg is None
        spec = _Spec(
            indication=keep(indication, current.indication),
            route=keep(route, current.route),
            formulation=keep(formulation, _formulation_of(current)),
            dose_mg=float(current.dose_mg) if no_dose else dose_mg,
            dose_mg_per_kg=dose_mg_per_kg,
            schedule=keep(schedule, schedule_parameters(current)),
            caps=keep(caps, None if new_product else _cap_values(current)),
            pre_dose_limits=keep(pre_dose_limits, current.pre_dose_limits),
            check_in_deadline_min=keep(check_in_deadline_min, current.check_in_deadline_min),
            sitter_required=keep(sitter_required, current.sitter_required),
        )
        revised = _validated(locked, spec, reason, _step(locked, current))
        if revised.product_key != current.product_key:
            account = ledger.locked_account(locked)
            if account.balance > 0:
                raise StockOnHand(
                    f"The ledger still holds {account.balance} {account.unit} of "
                    f"{current.formulation.name}: return or destroy them before changing "
                    "the product."
                )
            account.unit = revised.ledger_unit
            account.save(update_fields=["unit"])
        current.is_current = False
        current.save(update_fields=["is_current"])
        revised.version, revised.supersedes = current.version + 1, current
        revised.created_by, revised.created_at = actor, clock.now()
        revised.save()
        record(
            Event.about(
                AuditAction.CREATE,
                revised,
                detail={"version": revised.version, "supersedes": current.version},
            ),
            actor=actor,
        )
    return revised


def _formulation_of(plan: TreatmentPlan) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": plan.formulation_kind}
    if plan.formulation_kind in TABLET_KINDS:
        data |= {"strength_mg": plan.strength_mg, "scored": plan.scored}
    elif plan.formulation_kind == FormulationKind.NASAL_SPRAY:
        data |= {
            "concentration_mg_per_ml": plan.concentration_mg_per_ml,
            "spray_volume_ml": plan.spray_volume_ml,
        }
    return data


def _cap_values(plan: TreatmentPlan) -> dict[str, Any]:
    return {name: plan.caps.get(name) for name in CAP_FIELDS}
