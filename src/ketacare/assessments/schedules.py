"""When each questionnaire is due: the schedule rules and the due-date arithmetic.

The defaults are the treatment journey issue's defaults: PHQ-9 weekly in induction
and every 2 weeks in maintenance, GAD-7 every 2 weeks, PCL-5 every 4 weeks for PTSD,
C-SSRS at intake, whenever a suicidality flag appears and every 2 weeks on treatment;
and the routine monitoring of the landing page: bladder symptoms monthly (G10) and a
DAST-10 misuse check every 3 months. They are the clinic's
follow-up routine, not clinical thresholds (CLINICAL.md has no number for them), and
a clinic overrides them with `ClinicQuestionnaireSettings` (see `with_overrides`).

Pure functions over facts the services read from the database, so the rules are
tested without one.

- A periodic item is due `every_days` days after the last response on the patient's
  wall clock (a PHQ-9 done Monday 09:00 is due the next Monday 09:00, 167 or 169 real
  hours later across a DST change), and never before the current phase began (a
  stale intake score makes the first one due on the first day of induction, not
  "overdue since last month"). With no response yet it is due when the phase began.
- "At intake": due from the start of intake, in intake, under review and approved,
  until one is recorded after intake began.
- "After a suicidality flag": due from the first response (on another instrument)
  carrying the flag after this instrument's last response, in every phase that
  accepts questionnaires: a flag is followed up whatever the phase, paused included.
- Nothing periodic is due in screening, intake, under review, approved or paused;
  nothing at all in declined and discharged (they accept no questionnaires).
- Overdue: more than `grace` after the due time. The issue gives no grace; the
  default is 0 (overdue from the due time on), a clinic sets `grace_hours`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from ketacare.clinical import instruments
from ketacare.patients.models import Indication
from ketacare.patients.phases import Phase

# Phases in which a patient may submit questionnaires (and in which a flag is followed up).
OPEN_PHASES = frozenset(Phase) - {Phase.DECLINED, Phase.DISCHARGED}
# Phases in which an "at intake" questionnaire stays due until it is recorded.
INTAKE_PHASES = frozenset({Phase.INTAKE, Phase.UNDER_REVIEW, Phase.APPROVED})
# A clinic's bounds for its own settings (a typing error beyond them, not a schedule).
MAX_EVERY_DAYS = 365
MAX_GRACE_HOURS = 24 * 30
RULE_FIELDS = ("every_days", "indications", "at_intake", "after_suicidality_flag")


@dataclass(frozen=True)
class QuestionnaireScheduleRule:
    """When one instrument is due for a patient."""

    instrument: str
    # Days between two responses, by phase; a phase not listed has no periodic item.
    every_days: Mapping[Phase, int] = field(default_factory=lambda: MappingProxyType({}))
    # The indications it is scheduled for; empty means every indication.
    indications: frozenset[str] = frozenset()
    at_intake: bool = False
    after_suicidality_flag: bool = False

    def __post_init__(self) -> None:
        if self.instrument not in instruments.CODES:
            raise ValueError(f"Unknown instrument {self.instrument!r}.")
        object.__setattr__(self, "every_days", MappingProxyType(dict(self.every_days)))


@dataclass(frozen=True)
class QuestionnaireSchedule:
    rules: tuple[QuestionnaireScheduleRule, ...]
    grace: timedelta = timedelta(0)

    def rule(self, instrument: str) -> QuestionnaireScheduleRule | None:
        return next((r for r in self.rules if r.instrument == instrument), None)

    def with_overrides(
        self, overrides: Mapping[str, Any], grace_hours: int | None = None
    ) -> QuestionnaireSchedule:
        """The schedule with a clinic's overrides; ValidationError naming the bad path.

        `overrides` is {instrument: null | {field: value}}: null takes the instrument off
        the schedule; the fields given (every_days, indications, at_intake,
        after_suicidality_flag) replace the default rule's, the others are kept.
        """
        if not isinstance(overrides, Mapping):
            raise ValidationError({"instruments": "Give an object {instrument: rule or null}."})
        rules = {r.instrument: r for r in self.rules}
        for code, given in overrides.items():
            path = f"instruments.{code}"
            if code not in instruments.CODES:
                raise ValidationError(
                    {path: f"Unknown instrument; known ones are {', '.join(instruments.CODES)}."}
                )
            if given is None:
                rules.pop(code, None)
                continue
            base = rules.get(code) or QuestionnaireScheduleRule(instrument=code)
            rules[code] = replace(base, **_rule_fields(path, given))
        grace = self.grace
        if grace_hours is not None:
            if type(grace_hours) is not int or not 0 <= grace_hours <= MAX_GRACE_HOURS:
                raise ValidationError(
                    {"grace_hours": f"A whole number of hours 0-{MAX_GRACE_HOURS}."}
                )
            grace = timedelta(hours=grace_hours)
        return QuestionnaireSchedule(rules=tuple(rules.values()), grace=grace)


def _rule_fields(path: str, given: object) -> dict[str, Any]:
    if not isinstance(given, Mapping):
        raise ValidationError({path: "Give null (off) or an object of rule fields."})
    unknown = sorted(set(given) - set(RULE_FIELDS))
    if unknown:
        raise ValidationError(
            {f"{path}.{unknown[0]}": f"Unknown field; the fields are {', '.join(RULE_FIELDS)}."}
        )
    fields: dict[str, Any] = {}
    if "every_days" in given:
        fields["every_days"] = _every_days(f"{path}.every_days", given["every_days"])
    if "indications" in given:
        fields["indications"] = _indications(f"{path}.indications", given["indications"])
    for flag in ("at_intake", "after_suicidality_flag"):
        if flag in given:
            if not isinstance(given[flag], bool):
                raise ValidationError({f"{path}.{flag}": "true or false."})
            fields[flag] = given[flag]
    return fields


def _every_days(path: str, given: object) -> dict[Phase, int]:
    if not isinstance(given, Mapping):
        raise ValidationError({path: "Give an object {phase: days}."})
    allowed = sorted(p.value for p in OPEN_PHASES)
    every: dict[Phase, int] = {}
    for phase, days in given.items():
        if phase not in allowed:
            raise ValidationError(
                {f"{path}.{phase}": f"Not a phase that takes questionnaires: {', '.join(allowed)}."}
            )
        if type(days) is not int or not 1 <= days <= MAX_EVERY_DAYS:
            raise ValidationError(
                {f"{path}.{phase}": f"A whole number of days 1-{MAX_EVERY_DAYS}."}
            )
        every[Phase(phase)] = days
    return every


def _indications(path: str, given: object) -> frozenset[str]:
    if not isinstance(given, list) or any(i not in Indication.values for i in given):
        raise ValidationError(
            {path: f"A list of indications ({', '.join(Indication.values)}); empty means all."}
        )
    return frozenset(given)


# The treatment journey issue's defaults (not CLINICAL.md numbers; see the module docstring).
DEFAULT_SCHEDULE = QuestionnaireSchedule(
    rules=(
        QuestionnaireScheduleRule("phq9", every_days={Phase.INDUCTION: 7, Phase.MAINTENANCE: 14}),
        QuestionnaireScheduleRule("gad7", every_days={Phase.INDUCTION: 14, Phase.MAINTENANCE: 14}),
        QuestionnaireScheduleRule(
            "pcl5",
            every_days={Phase.INDUCTION: 28, Phase.MAINTENANCE: 28},
            indications=frozenset({Indication.PTSD.value}),
        ),
        # CLINICAL.md G3, A8: the C-SSRS "since last contact" at least every 2 weeks on
        # treatment, besides intake and after any flag (clinic's choice).
        QuestionnaireScheduleRule(
            "cssrs_screen",
            every_days={Phase.INDUCTION: 14, Phase.MAINTENANCE: 14},
            at_intake=True,
            after_suicidality_flag=True,
        ),
        # CLINICAL.md G10: bladder symptoms monthly on treatment.
        QuestionnaireScheduleRule(
            "bladder", every_days={Phase.INDUCTION: 30, Phase.MAINTENANCE: 30}
        ),
        # A periodic misuse check, DAST-10 every 3 months on treatment (A10; clinic's choice).
        QuestionnaireScheduleRule(
            "dast10", every_days={Phase.INDUCTION: 90, Phase.MAINTENANCE: 90}
        ),
    ),
    # The issue gives no grace period: overdue from the due time on (ours; a clinic sets it).
    grace=timedelta(0),
)


@dataclass(frozen=True)
class DueItem:
    instrument: str
    due_at: datetime  # aware UTC
    overdue: bool
    reason: str = ""  # why it is due, in words for the patient and the care team


@dataclass(frozen=True)
class ScheduleFacts:
    """What the schedule needs to know about one patient (all times aware)."""

    phase: Phase
    indication: str
    zone: ZoneInfo
    phase_started_at: datetime
    intake_started_at: datetime | None  # the first time the patient entered intake
    last_at: Mapping[str, datetime]  # the last response per instrument
    suicidality_flags: tuple[tuple[str, datetime], ...] = ()  # (instrument, recorded_at)


def days_later(at: datetime, days: int, zone: ZoneInfo) -> datetime:
    """`at` moved `days` days on the patient's wall clock, as a UTC instant.

    The same convention as clinical.dosing's schedules (RFC 5545 3.3.5, PEP 495
    fold=0): a wall time the clocks skip reads with the offset before the change
    (02:30 becomes 03:30), a repeated one is its first occurrence.
    """
    wall = at.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _first_flag_after(
    flags: Iterable[tuple[str, datetime]], instrument: str, after: datetime | None
) -> datetime | None:
    times = [at for code, at in flags if code != instrument and (after is None or at > after)]
    return min(times, default=None)


def _candidates(
    rule: QuestionnaireScheduleRule, facts: ScheduleFacts
) -> list[tuple[datetime, str]]:
    last = facts.last_at.get(rule.instrument)
    found: list[tuple[datetime, str]] = []
    every = rule.every_days.get(facts.phase)
    if every is not None:
        due = facts.phase_started_at
        if last is not None:
            due = max(days_later(last, every, facts.zone), facts.phase_started_at)
        found.append((due, f"every {every} days in {facts.phase.words}"))
    if rule.at_intake and facts.phase in INTAKE_PHASES:
        start = facts.intake_started_at or facts.phase_started_at
        if last is None or last < start:
            found.append((start, "at intake"))
    if rule.after_suicidality_flag and facts.phase in OPEN_PHASES:
        flagged = _first_flag_after(facts.suicidality_flags, rule.instrument, last)
        if flagged is not None:
            found.append((flagged, "after a suicidality flag"))
    return found


def schedule_items(
    schedule: QuestionnaireSchedule, facts: ScheduleFacts, *, at: datetime
) -> list[DueItem]:
    """Each scheduled instrument's next due time (past or future), earliest first."""
    if facts.phase not in OPEN_PHASES:
        return []
    items = []
    for rule in schedule.rules:
        if rule.indications and facts.indication not in rule.indications:
            continue
        found = _candidates(rule, facts)
        if found:
            due_at, reason = min(found)
            due_at = due_at.astimezone(UTC)
            items.append(DueItem(rule.instrument, due_at, at > due_at + schedule.grace, reason))
    return sorted(items, key=lambda i: (i.due_at, i.instrument))
