"""The timeline's entries of the sessions, and of the adverse events.

A session's entry tells its checklist, the dose, the readings after it, the check-in
and the release; what the care team must not miss is flagged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.urls import reverse

from ketacare.patients.models import Patient
from ketacare.treatment.models import (
    AdverseEvent,
    ConfirmedBy,
    DosingSession,
    Feeling,
    PostDoseReading,
    SideEffect,
    SubstanceToday,
)
from ketacare.web.workspace.timeline.entries import Entry, Kind, finding_lines, local_time, mg, who


def _check_in_lines(session: DosingSession) -> list[str]:
    check_in = getattr(session, "check_in", None)
    if check_in is None:
        if session.check_in_due_at is not None:
            return [f"Check-in due by {local_time(session.check_in_due_at)}: not yet done."]
        return []
    lines = [
        f"Checked in at {local_time(check_in.checked_in_at)}"
        + (" (late)" if check_in.late else "")
        + f": feeling {Feeling(check_in.feeling).label.lower()}"
    ]
    if check_in.systolic_mmhg is not None:
        lines.append(
            f"Blood pressure after the dose: {check_in.systolic_mmhg}/"
            f"{check_in.diastolic_mmhg} mmHg"
        )
    if check_in.cadss6_total is not None:
        band = f" ({check_in.cadss6_band})" if check_in.cadss6_band else ""
        lines.append(f"CADSS-6: {check_in.cadss6_total} of 24{band}")
    effects = [SideEffect(e).label for e in check_in.side_effects if e in SideEffect.values]
    if check_in.side_effect_other:
        effects.append(check_in.side_effect_other)
    lines.append("Side effects: " + (", ".join(effects) if effects else "none reported"))
    lines += finding_lines(check_in.findings)
    if check_in.notes:
        lines.append(f"Notes: {check_in.notes}")
    return lines


def _sitter_line(session: DosingSession) -> str:
    answer = "yes" if session.sitter_present else "no"
    presence = session.sitter_presence
    if presence is None:
        return f"Sitter present (patient's answer): {answer}; no sitter had confirmed"
    how = ConfirmedBy(presence.method).label
    return (
        f"Sitter present (patient's answer): {answer}; {presence.sitter.name} confirmed at "
        f"{local_time(presence.confirmed_at)} ({how})"
    )


def _checklist_lines(session: DosingSession) -> list[str]:
    lines = []
    if session.cssrs_response is not None:
        band = session.cssrs_response.band.replace("_", " ")
        lines.append(f"C-SSRS screen since the last contact: {band}")
    if session.substances_today:
        taken = [SubstanceToday(s).value.replace("_", " ") for s in session.substances_today]
        lines.append("Substances today: " + ", ".join(taken))
    return lines


def _dose(session: DosingSession) -> tuple[list[str], list[str]]:
    """(lines, flagged) of the dose: what was taken, and whether it was the plan's."""
    if session.taken_at is None:
        return [], []
    lines = [f"Dose taken: {mg(session.dose_mg)} at {local_time(session.taken_at)}"]
    flagged = []
    if session.against_gate:
        flagged.append("Taken against the gate (the patient reported it taken already)")
    if not session.as_planned:
        flagged.append(
            f"Not as planned: {mg(session.dose_mg)} taken, the plan's dose is "
            f"{mg(session.planned_dose_mg)}"
        )
    flagged += finding_lines(session.dose_findings)
    return lines, flagged


def _reading(reading: PostDoseReading) -> str:
    words = (
        f"Blood pressure after the dose at {local_time(reading.recorded_at)}: "
        f"{reading.systolic_mmhg}/{reading.diastolic_mmhg} mmHg"
    )
    message = reading.finding.get("message", "") if reading.finding else ""
    return f"High: {words}. {message}".strip() if reading.high else words


def _release(session: DosingSession) -> tuple[list[str], list[str]]:
    """(lines, flagged) of the end of the window by the sitter."""
    sitter = session.released_by_sitter
    if session.released_at is None or sitter is None:
        return [], []
    where = (
        "own sign-in"
        if session.released_by_id is not None and session.released_by_id == sitter.user_id
        else "code on the patient's device"
    )
    note = [f"Sitter's note: {session.release_note}"] if session.release_note else []
    at = local_time(session.released_at)
    if session.release_stable:
        return [
            f"Observation ended at {at}: {sitter.name} confirmed alert and stable ({where})",
            *note,
        ], []
    return note, [
        (
            f"{sitter.name} could not confirm alert and stable at {at} ({where}); the on-call "
            "clinician was paged"
        )
    ]


def _readings(patient: Patient) -> dict[int, list[PostDoseReading]]:
    """The readings after each dose (not the check-in's own), one query for them all."""
    by_session: dict[int, list[PostDoseReading]] = defaultdict(list)
    for reading in PostDoseReading.objects.filter(patient=patient, at_check_in=False):
        by_session[reading.session_id].append(reading)
    return by_session


def session_entries(patient: Patient) -> Iterator[Entry]:
    """Every session, then every adverse event (the chart's "Session" source)."""
    sessions = DosingSession.objects.filter(patient=patient).select_related(
        "started_by",
        "check_in",
        "sitter_presence__sitter",
        "cssrs_response",
        "released_by_sitter",
    )
    readings = _readings(patient)
    for session in sessions:
        yield _session_entry(session, readings.get(session.pk, []))
    yield from _adverse_events(patient)


def _session_entry(session: DosingSession, taken: list[PostDoseReading]) -> Entry:
    """One session, with the readings after its dose (`taken`)."""
    gate = "passed" if not session.gate_findings else "failed"
    heart = f", heart rate {session.heart_rate_bpm}/min" if session.heart_rate_bpm else ""
    dose, dose_flags = _dose(session)
    release, release_flags = _release(session)
    lines = [
        (
            f"Pre-dose gate {gate}: blood pressure {session.systolic_mmhg}/"
            f"{session.diastolic_mmhg} mmHg{heart}"
        ),
        *finding_lines(session.gate_findings),
        _sitter_line(session),
        *_checklist_lines(session),
        *dose,
        *(_reading(r) for r in taken if not r.high),
        *_check_in_lines(session),
        *release,
    ]
    return Entry(
        session.started_at,
        Kind.SESSION,
        f"Session: {session.get_status_display()}",
        tuple(lines),
        who(session.started_by),
        flagged=(*dose_flags, *(_reading(r) for r in taken if r.high), *release_flags),
        record_url=reverse(
            "ws-session-record",
            kwargs={"patient_id": session.patient_id, "session_id": session.pk},
        ),
    )


def _adverse_events(patient: Patient) -> Iterator[Entry]:
    for event in AdverseEvent.objects.filter(patient=patient).select_related("reported_by"):
        serious = "serious" if event.serious else "not serious"
        event_lines = (
            event.description,
            (
                f"Severity {event.get_severity_display().lower()}, {serious}; "
                f"outcome {event.get_outcome_display().lower()}"
            ),
            *finding_lines([event.finding]),
        )
        yield Entry(
            event.reported_at,
            Kind.ADVERSE_EVENT,
            "Adverse event reported",
            event_lines,
            who(event.reported_by),
        )
