"""The end-of-induction review card of the chart: the outcome summary and the decision.

What is due, and every refusal, are the service's (treatment.reviews): this module reads
where the review stands, draws the PHQ-9 summary in words, and holds the form.
"""

from __future__ import annotations

from typing import Any

from django import forms

from ketacare.accounts.models import User
from ketacare.clinical import outcomes
from ketacare.kernel import policy
from ketacare.patients.models import Patient
from ketacare.treatment.models import Benefit, ReviewDecision
from ketacare.treatment.reviews import dispensing_held_because, phq9_course, review_state

NOTE_MAX = 4000


class InductionReviewForm(forms.Form):
    """Whether treatment helped, and what follows (treatment.reviews.record_induction_review)."""

    benefit = forms.ChoiceField(
        label="Did treatment help?", choices=Benefit.choices, widget=forms.RadioSelect
    )
    decision = forms.ChoiceField(
        label="What follows", choices=ReviewDecision.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="Note (required to change the dose or stop)",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _judged(value: bool | None, words: str, course: outcomes.Trajectory) -> str:
    latest = course.latest
    if latest is not None and not latest.baseline_significant:
        return "not judged: baseline not clinically significant"
    if value is None:
        return "not judged"
    return words if value else f"no {words}"


def summary_lines(course: outcomes.Trajectory | None) -> list[tuple[str, str]]:
    """The PHQ-9 outcome summary as (what, value) rows, in the clinic's words."""
    if course is None or course.baseline is None:
        return [("PHQ-9", "no baseline score: response cannot be judged")]
    rows = [("Baseline", f"{course.baseline.total}")]
    if course.baseline_stale:
        rows.append(("Baseline", "stale: taken too long before the first dose (re-score)"))
    latest = course.latest
    if latest is None:
        return [*rows, ("Latest", "no score on treatment yet")]
    percent = "" if latest.percent is None else f" ({latest.percent:+.0f}%)"
    rows += [
        ("Latest", f"{latest.current}"),
        ("Change", f"{latest.delta:+d} points{percent}"),
        ("Response", _judged(latest.response, "response", course)),
        ("Remission", _judged(latest.remission, "remission", course)),
    ]
    if course.relapsed_at is not None:
        rows.append(("Relapse", f"response lost on {course.relapsed_at:%Y-%m-%d}"))
    return rows


def review_context(
    user: User, patient: Patient, bound: InductionReviewForm | None = None
) -> dict[str, Any]:
    """The card's context: shown when the review is due or recorded (or was just refused)."""
    state = review_state(patient)
    shown = state.due is not None or state.review is not None or bound is not None
    form = None
    if shown and state.review is None and policy.may(user, "record_induction_review"):
        form = bound or InductionReviewForm(auto_id="id_review_%s")
    return {
        "review_state": state if shown else None,
        "review_summary": summary_lines(phq9_course(patient)) if shown else [],
        "review_held": dispensing_held_because(patient) if shown else None,
        "review_form": form,
    }
