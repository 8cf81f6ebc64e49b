"""The clinic's panel: one row per patient, every column computed by the database.

Sorting and filtering run in SQL (annotations with subqueries), never in Python, so a
page of 50 costs the same few queries on a clinic of 10,000 patients: the page itself,
its count, and one prefetch of the page's current plans.

Change from baseline follows CLINICAL.md A11 as ketacare.clinical.outcomes reads it: the
baseline is the last PHQ-9 before the first dose (with no dose yet, the latest score,
so there is no change to show), and the change compares the latest score with it. The
response and remission badges of a row come from `outcomes.change`; the response filter
builds its SQL from the same `OutcomeRules` values (a test holds the two to agreement).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest

from ketacare.alerts.models import SEVERITY_RANK, Alert, AlertSeverity
from ketacare.alerts.queries import UNRESOLVED
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.clinical import outcomes
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment.models import DosingSession, TreatmentPlan
from ketacare.treatment.queries import next_session

PHQ9 = "phq9"
# Most pressing first: the order of the severity columns.
SEVERITIES_DOWN = tuple(reversed(AlertSeverity))


class ResponseStatus(enum.StrEnum):
    """What the panel's response filter offers (CLINICAL.md A11 via OutcomeRules)."""

    REMISSION = "remission"
    RESPONSE = "response"
    NO_RESPONSE = "no_response"
    NOT_APPLICABLE = "not_applicable"  # G9: a baseline below clinical significance
    NO_FOLLOW_UP = "no_follow_up"

    @property
    def label(self) -> str:
        return {
            "remission": "In remission",
            "response": "Response (remission or not)",
            "no_response": "No response yet",
            "not_applicable": "Baseline not clinically significant: not judged",
            "no_follow_up": "No PHQ-9 since the first dose",
        }[self.value]


# The sort keys of the panel: each one a database ordering (ascending; "-key" reverses).
SORT_LABELS: Mapping[str, str] = {
    "name": "Name",
    "phase": "Phase",
    "phq9": "Last PHQ-9",
    "change": "Change from baseline",
    "alerts": "Open alerts",
    "activity": "Last activity",
}
DEFAULT_SORT = "name"


def _phase_rank() -> Case:
    # The journey's order (screening ... discharged), not the alphabet.
    return Case(
        *(When(phase=p.value, then=Value(i)) for i, p in enumerate(Phase)),
        output_field=IntegerField(),
    )


def _severity_rank(prefix: str = "") -> Case:
    return Case(
        *(When(**{f"{prefix}severity": s}, then=Value(r)) for s, r in SEVERITY_RANK.items()),
        output_field=IntegerField(),
    )


def _unresolved_alerts() -> QuerySet[Alert]:
    return Alert.objects.filter(patient=OuterRef("pk"), status__in=UNRESOLVED)


def _count(queryset: QuerySet[Any]) -> Coalesce:
    counted = queryset.order_by().values("patient").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _phq9() -> QuerySet[QuestionnaireResponse]:
    return QuestionnaireResponse.objects.filter(patient=OuterRef("pk"), instrument=PHQ9)


def annotated(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """`patients` with every column of the panel (and the sort keys) as annotations."""
    latest = _phq9().order_by("-recorded_at", "-pk")
    baseline = _phq9().filter(recorded_at__lt=OuterRef("first_dose_at"))
    patients = patients.annotate(
        phase_rank=_phase_rank(),
        phq9_total=Subquery(latest.values("total")[:1]),
        phq9_at=Subquery(latest.values("recorded_at")[:1]),
        phq9_baseline=Subquery(baseline.order_by("-recorded_at", "-pk").values("total")[:1]),
    )
    patients = patients.annotate(
        **_change_columns(),
        **_alert_columns(),
        last_activity=_last_activity(latest),
        last_dose_at=Subquery(
            DosingSession.objects.filter(patient=OuterRef("pk"), taken_at__isnull=False)
            .order_by("-taken_at")
            .values("taken_at")[:1]
        ),
    )
    current = TreatmentPlan.objects.filter(is_current=True)
    return patients.prefetch_related(Prefetch("treatment_plans", current, to_attr="current"))


def _change_columns() -> dict[str, Case]:
    """The PHQ-9 change from baseline, in points and in percent (of the annotations above)."""
    # A change exists once a PHQ-9 was taken on treatment (at or after the first dose).
    follow_up = Q(phq9_at__gte=F("first_dose_at"), phq9_baseline__isnull=False)
    return {
        "phq9_change": Case(
            When(follow_up, then=F("phq9_total") - F("phq9_baseline")),
            output_field=IntegerField(),
        ),
        "phq9_change_pct": Case(
            When(
                follow_up & Q(phq9_baseline__gt=0),
                then=ExpressionWrapper(
                    Cast(F("phq9_total") - F("phq9_baseline"), FloatField())
                    * Value(100.0)
                    / Cast(F("phq9_baseline"), FloatField()),
                    output_field=FloatField(),
                ),
            ),
            output_field=FloatField(),
        ),
    }


def _alert_columns() -> dict[str, Coalesce | Subquery]:
    """The unresolved alerts: a count per severity, the most pressing, and the total."""
    return {
        **{
            f"open_{s.value}": _count(_unresolved_alerts().filter(severity=s))
            for s in AlertSeverity
        },
        "open_rank": Subquery(
            _unresolved_alerts()
            .annotate(rank=_severity_rank())
            .order_by("-rank")
            .values("rank")[:1],
            output_field=IntegerField(),
        ),
        "open_total": _count(_unresolved_alerts()),
    }


def _last_activity(latest: QuerySet[QuestionnaireResponse]) -> Greatest:
    """The latest of the record's change, the last session and the last PHQ-9."""
    last_session = DosingSession.objects.filter(patient=OuterRef("pk")).order_by("-started_at")
    return Greatest(
        F("updated_at"),
        Coalesce(Subquery(last_session.values("started_at")[:1]), F("updated_at")),
        Coalesce(Subquery(latest.values("recorded_at")[:1]), F("updated_at")),
        output_field=DateTimeField(),
    )


def ordering(sort: str) -> list[Any]:
    """The ORDER BY of a sort key ("name", "-change", ...); unknown keys sort by name."""
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    columns: dict[str, list[str]] = {
        "name": ["legal_name"],
        "phase": ["phase_rank"],
        "phq9": ["phq9_total"],
        "change": ["phq9_change"],
        "alerts": ["open_rank", "open_total"],
        "activity": ["last_activity"],
    }
    chosen = columns.get(key, columns[DEFAULT_SORT])
    # Rows without a value (no PHQ-9, no alert) go last whichever way the column sorts.
    order: list[Any] = [
        F(c).desc(nulls_last=True) if descending else F(c).asc(nulls_last=True) for c in chosen
    ]
    return [*order, "legal_name", "pk"]


def response_q(status: ResponseStatus, rules: outcomes.OutcomeRules) -> Q:
    """The SQL filter of a response status, built from `rules` (as outcomes.change reads them)."""
    # CLINICAL.md G9: response and remission apply from a clinically significant baseline.
    has_change = Q(phq9_change__isnull=False)
    judged = has_change & Q(phq9_baseline__gte=rules.least_significant(PHQ9))
    # outcomes._responded: baseline > 0 and (baseline - current) * 100 >= percent * baseline.
    responded = Q(phq9_baseline__gt=0) & Q(
        phq9_reduction_x100__gte=F("phq9_baseline") * Value(rules.response_reduction_percent)
    )
    comparison, threshold = rules.remission[PHQ9]
    remitted = (
        Q(phq9_total__lt=threshold) if comparison == "below" else Q(phq9_total__lte=threshold)
    )
    return {
        ResponseStatus.REMISSION: judged & remitted,
        ResponseStatus.RESPONSE: judged & responded,
        ResponseStatus.NO_RESPONSE: judged & ~responded,
        ResponseStatus.NOT_APPLICABLE: has_change & ~judged,
        ResponseStatus.NO_FOLLOW_UP: ~has_change,
    }[status]


def with_response_terms(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """The annotation `response_q` needs (the reduction from baseline, times 100)."""
    return patients.annotate(
        phq9_reduction_x100=ExpressionWrapper(
            (F("phq9_baseline") - F("phq9_total")) * Value(100), output_field=IntegerField()
        )
    )


@dataclass(frozen=True)
class Filters:
    phase: str = ""
    q: str = ""
    has_alerts: bool = False
    severity: str = ""
    response: str = ""


_RECORD_NUMBER = re.compile(r"^(?:KC-?)?0*(\d{1,9})$", re.IGNORECASE)


def _search(q: str) -> Q:
    """A name, or a record number ("KC-000123", "123") as the panel shows it."""
    number = _RECORD_NUMBER.match(q.strip())
    by_name = Q(legal_name__icontains=q)
    return by_name | Q(pk=int(number.group(1))) if number else by_name


def filtered(
    patients: QuerySet[Patient], filters: Filters, rules: outcomes.OutcomeRules
) -> QuerySet[Patient]:
    if filters.phase:
        patients = patients.filter(phase=filters.phase)
    if filters.q:
        patients = patients.filter(_search(filters.q))
    if filters.has_alerts:
        patients = patients.filter(Exists(_unresolved_alerts()))
    if filters.severity:
        patients = patients.filter(Exists(_unresolved_alerts().filter(severity=filters.severity)))
    if filters.response:
        patients = with_response_terms(patients).filter(
            response_q(ResponseStatus(filters.response), rules)
        )
    return patients


# --- One row, as the template shows it --------------------------------------------------


@dataclass(frozen=True)
class AlertCount:
    severity: AlertSeverity
    count: int


@dataclass(frozen=True)
class PanelRow:
    patient: Patient
    plan: TreatmentPlan | None
    outcome: outcomes.Change | None
    next_session_at: datetime | None
    alerts: tuple[AlertCount, ...]


def next_session_at(patient: Any, plan: TreatmentPlan | None, now: datetime) -> datetime | None:
    """The next session (treatment.queries.next_session) of an annotated patient."""
    found = next_session(patient, plan, now, last_dose_at=patient.last_dose_at)
    return None if found is None else found.at


def row(patient: Any, now: datetime, rules: outcomes.OutcomeRules) -> PanelRow:
    """A page row from an annotated patient (no query: everything was annotated)."""
    plans: list[TreatmentPlan] = patient.current
    plan = plans[0] if plans else None
    outcome = None
    if patient.phq9_change is not None:
        outcome = outcomes.change(
            PHQ9, baseline=patient.phq9_baseline, current=patient.phq9_total, rules=rules
        )
    counts = tuple(
        AlertCount(s, getattr(patient, f"open_{s.value}"))
        for s in SEVERITIES_DOWN
        if getattr(patient, f"open_{s.value}")
    )
    return PanelRow(patient, plan, outcome, next_session_at(patient, plan, now), counts)
