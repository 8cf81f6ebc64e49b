"""Questionnaire scores over time: a chart per instrument, its course and a summary.

The medicine is not here: the baseline, response, remission and meaningful change come
from `ketacare.clinical.outcomes`; this module draws them (reports.svg) and says them in
words, for the clinician's chart and for the patient.

    progress = score_progress(patient)      # PHQ-9, GAD-7, PCL-5: two queries in all
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from ketacare.assessments.models import QuestionnaireResponse
from ketacare.assessments.queries import first_dose_taken_at
from ketacare.clinical import instruments as definitions
from ketacare.clinical import outcomes
from ketacare.patients.models import Patient
from ketacare.reports import svg
from ketacare.reports.charts.common import (
    DASH_BASELINE,
    DASH_MCID,
    DASH_REMISSION,
    DASH_RESPONSE,
    MAX_LABELLED_POINTS,
    Chart,
    Ref,
    axes,
    day,
    day_positions,
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

DEFAULT_INSTRUMENTS = ("phq9", "gad7", "pcl5")


@dataclass(frozen=True)
class ScoreProgress:
    """One instrument's chart, its course (clinical.outcomes) and a sentence for the patient."""

    chart: Chart
    trajectory: outcomes.Trajectory
    summary: str  # "Your PHQ-9 has fallen 62% since you started: that counts as a response."


def short_name(code: str) -> str:
    """The short name, "PHQ-9" of "PHQ-9 depression questionnaire"."""
    return definitions.get(code).title.split()[0]


def _response_level(code: str, baseline: int, rules: outcomes.OutcomeRules) -> int | None:
    """The highest total that is a response against this baseline (CLINICAL.md A11)."""
    if code not in rules.response_instruments or baseline <= 0:
        return None
    # outcomes.change decides; the line sits at the highest total it calls a response.
    responding = [
        total
        for total in range(baseline, -1, -1)
        if outcomes.change(code, baseline=baseline, current=total, rules=rules).response
    ]
    return responding[0] if responding else None


def _remission_words(code: str, rules: outcomes.OutcomeRules) -> tuple[float, str] | None:
    """Where the remission line goes and its label (CLINICAL.md A11), None without one."""
    definition = rules.remission.get(code)
    if definition is None:
        return None
    comparison, threshold = definition
    if comparison == "below":
        return threshold - 0.5, f"Remission: below {threshold}"
    return threshold + 0.5, f"Remission: {threshold} or less"


def _status_words(change: outcomes.Change) -> str:
    # The first that holds, most favourable first.
    for words, holds in (
        ("response and remission", change.response and change.remission),
        ("remission", change.remission),
        ("response", change.response),
        ("a clinically meaningful improvement", change.clinically_meaningful),
        ("worse than at baseline", change.worsening),
        ("not yet a response", change.response is not None),
    ):
        if holds:
            return words
    return "not yet a clinically meaningful change"


def _describe(code: str, track: outcomes.Trajectory, zone: tzinfo) -> str:
    """The chart in one or two sentences: "PHQ-9 fell from 21 at baseline to 8 on ..."."""
    name = short_name(code)
    baseline, latest = track.baseline, track.latest
    if baseline is not None and latest is not None:
        current = track.follow_ups[-1]
        moved = (
            "fell" if latest.delta < 0 else "rose" if latest.delta > 0 else "stayed the same, going"
        )
        return (
            f"{name} {moved} from {baseline.total} at baseline "
            f"({long_date(day(baseline.at, zone))}) to {current.total} on "
            f"{long_date(day(current.at, zone))}: {_status_words(latest)}."
        )
    if baseline is not None:
        return (
            f"{name} was {baseline.total} on {long_date(day(baseline.at, zone))}, "
            "before the first dose: this is the baseline that later scores are compared with."
        )
    current = track.follow_ups[-1]
    return (
        f"{name} was {current.total} on {long_date(day(current.at, zone))}; there is no "
        "score from before the first dose to compare it with."
    )


def _plain_summary(code: str, track: outcomes.Trajectory) -> str:
    """What the patient reads above the chart, in the second person."""
    name = short_name(code)
    baseline, latest = track.baseline, track.latest
    if baseline is None or latest is None:
        if baseline is not None:
            return (
                f"Your {name} before treatment is {baseline.total}: later scores will be "
                "compared with it."
            )
        return f"Your latest {name} score is {track.follow_ups[-1].total}."
    if latest.delta == 0:
        change = f"Your {name} is the same as when you started ({latest.current})"
    else:
        direction = "fallen" if latest.delta < 0 else "risen"
        amount = (
            f"{abs(latest.percent):.0f}%"
            if latest.percent is not None
            else f"{abs(latest.delta)} points"
        )
        change = f"Your {name} has {direction} {amount} since you started"
    if latest.response and latest.remission:
        verdict = "that counts as a response, and as remission"
    elif latest.remission:
        verdict = "that counts as remission"
    elif latest.response:
        verdict = "that counts as a response"
    elif latest.clinically_meaningful:
        verdict = "that is a meaningful improvement"
    elif latest.worsening:
        verdict = "your care team will look at this with you"
    else:
        return change + "."
    return f"{change}: {verdict}."


def _change_words(change: outcomes.Change | None, is_baseline: bool) -> str:
    if is_baseline:
        return "Baseline (before the first dose)"
    if change is None:
        return "Before the first dose"
    sign = "+" if change.delta > 0 else ""
    percent = "" if change.percent is None else f" ({sign}{change.percent:g}%)"
    notes = [
        word
        for word, holds in (
            ("Response", change.response),
            ("Remission", change.remission),
            ("Meaningful improvement", change.clinically_meaningful and not change.response),
            ("Worse", change.worsening),
        )
        if holds
    ]
    return f"{sign}{change.delta}{percent}" + (f": {', '.join(notes)}" if notes else "")


def _band_words(band: str) -> str:
    return band.replace("_", " ").capitalize()


def _score_refs(code: str, track: outcomes.Trajectory, rules: outcomes.OutcomeRules) -> list[Ref]:
    """The baseline and the lines it sets: response (or meaningful change) and remission."""
    baseline = track.baseline
    if baseline is None:
        return []
    refs = [Ref(baseline.total, f"Baseline {baseline.total}", DASH_BASELINE, "baseline")]
    level = _response_level(code, baseline.total, rules)
    if level is not None:
        refs.append(Ref(level + 0.5, f"Response: {level} or less", DASH_RESPONSE, "response"))
    mcid = rules.mcid.get(code)
    if level is None and mcid is not None and baseline.total - mcid >= 0:
        # CLINICAL.md A4: PCL-5 change is judged in points, not by a percentage.
        meaningful = baseline.total - mcid
        refs.append(Ref(meaningful, f"Meaningful change: {meaningful} or less", DASH_MCID, "mcid"))
    remission = _remission_words(code, rules)
    if remission is not None:
        refs.append(Ref(*remission, DASH_REMISSION, "remission"))
    return refs


def _score_drawing(
    code: str, positions: Sequence[float], totals: Sequence[int], refs: Sequence[Ref], days: int
) -> tuple[svg.Plot, list[str]]:
    """The plot of one instrument's scores, and what is drawn on it above the axes."""
    plot = frame(0, days, 0, definitions.get(code).max_total)
    pixels = pixels_of(plot, list(zip(positions, totals, strict=True)))
    placed = layout()
    placed.add_line([(x, y) for x, y, _ in pixels])
    for x, y, _ in pixels:
        placed.add_marker(x, y)
    lines, labels = references(plot, refs, placed)
    # The reference labels first; then the values, first and last before the others.
    which = [0, len(pixels) - 1, *range(1, len(pixels) - 1)]
    values = value_labels(placed, pixels, which if len(pixels) <= MAX_LABELLED_POINTS else [])
    return plot, [lines, series(pixels, values, css="scores"), labels]


def _score_rows(
    rows: Sequence[tuple[datetime, int, str]], track: outcomes.Trajectory, zone: tzinfo
) -> tuple[tuple[str, ...], ...]:
    """The data table: each score, its band, and how it compares with the baseline."""
    baseline = track.baseline
    changes = dict(zip((o.at for o in track.follow_ups), track.changes, strict=False))
    return tuple(
        (
            short_date(day(at, zone)),
            str(total),
            _band_words(band),
            _change_words(changes.get(at), is_baseline=baseline is not None and at == baseline.at),
        )
        for at, total, band in rows
    )


def _score_chart(
    code: str,
    rows: Sequence[tuple[datetime, int, str]],
    track: outcomes.Trajectory,
    patient: Patient,
    rules: outcomes.OutcomeRules,
) -> Chart:
    zone = ZoneInfo(patient.timezone)
    name = short_name(code)
    positions, first_day, days = day_positions([at for at, _, _ in rows], zone)
    refs = _score_refs(code, track, rules)
    plot, drawn = _score_drawing(code, positions, [total for _, total, _ in rows], refs, days)
    body = "".join([axes(plot, f"{name} score", first_day, days), *drawn])
    title = f"{name} over time"
    return Chart(
        key=code,
        title=title,
        svg=picture(f"chart-{code}-{patient.pk}", title, _describe(code, track, zone), body),
        headers=("Date", "Score", "Severity", "Compared with baseline"),
        rows=_score_rows(rows, track, zone),
    )


def score_progress(
    patient: Patient,
    instruments: Sequence[str] = DEFAULT_INSTRUMENTS,
    *,
    rules: outcomes.OutcomeRules = outcomes.DEFAULT_RULES,
) -> list[ScoreProgress]:
    """Each instrument the patient has a score on: chart, course and a plain summary.

    Two queries whatever the number of instruments: the first dose, and every response.
    """
    codes = tuple(instruments)
    first_dose_at = first_dose_taken_at(patient)
    by_code: dict[str, list[tuple[datetime, int, str]]] = {code: [] for code in codes}
    found = QuestionnaireResponse.objects.filter(patient=patient, instrument__in=codes)
    for code, at, total, band in found.order_by("recorded_at", "pk").values_list(
        "instrument", "recorded_at", "total", "band"
    ):
        by_code[code].append((at, total, band))
    progress = []
    for code in codes:
        rows = by_code[code]
        if not rows:
            continue
        track = outcomes.trajectory(
            code,
            [outcomes.Observation(at=at, total=total) for at, total, _ in rows],
            first_dose_at=first_dose_at,
            rules=rules,
        )
        progress.append(
            ScoreProgress(
                chart=_score_chart(code, rows, track, patient, rules),
                trajectory=track,
                summary=_plain_summary(code, track),
            )
        )
    return progress


def score_charts(patient: Patient, instruments: Sequence[str] = DEFAULT_INSTRUMENTS) -> list[Chart]:
    """A chart for each instrument with at least one score (two queries in all)."""
    return [p.chart for p in score_progress(patient, instruments)]
