"""A patient's chart as one timeline: every recorded step of their journey, newest first.

One query per kind of record (with the people it names joined in), so the chart costs
the same number of queries for a patient with one session or a hundred. The entries are
words for the care team, built from the stored records; nothing is judged here (the
gate's and the check-in's findings are shown as the services stored them).

The entries are built by `records` and `sessions`, on the shared words of `entries`.
"""

from __future__ import annotations

from ketacare.patients.models import Patient
from ketacare.web.workspace.timeline.entries import Entry, Kind
from ketacare.web.workspace.timeline.notes import note_entries
from ketacare.web.workspace.timeline.records import (
    alert_entries,
    clearance_entries,
    intake_entries,
    ledger_entries,
    phase_entries,
    plan_entries,
    prescription_entries,
    questionnaire_entries,
)
from ketacare.web.workspace.timeline.sessions import session_entries

__all__ = ["Entry", "Kind", "timeline"]

_SOURCES = {
    Kind.INTAKE: intake_entries,
    Kind.PHASE: phase_entries,
    Kind.PLAN: plan_entries,
    Kind.PRESCRIPTION: prescription_entries,
    Kind.SESSION: session_entries,
    Kind.QUESTIONNAIRE: questionnaire_entries,
    Kind.ALERT: alert_entries,
    Kind.LEDGER: ledger_entries,
    Kind.HOLD: clearance_entries,
    Kind.NOTE: note_entries,
}


def timeline(patient: Patient, kind: Kind | None = None) -> list[Entry]:
    """The patient's entries, newest first; only those of `kind` when given."""
    entries: list[Entry] = []
    for source_kind, source in _SOURCES.items():
        if (
            kind is None
            or kind == source_kind
            or (kind == Kind.ADVERSE_EVENT and source_kind == Kind.SESSION)
        ):
            entries.extend(source(patient))
    if kind is not None:
        entries = [e for e in entries if e.kind == kind]
    return sorted(entries, key=lambda e: e.at, reverse=True)
