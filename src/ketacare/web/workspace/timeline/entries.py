"""The entries of the chart's timeline, and the words they share."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone


class Kind(enum.StrEnum):
    INTAKE = "intake"
    PHASE = "phase"
    PLAN = "plan"
    PRESCRIPTION = "prescription"
    SESSION = "session"
    ADVERSE_EVENT = "adverse_event"
    QUESTIONNAIRE = "questionnaire"
    ALERT = "alert"
    LEDGER = "ledger"
    HOLD = "hold"
    NOTE = "note"

    @property
    def label(self) -> str:
        return {
            "intake": "Intake and review",
            "phase": "Phase change",
            "plan": "Plan",
            "prescription": "Prescription and dispensing",
            "session": "Session",
            "adverse_event": "Adverse event",
            "questionnaire": "Questionnaire",
            "alert": "Alert",
            "ledger": "Ledger",
            "hold": "Hold cleared",
            "note": "Note",
        }[self.value]


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: Kind
    title: str
    lines: tuple[str, ...] = ()
    by: str = ""
    # What the care team must not miss (a high reading, a dose against the gate or not
    # as planned, a sitter who could not confirm): shown marked, before the lines.
    flagged: tuple[str, ...] = ()
    # Pages about the entry, as (words, address): a note and its session's record.
    links: tuple[tuple[str, str], ...] = ()
    # A page of its own for this entry (a session's printable record), if it has one.
    record_url: str = ""


def local_time(at: datetime) -> str:
    # The zone DisplayTimezoneMiddleware activated (the clinic's, for staff).
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def who(user: Any) -> str:
    return str(user.display_name) if user is not None else ""


def mg(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f} mg"


def finding_lines(findings: Iterable[dict[str, Any]]) -> list[str]:
    return [str(f.get("message", "")) for f in findings if f.get("message")]
