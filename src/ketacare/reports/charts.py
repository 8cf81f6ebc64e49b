"""Questionnaire scores and blood pressure over time, as small inline SVGs with a data table.

Hand-written SVG rather than matplotlib (reports/pk_chart.py): these charts are a few
points and lines, render in well under a millisecond, and scale to a 360 px phone
through their viewBox. Every chart says what it shows in words (<title>, <desc>) and
comes with the same data as a table; lines differ by dash pattern and carry a text
label, so nothing depends on colour.

The medicine is not here: the baseline, response, remission and meaningful change come
from `ketacare.clinical.outcomes`, the blood-pressure limits from the patient's plan
(`ketacare.treatment.plans.plan_safety_rules`) or else `ketacare.clinical.vitals`.

    charts = score_charts(patient)          # PHQ-9, GAD-7, PCL-5: two queries in all
    chart = vitals_chart(patient)           # None before the first session
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import NamedTuple
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from django.db.models import Min
from django.utils.safestring import SafeString, mark_safe

from ketacare.assessments.models import QuestionnaireResponse
from ketacare.clinical import instruments as definitions
from ketacare.clinical import outcomes, safety
from ketacare.patients.models import Patient
from ketacare.treatment.models import DosingSession, SessionStatus
from ketacare.treatment.plans import active_plan, plan_safety_rules

__all__ = [
    "Chart",
    "ScoreProgress",
    "score_charts",
    "score_progress",
    "short_name",
    "vitals_chart",
]

DEFAULT_INSTRUMENTS = ("phq9", "gad7", "pcl5")

# The drawing: a 360 x 250 viewBox shown at width 100%: legible on a 360 px phone (the
# text shrinks by the card's padding only) and it grows on a desktop.
WIDTH, HEIGHT = 360, 250
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 40, 34
LABEL_SIZE = 13  # px of the viewBox: about 11 px on a 360 px phone, inside a card
FONT = 'font-family="system-ui, sans-serif"'
INK = "#1a1a1a"  # 17:1 on white
SERIES = "#1f5a99"  # dark blue, 7:1 on white
REFERENCE = "#595959"  # grey, 7:1 on white
GRID = "#e0e0e0"
# Dash patterns tell the reference lines apart without colour (each also has a label).
DASH_BASELINE = "8 4"
DASH_RESPONSE = "3 3"
DASH_REMISSION = "10 3 2 3"
DASH_MCID = "2 6"
DASH_AFTER_DOSE = "6 3"
DASH_GATE = "3 3"
DASH_STOP = "10 3 2 3"
# Beyond this many points the numbers on the points would overlap: the table has them.
MAX_LABELLED_POINTS = 12
_MIN_SPAN = 1e-9
_PAD = 14  # between the axis and the first and last points


@dataclass(frozen=True)
class Chart:
    key: str  # "phq9", "gad7", "pcl5", "vitals"
    title: str  # "PHQ-9 over time"
    svg: SafeString  # inline <svg role="img"> with <title>/<desc>, no external refs
    headers: tuple[str, ...]  # the data table alternative
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ScoreProgress:
    """One instrument's chart, its course (clinical.outcomes) and a sentence for the patient."""

    chart: Chart
    trajectory: outcomes.Trajectory
    summary: str  # "Your PHQ-9 has fallen 62% since you started: that counts as a response."


def short_name(code: str) -> str:
    """The short name, "PHQ-9" of "PHQ-9 depression questionnaire"."""
    return definitions.get(code).title.split()[0]


def _day(at: datetime, zone: tzinfo) -> date:
    return at.astimezone(zone).date()


def _short_date(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- drawing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    """Maps times and values into the plot area of the viewBox."""

    t0: float
    t1: float
    y0: float
    y1: float

    def x(self, t: float) -> float:
        if self.t1 - self.t0 < _MIN_SPAN:
            return (LEFT + WIDTH - RIGHT) / 2
        inner = WIDTH - LEFT - RIGHT - 2 * _PAD
        return LEFT + _PAD + (t - self.t0) / (self.t1 - self.t0) * inner

    def y(self, value: float) -> float:
        return TOP + (self.y1 - value) / (self.y1 - self.y0) * (HEIGHT - TOP - BOTTOM)


def _num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _text(x: float, y: float, words: str, *, anchor: str = "start", size: int = 12) -> str:
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{INK}" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
        f"{escape(words)}</text>"
    )


class _Ref(NamedTuple):
    """A labelled horizontal reference line (a baseline, a threshold, a limit)."""

    value: float
    label: str
    dash: str
    css: str


_LABEL_HEIGHT = 12


def _references(frame: _Frame, refs: Sequence[_Ref]) -> tuple[str, str]:
    """The lines across the plot, and their labels at their right ends (drawn last).

    A label goes above its line, or below it where it would touch the label above;
    each line and its label share the ref's class.
    """
    lines, labels = [], []
    taken: list[float] = []  # the baselines of the labels placed so far
    for ref in sorted(refs, key=lambda r: -r.value):
        y = frame.y(ref.value)
        label_y = y - 3
        if any(abs(label_y - other) < _LABEL_HEIGHT for other in taken):
            label_y = y + _LABEL_HEIGHT
        taken.append(label_y)
        lines.append(
            f'<g class="{ref.css}"><line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_num(y)}" '
            f'y2="{_num(y)}" stroke="{REFERENCE}" stroke-width="1.5" '
            f'stroke-dasharray="{ref.dash}"/></g>'
        )
        labels.append(
            f'<g class="{ref.css}">'
            + _text(WIDTH - RIGHT - 2, label_y, ref.label, anchor="end", size=LABEL_SIZE)
            + "</g>"
        )
    return "".join(lines), "".join(labels)


def _ticks(low: float, high: float, target: int = 5) -> list[int]:
    """Whole-number ticks from low to high, about `target` of them, on a round step."""
    span = max(high - low, 1)
    step = next((s for s in (1, 2, 5, 10, 20, 25, 50, 100) if span / s <= target), 100)
    first = int(low // step * step)
    return [v for v in range(first, int(high) + 1, step) if v >= low]


def _axes(frame: _Frame, y_label: str, days: Sequence[tuple[float, date]]) -> str:
    parts = []
    for value in _ticks(frame.y0, frame.y1):
        y = frame.y(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_num(y)}" y2="{_num(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(LEFT - 5, y + 4, str(value), anchor="end", size=LABEL_SIZE))
    bottom = HEIGHT - BOTTOM
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom}" y2="{bottom}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    parts.append(
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{bottom}" stroke="{INK}" stroke-width="1"/>'
    )
    # Dates under the first and the last point (the table lists every one).
    if days:
        first, last = days[0], days[-1]
        single = len(days) == 1 or first[1] == last[1]
        parts.append(
            _text(
                frame.x(first[0]),
                bottom + 18,
                _short_date(first[1]),
                anchor="middle" if single else "start",
                size=LABEL_SIZE,
            )
        )
        if not single:
            parts.append(
                _text(
                    frame.x(last[0]),
                    bottom + 18,
                    _short_date(last[1]),
                    anchor="end",
                    size=LABEL_SIZE,
                )
            )
    parts.append(_text(4, 14, y_label, size=LABEL_SIZE))
    return "".join(parts)


def _series(  # noqa: PLR0913 - one line of points and how it is drawn
    frame: _Frame,
    points: Sequence[tuple[float, float]],
    *,
    css: str,
    dash: str | None = None,
    hollow: bool = False,
    labelled: bool = True,
) -> str:
    if not points:
        return ""
    coords = " ".join(f"{_num(frame.x(t))},{_num(frame.y(v))}" for t, v in points)
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    parts = [f'<g class="{css}">']
    if len(points) > 1:
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{SERIES}" '
            f'stroke-width="2.5"{dashed}/>'
        )
    fill = "#ffffff" if hollow else SERIES
    show_values = labelled and len(points) <= MAX_LABELLED_POINTS
    for t, v in points:
        x, y = frame.x(t), frame.y(v)
        parts.append(
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="4.5" fill="{fill}" stroke="{SERIES}" '
            f'stroke-width="2" data-value="{_num(v)}"/>'
        )
        if show_values:
            parts.append(_text(x, y - 8, _num(v), anchor="middle", size=LABEL_SIZE))
    parts.append("</g>")
    return "".join(parts)


def _svg(chart_id: str, title: str, description: str, body: str) -> SafeString:
    opening = (
        f'<svg xmlns="http://www.w3.org/2000/svg" id={quoteattr(chart_id)} class="chart" '
        f'role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" {FONT} '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )
    # Every piece of text in the picture was escaped where it was written.
    return mark_safe(opening + body + "</svg>")  # noqa: S308 - built from escaped parts


# --- score charts ----------------------------------------------------------------------------


def _first_dose_at(patient: Patient) -> datetime | None:
    # The same fact assessments.services.outcome_summary reads: the first dose taken.
    first: datetime | None = DosingSession.objects.filter(
        patient=patient, taken_at__isnull=False
    ).aggregate(first=Min("taken_at"))["first"]
    return first


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
            f"({_long_date(_day(baseline.at, zone))}) to {current.total} on "
            f"{_long_date(_day(current.at, zone))}: {_status_words(latest)}."
        )
    if baseline is not None:
        return (
            f"{name} was {baseline.total} on {_long_date(_day(baseline.at, zone))}, "
            "before the first dose: this is the baseline that later scores are compared with."
        )
    current = track.follow_ups[-1]
    return (
        f"{name} was {current.total} on {_long_date(_day(current.at, zone))}; there is no "
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


def _score_chart(
    code: str,
    rows: Sequence[tuple[datetime, int, str]],
    track: outcomes.Trajectory,
    patient: Patient,
    rules: outcomes.OutcomeRules,
) -> Chart:
    zone = ZoneInfo(patient.timezone)
    name = short_name(code)
    definition = definitions.get(code)
    times = [at.timestamp() for at, _, _ in rows]
    frame = _Frame(min(times), max(times), 0, definition.max_total)
    body = [
        _axes(
            frame,
            f"{name} score",
            [(t, _day(at, zone)) for t, (at, _, _) in zip(times, rows, strict=True)],
        )
    ]
    baseline = track.baseline
    refs: list[_Ref] = []
    if baseline is not None:
        refs.append(_Ref(baseline.total, f"Baseline {baseline.total}", DASH_BASELINE, "baseline"))
        level = _response_level(code, baseline.total, rules)
        if level is not None:
            refs.append(_Ref(level + 0.5, f"Response: {level} or less", DASH_RESPONSE, "response"))
        mcid = rules.mcid.get(code)
        if level is None and mcid is not None and baseline.total - mcid >= 0:
            # CLINICAL.md A4: PCL-5 change is judged in points, not by a percentage.
            meaningful = baseline.total - mcid
            refs.append(
                _Ref(meaningful, f"Meaningful change: {meaningful} or less", DASH_MCID, "mcid")
            )
        remission = _remission_words(code, rules)
        if remission is not None:
            refs.append(_Ref(*remission, DASH_REMISSION, "remission"))
    lines, labels = _references(frame, refs)
    body.append(lines)
    body.append(
        _series(
            frame, [(t, total) for t, (_, total, _) in zip(times, rows, strict=True)], css="scores"
        )
    )
    body.append(labels)
    changes = dict(zip((o.at for o in track.follow_ups), track.changes, strict=False))
    table_rows = tuple(
        (
            _short_date(_day(at, zone)),
            str(total),
            _band_words(band),
            _change_words(changes.get(at), is_baseline=baseline is not None and at == baseline.at),
        )
        for at, total, band in rows
    )
    title = f"{name} over time"
    return Chart(
        key=code,
        title=title,
        svg=_svg(f"chart-{code}-{patient.pk}", title, _describe(code, track, zone), "".join(body)),
        headers=("Date", "Score", "Severity", "Compared with baseline"),
        rows=table_rows,
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
    first_dose_at = _first_dose_at(patient)
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


# --- blood pressure --------------------------------------------------------------------------

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
    def before(self) -> str:
        return f"{self.systolic_before}/{self.diastolic_before}"

    @property
    def after(self) -> str | None:
        if self.systolic_after is None or self.diastolic_after is None:
            return None
        return f"{self.systolic_after}/{self.diastolic_after}"


def _limits(rules: safety.SafetyRules) -> list[_Ref]:
    """The plan's blood-pressure limits as labelled reference lines."""
    lines: list[_Ref] = []
    gate, stop = rules.bp_delay_gate, rules.bp_hard_stop
    # CLINICAL.md D: delay above 140/90 (strictly above), hard stop at 160/100 or more.
    if gate is not None:
        lines += [
            _Ref(gate.systolic_mmhg, f"Systolic delay > {gate.systolic_mmhg}", DASH_GATE, "gate"),
            _Ref(
                gate.diastolic_mmhg, f"Diastolic delay > {gate.diastolic_mmhg}", DASH_GATE, "gate"
            ),
        ]
    if stop is not None:
        lines += [
            _Ref(stop.systolic_mmhg, f"Systolic stop ≥ {stop.systolic_mmhg}", DASH_STOP, "stop"),
            _Ref(
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
        f"{_long_date(_day(last.at, zone))}: {last.before} mmHg before the dose{after}."
        + (f" Limits: {' and '.join(limits)}." if limits else "")
    )


def _bp_frame(readings: Sequence[_Reading], limits: Sequence[_Ref]) -> _Frame:
    values: list[float] = [
        v
        for r in readings
        for v in (r.systolic_before, r.diastolic_before, r.systolic_after, r.diastolic_after)
        if v is not None
    ]
    values += [ref.value for ref in limits]
    low = min(_BP_FLOOR, int(min(values)) // _BP_STEP * _BP_STEP)
    high = max(_BP_CEILING, (int(max(values)) // _BP_STEP + 1) * _BP_STEP)
    times = [r.at.timestamp() for r in readings]
    return _Frame(min(times), max(times), low, high)


def _bp_series(frame: _Frame, readings: Sequence[_Reading]) -> list[str]:
    def points(values: Sequence[int | None]) -> list[tuple[float, float]]:
        return [
            (r.at.timestamp(), v) for r, v in zip(readings, values, strict=True) if v is not None
        ]

    return [
        _series(frame, points([r.systolic_before for r in readings]), css="systolic-before"),
        _series(frame, points([r.diastolic_before for r in readings]), css="diastolic-before"),
        _series(
            frame,
            points([r.systolic_after for r in readings]),
            css="systolic-after",
            dash=DASH_AFTER_DOSE,
            hollow=True,
        ),
        _series(
            frame,
            points([r.diastolic_after for r in readings]),
            css="diastolic-after",
            dash=DASH_AFTER_DOSE,
            hollow=True,
        ),
    ]


def vitals_chart(patient: Patient) -> Chart | None:
    """Systolic and diastolic blood pressure before and after the dose at every session.

    Before the dose: solid lines, filled points; after the dose: dashed lines, hollow
    points. The plan's delay gate and hard stop (by default clinical.vitals') are
    labelled reference lines. None before the first session. Two queries: the plan and
    the sessions with their check-ins.
    """
    plan = active_plan(patient)
    rules = safety.DEFAULT_RULES if plan is None else plan_safety_rules(plan)
    readings = [
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
    if not readings:
        return None
    zone = ZoneInfo(patient.timezone)
    limits = _limits(rules)
    frame = _bp_frame(readings, limits)
    lines, labels = _references(frame, limits)
    body = [
        _axes(frame, "mmHg", [(r.at.timestamp(), _day(r.at, zone)) for r in readings]),
        lines,
        *_bp_series(frame, readings),
        labels,
        _text(WIDTH - RIGHT, 14, "Filled, solid: before the dose", anchor="end", size=12),
        _text(WIDTH - RIGHT, 30, "Hollow, dashed: after the dose", anchor="end", size=12),
    ]
    title = "Blood pressure at each session"
    rows = tuple(
        (
            _short_date(_day(r.at, zone)),
            r.before,
            r.after or "Not measured",
            _SESSION_WORDS.get(r.status, r.status),
        )
        for r in readings
    )
    return Chart(
        key="vitals",
        title=title,
        svg=_svg(
            f"chart-vitals-{patient.pk}",
            title,
            _bp_description(readings, zone, rules),
            "".join(body),
        ),
        headers=("Date", "Before the dose (mmHg)", "After the dose (mmHg)", "Session"),
        rows=rows,
    )
