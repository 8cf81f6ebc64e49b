"""The words of a session record: each part of the page as (label, value) rows.

What was not recorded says so ("Not recorded"), so a blank on paper never reads as
"normal". Times are in the patient's zone (`zone`), never UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from ketacare.alerts.models import Alert
from ketacare.clinical.instruments import cadss6
from ketacare.treatment.models import (
    AdverseEvent,
    ConfirmedBy,
    Dispense,
    DosingSession,
    Feeling,
    InductionReview,
    PostDoseCheckIn,
    PostDoseReading,
    SideEffect,
    SubstanceToday,
)

NOT_RECORDED = "Not recorded"


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    flagged: bool = False  # what the care team must not miss, marked on the page


def at(moment: datetime | None, zone: ZoneInfo) -> str:
    return NOT_RECORDED if moment is None else f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def _clock(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%H:%M}"


def mg(value: Decimal | None) -> str:
    return NOT_RECORDED if value is None else f"{value.normalize():f} mg"


def yes_no(value: bool | None) -> str:
    return NOT_RECORDED if value is None else ("Yes" if value else "No")


def _messages(findings: Iterable[dict[str, Any]]) -> list[str]:
    return [str(f.get("message", "")) for f in findings if f.get("message")]


def product_rows(session: DosingSession, dispense: Dispense | None, zone: ZoneInfo) -> list[Row]:
    plan = session.plan
    strength = f" {plan.strength_mg.normalize():f} mg" if plan.strength_mg else ""
    lot = (
        f"{dispense.lot_number} (expires {dispense.expires_on:%Y-%m-%d}; the latest dispense "
        f"before the dose, {at(dispense.dispensed_at, zone)})"
        if dispense is not None
        else "Not recorded (no dispense before this session)"
    )
    dose = mg(session.dose_mg)
    if session.taken_at is not None:
        dose = f"{dose} at {at(session.taken_at, zone)}"
    return [
        Row(
            "Product",
            f"{plan.get_drug_display()}, {plan.get_formulation_kind_display().lower()}{strength}"
            f" ({plan.get_route_display().lower()})",
        ),
        Row("Lot", lot),
        Row("Planned dose", f"{mg(session.planned_dose_mg or plan.dose_mg)} ({plan.take})"),
        Row("Dose taken", dose),
        *(
            [Row("Not as planned", "The dose taken was not the plan's", flagged=True)]
            if session.taken_at is not None and not session.as_planned
            else []
        ),
        *(
            [Row("Against the gate", "Taken although the gate did not allow it", flagged=True)]
            if session.against_gate
            else []
        ),
    ]


def checklist_rows(session: DosingSession) -> list[Row]:
    substances = [
        SubstanceToday(s).label for s in session.substances_today if s in SubstanceToday.values
    ]
    cssrs = session.cssrs_response
    return [
        Row(
            "Checklist result",
            "Passed" if not session.gate_findings else "Failed",
            flagged=bool(session.gate_findings),
        ),
        *(Row("Gate finding", m, flagged=True) for m in _messages(session.gate_findings)),
        Row("Fasted", yes_no(session.fasted)),
        Row("No driving until tomorrow", yes_no(session.no_driving_until_tomorrow)),
        Row("Substances today", ", ".join(substances) if substances else "None reported"),
        Row(
            "C-SSRS screen",
            cssrs.band.replace("_", " ").capitalize() if cssrs is not None else NOT_RECORDED,
        ),
    ]


def _bp(systolic: int | None, diastolic: int | None) -> str:
    return NOT_RECORDED if systolic is None else f"{systolic}/{diastolic} mmHg"


def _after_dose(reading: PostDoseReading, session: DosingSession, zone: ZoneInfo) -> str:
    when = _clock(reading.recorded_at, zone)
    if session.taken_at is None:
        return when
    minutes = int((reading.recorded_at - session.taken_at).total_seconds() // 60)
    return f"{when}, {minutes} min after the dose"


def _reading_row(
    label: str, reading: PostDoseReading, session: DosingSession, zone: ZoneInfo
) -> Row:
    message = str(reading.finding.get("message", "")) if reading.finding else ""
    bp = _bp(reading.systolic_mmhg, reading.diastolic_mmhg)
    value = f"{bp} ({_after_dose(reading, session, zone)})"
    return Row(
        label, f"{value}. {message}".strip() if reading.high else value, flagged=reading.high
    )


def blood_pressure_rows(
    session: DosingSession, readings: Sequence[PostDoseReading], zone: ZoneInfo
) -> list[Row]:
    """Before the dose, at about 40 min, re-measures, at release (CLINICAL.md G4)."""
    heart = f", heart rate {session.heart_rate_bpm}/min" if session.heart_rate_bpm else ""
    window = [r for r in readings if not r.at_check_in]
    release = [r for r in readings if r.at_check_in]
    rows = [
        Row(
            "Before the dose",
            f"{_bp(session.systolic_mmhg, session.diastolic_mmhg)}{heart} "
            f"({_clock(session.started_at, zone)})",
        ),
    ]
    if window:
        rows.append(_reading_row("At about 40 min", window[0], session, zone))
        rows += [_reading_row("Re-measure", r, session, zone) for r in window[1:]]
    else:
        rows.append(Row("At about 40 min", NOT_RECORDED))
    if release:
        rows.append(_reading_row("At release", release[-1], session, zone))
    else:
        rows.append(Row("At release", NOT_RECORDED))
    return rows


def _presence(session: DosingSession, zone: ZoneInfo) -> str:
    presence = session.sitter_presence
    if presence is None:
        return "Not recorded (no sitter confirmed being there)"
    how = ConfirmedBy(presence.method).label
    return (
        f"{presence.sitter.name} confirmed being there at {at(presence.confirmed_at, zone)} ({how})"
    )


def _release(session: DosingSession, zone: ZoneInfo) -> Row:
    sitter = session.released_by_sitter
    if session.released_at is None or sitter is None:
        return Row("Release", NOT_RECORDED)
    where = (
        "own sign-in"
        if session.released_by_id is not None and session.released_by_id == sitter.user_id
        else "code on the patient's device"
    )
    when = at(session.released_at, zone)
    if session.release_stable:
        return Row("Release", f"{sitter.name} confirmed alert and stable at {when} ({where})")
    return Row(
        "Release",
        f"{sitter.name} could not confirm alert and stable at {when} ({where}); "
        "the on-call clinician was paged",
        flagged=True,
    )


def sitter_rows(session: DosingSession, zone: ZoneInfo) -> list[Row]:
    named = session.sitter.name if session.sitter is not None else session.sitter_name
    rows = [
        Row("Sitter", named or NOT_RECORDED),
        Row("Sitter present (patient's answer)", yes_no(session.sitter_present)),
        Row("Presence", _presence(session, zone)),
        _release(session, zone),
    ]
    if session.release_note:
        rows.append(Row("Sitter's note", session.release_note))
    return rows


def cadss6_rows(check_in: PostDoseCheckIn | None) -> list[Row]:
    """The CADSS-6 total of the check-in (CLINICAL.md A7: six items 0-4, total 0-24)."""
    if check_in is None or check_in.cadss6_total is None:
        return [Row("CADSS-6", NOT_RECORDED)]
    band = f" ({check_in.cadss6_band})" if check_in.cadss6_band else ""
    return [Row("CADSS-6", f"{check_in.cadss6_total} of {cadss6.MAX_TOTAL}{band}")]


def side_effect_rows(check_in: PostDoseCheckIn | None, zone: ZoneInfo) -> list[Row]:
    if check_in is None:
        return [Row("Post-dose check-in", NOT_RECORDED)]
    late = " (late)" if check_in.late else ""
    effects = [SideEffect(e).label for e in check_in.side_effects if e in SideEffect.values]
    if check_in.side_effect_other:
        effects.append(check_in.side_effect_other)
    rows = [
        Row("Post-dose check-in", f"{at(check_in.checked_in_at, zone)}{late}"),
        Row("Feeling", Feeling(check_in.feeling).label),
        Row("Side effects", ", ".join(effects) if effects else "None reported"),
        *(
            # An informational finding is shown; a warning and above are marked.
            Row("Finding", str(f["message"]), flagged=f.get("severity", "info") != "info")
            for f in check_in.findings
            if f.get("message")
        ),
    ]
    if check_in.notes:
        rows.append(Row("Notes", check_in.notes))
    return rows


def adverse_event_rows(events: Sequence[AdverseEvent], zone: ZoneInfo) -> list[Row]:
    if not events:
        return [Row("Adverse events", "None reported")]
    return [
        Row(
            f"Reported {at(e.reported_at, zone)}",
            f"{e.description} Severity {e.get_severity_display().lower()}, "
            f"{'serious' if e.serious else 'not serious'}; outcome "
            f"{e.get_outcome_display().lower()}.",
            flagged=e.serious,
        )
        for e in events
    ]


def _alert_row(alert: Alert, zone: ZoneInfo) -> Row:
    parts = []
    if alert.acknowledged_by is not None:
        parts.append(
            f"acknowledged by {alert.acknowledged_by.display_name} "
            f"at {at(alert.acknowledged_at, zone)}"
        )
    if alert.resolved_by is not None:
        parts.append(
            f"resolved by {alert.resolved_by.display_name} at {at(alert.resolved_at, zone)}"
        )
    words = "; ".join(parts)
    return Row(alert.title, words[:1].upper() + words[1:])


def review_rows(
    alerts: Sequence[Alert], review: InductionReview | None, zone: ZoneInfo
) -> list[Row]:
    """Who reviewed the session: its alerts' clinicians, and the plan's induction review."""
    rows = [_alert_row(a, zone) for a in alerts]
    if review is not None:
        rows.append(
            Row(
                "End-of-induction review",
                f"{review.get_decision_display()}, by {review.decided_by.display_name} "
                f"at {at(review.decided_at, zone)}",
            )
        )
    return rows or [Row("Reviewed by", "Not reviewed yet")]
