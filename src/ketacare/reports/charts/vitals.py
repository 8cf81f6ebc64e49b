"""Blood pressure before and after the dose at every session, as a chart and a table.

The limits drawn are those in force for the patient
(`ketacare.treatment.plans.safety_rules_in_force`: the plan's, else the clinic's protocol's).

    chart = vitals_chart(patient)           # None before the first session
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo

from ketacare.clinical import safety
from ketacare.patients.models import Patient
from ketacare.reports import svg
from ketacare.reports.charts.common import (
    DASH_AFTER_DOSE,
    DASH_GATE,
    DASH_STOP,
    RIGHT,
    WIDTH,
    Chart,
    Pixel,
    Ref,
    axes,
    day,
    day_positions,
    diamonds,
    frame,
    layout,
    long_date,
    picture,
    pixels_of,
    references,
    series,
    short_date,
    value_labels,
)
from ketacare.treatment.models import DosingSession, SessionStatus
from ketacare.treatment.plans import active_plan, safety_rules_in_force

_BP_FLOOR, _BP_CEILING, _BP_STEP = 40, 180, 20

_SESSION_WORDS = {
    SessionStatus.GATE_FAILED.value: "Not taken: the checklist stopped the dose",
    SessionStatus.READY.value: "Checklist passed, dose not recorded",
    SessionStatus.DOSED.value: "Dose taken, check-in not yet done",
    SessionStatus.CHECKED_IN.value: "Dose taken, checked in",
}


class _Reading(NamedTuple):
    """One session's blood pressure: before the dose (the checklist), after (the check-in)."""

    at: datetime
    systolic_before: int
    diastolic_before: int
    systolic_after: int | None
    diastolic_after: int | None
    status: str

    @property
    def gate_failed(self) -> bool:
        return self.status == SessionStatus.GATE_FAILED.value

    @property
    def before(self) -> str:
        return f"{self.systolic_before}/{self.diastolic_before}"

    @property
    def after(self) -> str | None:
        if self.systolic_after is None or self.diastolic_after is None:
            return None
        return f"{self.systolic_after}/{self.diastolic_after}"


def _limits(rules: safety.SafetyRules) -> list[Ref]:
    """The plan's blood-pressure limits as labelled reference lines."""
    lines: list[Ref] = []
    gate, stop = rules.bp_delay_gate, rules.bp_hard_stop
    # CLINICAL.md D: delay above 140/90 (strictly above), hard stop at 160/100 or more.
    if gate is not None:
        lines += [
            Ref(gate.systolic_mmhg, f"Systolic delay > {gate.systolic_mmhg}", DASH_GATE, "gate"),
            Ref(gate.diastolic_mmhg, f"Diastolic delay > {gate.diastolic_mmhg}", DASH_GATE, "gate"),
        ]
    if stop is not None:
        lines += [
            Ref(stop.systolic_mmhg, f"Systolic stop ≥ {stop.systolic_mmhg}", DASH_STOP, "stop"),
            Ref(
                stop.diastolic_mmhg,
                f"Diastolic stop ≥ {stop.diastolic_mmhg}",
                DASH_STOP,
                "stop",
            ),
        ]
    return lines


def _bp_description(readings: Sequence[_Reading], zone: tzinfo, rules: safety.SafetyRules) -> str:
    last = readings[-1]
    after = f", {last.after} after" if last.after else ", not measured after"
    limits = []
    if rules.bp_delay_gate is not None:
        limits.append(f"a dose is delayed above {rules.bp_delay_gate}")
    if rules.bp_hard_stop is not None:
        limits.append(f"stopped at {rules.bp_hard_stop} or more")
    count = f"{len(readings)} session{'s' if len(readings) != 1 else ''}"
    return (
        f"Blood pressure before and after the dose at {count}. Latest, "
        f"{long_date(day(last.at, zone))}: {last.before} mmHg before the dose{after}."
        + (f" Limits: {' and '.join(limits)}." if limits else "")
    )


def _bp_frame(readings: Sequence[_Reading], limits: Sequence[Ref], days: int) -> svg.Plot:
    values: list[float] = [
        v
        for r in readings
        for v in (r.systolic_before, r.diastolic_before, r.systolic_after, r.diastolic_after)
        if v is not None
    ]
    values += [ref.value for ref in limits]
    low = min(_BP_FLOOR, int(min(values)) // _BP_STEP * _BP_STEP)
    high = max(_BP_CEILING, (int(max(values)) // _BP_STEP + 1) * _BP_STEP)
    return frame(0, days, low, high)


class _BpLine(NamedTuple):
    css: str
    pixels: list[Pixel]
    dash: str | None
    hollow: bool


def _bp_lines(
    plot: svg.Plot, readings: Sequence[_Reading], positions: Sequence[float]
) -> tuple[list[_BpLine], list[tuple[str, list[Pixel]]]]:
    """The four lines of the dosed sessions, and the markers of the gate-failed ones."""
    dosed = [(t, r) for t, r in zip(positions, readings, strict=True) if not r.gate_failed]
    stopped = [(t, r) for t, r in zip(positions, readings, strict=True) if r.gate_failed]

    def pixels(pairs: Sequence[tuple[float, _Reading]], field: str) -> list[Pixel]:
        values = [(t, getattr(r, field)) for t, r in pairs]
        return pixels_of(plot, [(t, v) for t, v in values if v is not None])

    lines = [
        _BpLine("systolic-before", pixels(dosed, "systolic_before"), None, hollow=False),
        _BpLine("diastolic-before", pixels(dosed, "diastolic_before"), None, hollow=False),
        _BpLine("systolic-after", pixels(dosed, "systolic_after"), DASH_AFTER_DOSE, hollow=True),
        _BpLine("diastolic-after", pixels(dosed, "diastolic_after"), DASH_AFTER_DOSE, hollow=True),
    ]
    markers = [
        ("systolic-gate-failed", pixels(stopped, "systolic_before")),
        ("diastolic-gate-failed", pixels(stopped, "diastolic_before")),
    ]
    return lines, markers


def _bp_series(
    plot: svg.Plot, readings: Sequence[_Reading], positions: Sequence[float], limits: Sequence[Ref]
) -> tuple[list[str], str]:
    """The four lines, the gate-failed markers, and the reference lines' labels.

    A session whose checklist stopped the dose is no point of the lines (there was no
    dose to join it to): its pre-dose reading is a diamond on its own. Only the first
    and the last value of each line is written, and only where it hides nothing.
    """
    lines, markers = _bp_lines(plot, readings, positions)
    placed = layout()
    for line in lines:
        placed.add_line([(x, y) for x, y, _ in line.pixels])
        for x, y, _ in line.pixels:
            placed.add_marker(x, y)
    for _, found in markers:
        for x, y, _ in found:
            placed.add_marker(x, y, radius=6)
    reference_lines, reference_labels = references(plot, limits, placed)
    drawn = [reference_lines]
    for line in lines:
        values = value_labels(placed, line.pixels, [0, len(line.pixels) - 1])
        drawn.append(series(line.pixels, values, css=line.css, dash=line.dash, hollow=line.hollow))
    drawn += [diamonds(found, css=css) for css, found in markers]
    return drawn, reference_labels


def _legend(gate_failed: bool) -> str:
    words = ["Filled, solid: before the dose", "Hollow, dashed: after the dose"]
    if gate_failed:
        words.append("Diamond, not joined: checklist not passed, no dose")
    top, step = (12, 13) if gate_failed else (14, 16)
    entries = [svg.Entry((line,)) for line in words]
    return svg.legend(entries, x=WIDTH - RIGHT, y=top, size=12, leading=step, anchor="end")


def _readings(patient: Patient) -> list[_Reading]:
    """Every session's blood pressure, before and after the dose, oldest first (one query)."""
    return [
        _Reading(*row)
        for row in DosingSession.objects.filter(patient=patient)
        .order_by("started_at", "pk")
        .values_list(
            "started_at",
            "systolic_mmhg",
            "diastolic_mmhg",
            "check_in__systolic_mmhg",
            "check_in__diastolic_mmhg",
            "status",
        )
    ]


def _bp_rows(readings: Sequence[_Reading], zone: tzinfo) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (
            short_date(day(r.at, zone)),
            r.before,
            r.after or "Not measured",
            _SESSION_WORDS.get(r.status, r.status),
        )
        for r in readings
    )


def vitals_chart(patient: Patient) -> Chart | None:
    """Systolic and diastolic blood pressure before and after the dose at every session.

    Before the dose: solid lines, filled points; after the dose: dashed lines, hollow
    points. The plan's delay gate and hard stop (by default clinical.vitals') are
    labelled reference lines. None before the first session. Three queries: the plan,
    the clinic's protocol (its limits) and the sessions with their check-ins.
    """
    plan = active_plan(patient)
    if plan is not None:
        plan.patient = patient  # known already: no query for it
    rules = safety_rules_in_force(patient, plan)
    readings = _readings(patient)
    if not readings:
        return None
    zone = ZoneInfo(patient.timezone)
    limits = _limits(rules)
    positions, first_day, days = day_positions([r.at for r in readings], zone)
    plot = _bp_frame(readings, limits, days)
    drawn, labels = _bp_series(plot, readings, positions, limits)
    legend = _legend(any(r.gate_failed for r in readings))
    body = "".join([axes(plot, "mmHg", first_day, days), *drawn, labels, legend])
    title = "Blood pressure at each session"
    description = _bp_description(readings, zone, rules)
    return Chart(
        key="vitals",
        title=title,
        svg=picture(f"chart-vitals-{patient.pk}", title, description, body),
        headers=("Date", "Before the dose (mmHg)", "After the dose (mmHg)", "Session"),
        rows=_bp_rows(readings, zone),
    )
