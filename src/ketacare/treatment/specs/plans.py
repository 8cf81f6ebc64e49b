"""The commands of a treatment plan: its first version (`PlanSpec`) and a revision.

What a field is (a number of mg, a date, one of the products) is checked here, once,
for every face. What depends on the patient and the clinic (the caps a plan may only
tighten, the first-session and revision limits of the dose, the check-in deadline
after the clinic's observation) is the service's (treatment.plans).

The product is one of two shapes, told apart by its `kind`: tablets (a strength, maybe
scored) or a racemic nasal spray (a concentration and a volume per spray). An
esketamine device is refused: never for use at home (CLINICAL.md G4, Spravato REMS).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal

import pydantic
from pydantic import Field, PlainValidator, WithJsonSchema, WrapValidator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ketacare.clinical import dosing
from ketacare.kernel import specs
from ketacare.kernel.specs import Spec, refuse
from ketacare.patients.models import Indication
from ketacare.treatment.models import TABLET_KINDS, FormulationKind, Hold, Route

Loc = tuple[str | int, ...]


def _needed() -> Any:
    """No default the field accepts: a missing value is refused in the field's own words."""
    return Field(default=None, validate_default=True)


def _refused(errors: Sequence[tuple[Loc, PydanticCustomError]]) -> pydantic.ValidationError:
    """Refusals of fields inside the value being validated (their path below it)."""
    details = [InitErrorDetails(type=error, loc=loc, input=None) for loc, error in errors]
    return pydantic.ValidationError.from_exception_data("Spec", details)


def _said(message: str) -> PydanticCustomError:
    return PydanticCustomError("refused", "{said}", {"said": message})


def _inner(exc: pydantic.ValidationError, tag: object = None) -> list[tuple[Loc, Any]]:
    """`exc`'s refusals, without the union member pydantic names (`tag`) in their path."""
    found = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        if loc and loc[0] == tag:
            loc = loc[1:]
        found.append((loc, PydanticCustomError(error["type"], "{said}", {"said": error["msg"]})))
    return found


# --- The product -------------------------------------------------------------------------------


class TabletSpec(Spec):
    """Tablets or troches of `strength_mg`; scored ones may be halved."""

    kind: Literal["sublingual_tablet", "troche", "rapid_dissolve"]
    strength_mg: specs.amount("mg", places=2) = _needed()  # type: ignore[valid-type]
    scored: specs.YesNo = False


class SpraySpec(Spec):
    """A racemic ketamine nasal spray: its concentration and the volume of one spray."""

    kind: Literal["nasal_spray"]
    concentration_mg_per_ml: specs.amount("mg/mL", places=1) = _needed()  # type: ignore[valid-type]
    spray_volume_ml: specs.amount("mL", places=3) = _needed()  # type: ignore[valid-type]


_MEMBERS: dict[str, type[TabletSpec | SpraySpec]] = {
    **dict.fromkeys((kind.value for kind in TABLET_KINDS), TabletSpec),
    FormulationKind.NASAL_SPRAY.value: SpraySpec,
}


def _not_at_home() -> str:
    """clinical.dosing's words for an esketamine device at home (CLINICAL.md G4)."""
    try:
        dosing.check_at_home(dosing.EsketamineDevice())
    except dosing.NotForHomeUse as refused:
        return str(refused)
    return "Esketamine is never dispensed for use at home."  # pragma: no cover


def _formulation(value: object, handler: Callable[[object], Any]) -> Any:
    """The product by its kind; a field another kind has is refused by its name."""
    if isinstance(value, TabletSpec | SpraySpec):
        return value
    if not isinstance(value, Mapping):
        raise refuse("formulation", "Give the formulation: its kind and strength.")
    kind = value.get("kind")
    if not isinstance(kind, str) or kind not in FormulationKind.values:
        choices = ", ".join(FormulationKind.values)
        raise _refused([(("kind",), refuse("choice", "Choose one of: {v}.", v=choices))])
    kind = FormulationKind(kind)
    member = _MEMBERS.get(kind.value)
    wanted = set() if member is None else set(member.model_fields)
    errors: list[tuple[Loc, Any]] = [
        ((extra,), _said(f"A {kind.label.lower()} has no {extra}."))
        for extra in sorted(set(value) - wanted - {"kind"})
        if value[extra] not in (None, False)
    ]
    if member is None and not errors:  # an esketamine device
        raise _said(_not_at_home())
    if member is not None:
        try:
            given = {k: v for k, v in value.items() if k in wanted}
            read = handler(given | {"kind": kind.value})
        except pydantic.ValidationError as exc:
            errors += _inner(exc, kind.value)
        else:
            if not errors:
                return read
    raise _refused(errors)


Formulation = Annotated[
    TabletSpec | SpraySpec, Field(discriminator="kind"), WrapValidator(_formulation)
]


# --- The schedule, caps and pre-dose limits ----------------------------------------------------


def _nested(spec: type[Spec], message: str, *, unknown_refused: bool) -> Any:
    """`spec` as a field: a mapping of its names (`message` if not a mapping)."""
    names = tuple(spec.model_fields)

    def check(value: object, handler: Callable[[object], Any]) -> Any:
        if isinstance(value, spec):
            return value
        if not isinstance(value, Mapping):
            raise _said(message)
        unknown = sorted(str(name) for name in set(value) - set(names))
        errors: list[tuple[Loc, Any]] = []
        if unknown_refused:
            words = f"Unknown name; the known ones are {', '.join(names)}."
            errors = [((name,), _said(words)) for name in unknown]
        try:
            read = handler({k: v for k, v in value.items() if k in names})
        except pydantic.ValidationError as exc:
            errors += _inner(exc)
        if errors:
            raise _refused(errors)
        return read

    return Annotated[spec, WrapValidator(check)]


def _pattern(value: object) -> str:
    if value == "esketamine_label":
        raise _said(
            "The esketamine label schedule is for esketamine, which is never used at home "
            "(Spravato REMS, CLINICAL.md G4): choose at_home."
        )
    if value != "at_home":
        raise _said("Choose at_home.")
    return "at_home"


class ScheduleSpec(Spec):
    """The schedule's parameters; clinical.dosing lays out its sessions."""

    pattern: Annotated[
        str, PlainValidator(_pattern), WithJsonSchema({"type": "string", "enum": ["at_home"]})
    ] = _needed()
    first_day: specs.Day = _needed()
    time_of_day: specs.TimeOfDay = _needed()
    maintenance_weeks: specs.whole("the weeks of maintenance", minimum=0) = 0  # type: ignore[valid-type]


Mg = specs.positive("mg", most=100_000)
MgPerKg = specs.positive("mg/kg", most=1_000)


def _times(what: str) -> Any:
    return specs.whole(what, minimum=1, most=1_000_000)


class CapsSpec(Spec):
    """Caps tightening the clinic's (a name given as null asks to remove the clinic's cap)."""

    max_mg_per_session: Mg | None = None  # type: ignore[valid-type]
    max_mg_per_kg_per_session: MgPerKg | None = None  # type: ignore[valid-type]
    max_mg_per_7_days: Mg | None = None  # type: ignore[valid-type]
    max_mg_per_kg_per_7_days: MgPerKg | None = None  # type: ignore[valid-type]
    max_sessions_per_7_days: _times("max sessions per 7 days") | None = None  # type: ignore[valid-type]
    min_interval_min: _times("min interval min") | None = None  # type: ignore[valid-type]
    min_mg_per_session: Mg | None = None  # type: ignore[valid-type]
    source: specs.text(2000) | None = None  # type: ignore[valid-type]  # the stored caps' words

    def given(self) -> dict[str, Any]:
        """The caps the prescriber wrote (a null one included), without the source."""
        return {name: getattr(self, name) for name in self.model_fields_set if name != "source"}


def _blood_pressure(value: object) -> list[int]:
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2  # noqa: PLR2004 - systolic and diastolic
        or not all(type(v) is int and v > 0 for v in value)
    ):
        raise _said("Give the limit as [systolic, diastolic] in mmHg.")
    return [int(value[0]), int(value[1])]


BloodPressure = Annotated[
    list[int],
    PlainValidator(_blood_pressure),
    WithJsonSchema({"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}),
]
Bpm = specs.whole("a heart rate in bpm", minimum=1, most=1_000)


class LimitsSpec(Spec):
    """Pre-dose limits tightening the clinic's (null asks to remove the clinic's limit)."""

    bp_delay_gate: BloodPressure | None = None
    bp_hard_stop: BloodPressure | None = None
    heart_rate_min_bpm: Bpm | None = None  # type: ignore[valid-type]
    heart_rate_max_bpm: Bpm | None = None  # type: ignore[valid-type]
    fasting_required: specs.YesNo | None = None

    def given(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


Schedule = _nested(
    ScheduleSpec,
    "Give the schedule: its pattern, first day and time of day.",
    unknown_refused=False,
)
Caps = _nested(CapsSpec, "Give the caps as a mapping of cap names to values.", unknown_refused=True)
Limits = _nested(LimitsSpec, "Give the pre-dose limits as a mapping.", unknown_refused=True)


def _sitter(value: object) -> bool:
    if type(value) is not bool:
        raise refuse("yes_no", "Answer yes or no (true or false).")
    if not value:
        raise _said(
            "A sitter is present for every at-home session (CLINICAL.md C, D); "
            "a plan cannot waive it."
        )
    return True


SitterRequired = Annotated[bool, PlainValidator(_sitter), WithJsonSchema({"type": "boolean"})]
Deadline = specs.whole("the check-in deadline in minutes", minimum=1, most=10_000)


class _Dose(Spec):
    dose_mg: Mg | None = None  # type: ignore[valid-type]
    dose_mg_per_kg: MgPerKg | None = None  # type: ignore[valid-type]

    def _one_dose(self, *, none_allowed: bool) -> None:
        given = (self.dose_mg is not None) + (self.dose_mg_per_kg is not None)
        if given == 2 or (given == 0 and not none_allowed):  # noqa: PLR2004 - both
            message = "Give the starting dose in mg or in mg/kg: one of them."
            raise _refused([(("dose_mg",), _said(message))])


# --- The commands ------------------------------------------------------------------------------


class PlanSpec(_Dose):
    """A patient's plan as the prescriber writes it (the first version, or a whole new one).

    caps and pre_dose_limits: values that tighten the clinic's (null: the clinic's).
    check_in_deadline_min: null is the clinic's deadline. indication: null is the
    patient's. The dose in mg or in mg/kg: exactly one.
    """

    route: specs.choice(Route) = _needed()  # type: ignore[valid-type]
    formulation: Formulation = _needed()
    schedule: Schedule = _needed()  # type: ignore[valid-type]
    indication: specs.choice(Indication) | None = None  # type: ignore[valid-type]
    caps: Caps | None = None  # type: ignore[valid-type]
    pre_dose_limits: Limits | None = None  # type: ignore[valid-type]
    check_in_deadline_min: Deadline | None = None  # type: ignore[valid-type]
    sitter_required: SitterRequired = True
    reason: specs.text(2000) = ""  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _a_dose(self) -> PlanSpec:
        self._one_dose(none_allowed=False)
        return self


class PlanRevisionSpec(_Dose):
    """The next version of the current plan: a field not given keeps its value.

    A null route, product, schedule, indication, deadline or sitter keeps the current
    one; null caps or pre-dose limits are the clinic's. No dose keeps the dose in mg; a
    new product without caps takes that product's default caps.
    """

    reason: specs.text(2000, required="Say why the plan changes.") = _needed()  # type: ignore[valid-type]
    route: specs.choice(Route) | None = None  # type: ignore[valid-type]
    formulation: Formulation | None = None
    schedule: Schedule | None = None  # type: ignore[valid-type]
    indication: specs.choice(Indication) | None = None  # type: ignore[valid-type]
    caps: Caps | None = None  # type: ignore[valid-type]
    pre_dose_limits: Limits | None = None  # type: ignore[valid-type]
    check_in_deadline_min: Deadline | None = None  # type: ignore[valid-type]
    sitter_required: SitterRequired | None = None

    @model_validator(mode="after")
    def _at_most_one_dose(self) -> PlanRevisionSpec:
        self._one_dose(none_allowed=True)
        return self


# --- Phase moves and holds ---------------------------------------------------------------------


class MoveSpec(Spec):
    """A treatment phase move by the prescriber, with its reason.

    The phase rules ask for a reason to pause or discharge (patients.phases: ReasonRequired).
    """

    reason: specs.text(5000) = ""  # type: ignore[valid-type]


class ClearanceSpec(Spec):
    """A clinician lifts a hold on dosing: which hold, and the record of their review."""

    hold: specs.choice(Hold) = _needed()  # type: ignore[valid-type]
    note: specs.text(4000, required="Say what you reviewed and decided.") = _needed()  # type: ignore[valid-type]
