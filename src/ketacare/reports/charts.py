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

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import NamedTuple
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from django.utils.safestring import SafeString, mark_safe

from ketacare.assessments.models import QuestionnaireResponse
from ketacare.assessments.services import first_dose_taken_at
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
_CHAR_WIDTH = 0.6  # of the font size: about how wide a digit or letter of system-ui is
_DAILY_TICKS, _WEEKLY_TICKS = 14, 120  # days shown: a tick a day up to 14, a week up to 120
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
    """Maps times and values into the plot area of the viewBox.

    Time runs in days from the start of the first day shown (see `_day_positions`): the
    axis is split into whole days, so two sessions of one day sit inside that day's band.
    """

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


def _day_positions(times: Sequence[datetime], zone: tzinfo) -> tuple[list[float], date, int]:
    """Where each time goes on a day axis: (positions, first day, number of days shown).

    Day k covers [k, k + 1); the n readings of one day are spread evenly inside it, in
    order, so they neither overlap nor look days apart.
    """
    days = [_day(at, zone) for at in times]
    first = min(days)
    span = (max(days) - first).days + 1
    per_day = Counter(days)
    seen: Counter[date] = Counter()
    positions = []
    for day in days:
        seen[day] += 1
        positions.append((day - first).days + seen[day] / (per_day[day] + 1))
    return positions, first, span


def _num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _text(x: float, y: float, words: str, *, anchor: str = "start", size: int = 12) -> str:
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{INK}" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
        f"{escape(words)}</text>"
    )


class _Box(NamedTuple):
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: _Box) -> bool:
        return (
            self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
        )


def _text_box(x: float, y: float, words: str, anchor: str, size: int = LABEL_SIZE) -> _Box:
    """About where a text lands (its baseline at y): wide enough for system-ui digits."""
    width = len(words) * size * _CHAR_WIDTH
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return _Box(left - 1, y - size * 0.8, left + width + 1, y + size * 0.25)


class _Layout:
    """What is drawn so far, so that a new label can go where it hides nothing.

    It knows the data lines and markers (in pixels) and the labels placed; `place`
    takes the first candidate position that touches none of them.
    """

    def __init__(self) -> None:
        self.boxes: list[_Box] = []
        self.segments: list[tuple[tuple[float, float], tuple[float, float]]] = []

    def add_line(self, pixels: Sequence[tuple[float, float]]) -> None:
        self.segments += list(itertools.pairwise(pixels))

    def add_marker(self, x: float, y: float, radius: float = 5) -> None:
        self.boxes.append(_Box(x - radius, y - radius, x + radius, y + radius))

    def _crosses_data(self, box: _Box) -> bool:
        for (ax, ay), (bx, by) in self.segments:
            steps = max(2, int(max(abs(bx - ax), abs(by - ay)) // 2))
            for i in range(steps + 1):
                px, py = ax + (bx - ax) * i / steps, ay + (by - ay) * i / steps
                if box.x0 <= px <= box.x1 and box.y0 <= py <= box.y1:
                    return True
        return False

    def is_free(self, box: _Box) -> bool:
        inside = box.x0 >= 0 and box.x1 <= WIDTH and box.y0 >= TOP - 4 and box.y1 <= HEIGHT
        return (
            inside
            and not any(box.overlaps(other) for other in self.boxes)
            and not self._crosses_data(box)
        )

    def place(
        self, words: str, candidates: Sequence[tuple[float, float, str]], *, required: bool
    ) -> str:
        """The label at the first free candidate (x, y, anchor).

        Where none is free: the first one if `required` (with its white halo), else
        nothing (the data table has the value).
        """
        for x, y, anchor in candidates:
            box = _text_box(x, y, words, anchor)
            if self.is_free(box):
                self.boxes.append(box)
                return _text(x, y, words, anchor=anchor, size=LABEL_SIZE)
        if not required:
            return ""
        x, y, anchor = candidates[0]
        self.boxes.append(_text_box(x, y, words, anchor))
        return _text(x, y, words, anchor=anchor, size=LABEL_SIZE)


class _Ref(NamedTuple):
    """A labelled horizontal reference line (a baseline, a threshold, a limit)."""

    value: float
    label: str
    dash: str
    css: str


_LABEL_HEIGHT = 12


def _references(frame: _Frame, refs: Sequence[_Ref], layout: _Layout) -> tuple[str, str]:
    """The lines across the plot, and their labels (drawn last).

    A label goes where it crosses no data line and no other label: above its line at the
    right end, else below it, else at the left end; each line and its label share the
    ref's class.
    """
    lines, labels = [], []
    right, left = WIDTH - RIGHT - 2, LEFT + 4
    for ref in sorted(refs, key=lambda r: -r.value):
        y = frame.y(ref.value)
        above, below = y - 3, y + _LABEL_HEIGHT
        lines.append(
            f'<g class="{ref.css}"><line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_num(y)}" '
            f'y2="{_num(y)}" stroke="{REFERENCE}" stroke-width="1.5" '
            f'stroke-dasharray="{ref.dash}"/></g>'
        )
        candidates = [
            (right, above, "end"),
            (right, below, "end"),
            (left, above, "start"),
            (left, below, "start"),
        ]
        labels.append(
            f'<g class="{ref.css}">' + layout.place(ref.label, candidates, required=True) + "</g>"
        )
    return "".join(lines), "".join(labels)


def _ticks(low: float, high: float, target: int = 5) -> list[int]:
    """Whole-number ticks from low to high, about `target` of them, on a round step."""
    span = max(high - low, 1)
    step = next((s for s in (1, 2, 5, 10, 20, 25, 50, 100) if span / s <= target), 100)
    first = int(low // step * step)
    return [v for v in range(first, int(high) + 1, step) if v >= low]


def _day_step(days: int) -> int:
    """Tick marks on the time axis: every day, or every week, or every four weeks."""
    if days <= _DAILY_TICKS:
        return 1
    return 7 if days <= _WEEKLY_TICKS else 28


def _axes(frame: _Frame, y_label: str, first_day: date, days: int) -> str:
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
    # A tick at the start of each day (or week): readings of one day share its band.
    step = _day_step(days)
    ticks = sorted({*range(0, days + 1, step), days})
    parts.append('<g class="day-ticks">')
    parts += [
        f'<line x1="{_num(frame.x(k))}" x2="{_num(frame.x(k))}" y1="{bottom}" '
        f'y2="{bottom + 5}" stroke="{INK}" stroke-width="1"/>'
        for k in ticks
    ]
    parts.append("</g>")
    # The first and the last day, under their bands (the table lists every reading).
    last_day = first_day + timedelta(days=days - 1)
    if days == 1:
        parts.append(
            _text(
                frame.x(0.5), bottom + 18, _short_date(first_day), anchor="middle", size=LABEL_SIZE
            )
        )
    else:
        parts.append(_text(frame.x(0), bottom + 18, _short_date(first_day), size=LABEL_SIZE))
        parts.append(
            _text(frame.x(days), bottom + 18, _short_date(last_day), anchor="end", size=LABEL_SIZE)
        )
    parts.append(_text(4, 14, y_label, size=LABEL_SIZE))
    return "".join(parts)


def _value_labels(
    layout: _Layout,
    pixels: Sequence[tuple[float, float, float]],
    which: Sequence[int],
) -> list[str]:
    """The values of the points `which` (indexes), each where it hides nothing.

    Above, below, right or left of the point; else not at all (the table has it).
    """
    return [
        layout.place(
            _num(v),
            [
                (x, y - 8, "middle"),
                (x, y + 18, "middle"),
                (x + 8, y + 4, "start"),
                (x - 8, y + 4, "end"),
            ],
            required=False,
        )
        for x, y, v in (pixels[i] for i in dict.fromkeys(which) if 0 <= i < len(pixels))
    ]


def _pixels(
    frame: _Frame, points: Sequence[tuple[float, float]]
) -> list[tuple[float, float, float]]:
    return [(frame.x(t), frame.y(v), v) for t, v in points]


def _series(
    pixels: Sequence[tuple[float, float, float]],
    labels: Sequence[str],
    *,
    css: str,
    dash: str | None = None,
    hollow: bool = False,
) -> str:
    """One line of points (already laid out) with the value labels placed for it."""
    if not pixels:
        return ""
    coords = " ".join(f"{_num(x)},{_num(y)}" for x, y, _ in pixels)
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    parts = [f'<g class="{css}">']
    if len(pixels) > 1:
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{SERIES}" '
            f'stroke-width="2.5"{dashed}/>'
        )
    fill = "#ffffff" if hollow else SERIES
    parts += [
        f'<circle cx="{_num(x)}" cy="{_num(y)}" r="4.5" fill="{fill}" stroke="{SERIES}" '
        f'stroke-width="2" data-value="{_num(v)}"/>'
        for x, y, v in pixels
    ]
    parts += labels
    parts.append("</g>")
    return "".join(parts)


def _diamonds(pixels: Sequence[tuple[float, float, float]], *, css: str) -> str:
    """Markers on their own, joined to nothing: readings of a session without a dose."""
    if not pixels:
        return ""
    size = 6
    shapes = [
        f'<path d="M{_num(x)} {_num(y - size)}L{_num(x + size)} {_num(y)}L{_num(x)} '
        f'{_num(y + size)}L{_num(x - size)} {_num(y)}Z" fill="#ffffff" stroke="{INK}" '
        f'stroke-width="2" data-value="{_num(v)}"/>'
        for x, y, v in pixels
    ]
    return f'<g class="{css}">' + "".join(shapes) + "</g>"


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
    positions, first_day, days = _day_positions([at for at, _, _ in rows], zone)
    frame = _Frame(0, days, 0, definition.max_total)
    body = [_axes(frame, f"{name} score", first_day, days)]
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
    pixels = _pixels(frame, [(t, total) for t, (_, total, _) in zip(positions, rows, strict=True)])
    layout = _Layout()
    layout.add_line([(x, y) for x, y, _ in pixels])
    for x, y, _ in pixels:
        layout.add_marker(x, y)
    lines, labels = _references(frame, refs, layout)
    # The reference labels first; then the values, first and last before the others.
    which = [0, len(pixels) - 1, *range(1, len(pixels) - 1)]
    values = _value_labels(layout, pixels, which if len(pixels) <= MAX_LABELLED_POINTS else [])
    body += [lines, _series(pixels, values, css="scores"), labels]
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


def _bp_frame(readings: Sequence[_Reading], limits: Sequence[_Ref], days: int) -> _Frame:
    values: list[float] = [
        v
        for r in readings
        for v in (r.systolic_before, r.diastolic_before, r.systolic_after, r.diastolic_after)
        if v is not None
    ]
    values += [ref.value for ref in limits]
    low = min(_BP_FLOOR, int(min(values)) // _BP_STEP * _BP_STEP)
    high = max(_BP_CEILING, (int(max(values)) // _BP_STEP + 1) * _BP_STEP)
    return _Frame(0, days, low, high)


class _BpLine(NamedTuple):
    css: str
    pixels: list[tuple[float, float, float]]
    dash: str | None
    hollow: bool


def _bp_series(
    frame: _Frame, readings: Sequence[_Reading], positions: Sequence[float], limits: Sequence[_Ref]
) -> tuple[list[str], str]:
    """The four lines, the gate-failed markers, and the reference lines' labels.

    A session whose checklist stopped the dose is no point of the lines (there was no
    dose to join it to): its pre-dose reading is a diamond on its own. Only the first
    and the last value of each line is written, and only where it hides nothing.
    """
    dosed = [(t, r) for t, r in zip(positions, readings, strict=True) if not r.gate_failed]
    stopped = [(t, r) for t, r in zip(positions, readings, strict=True) if r.gate_failed]

    def pixels(
        pairs: Sequence[tuple[float, _Reading]], field: str
    ) -> list[tuple[float, float, float]]:
        values = [(t, getattr(r, field)) for t, r in pairs]
        return _pixels(frame, [(t, v) for t, v in values if v is not None])

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
    layout = _Layout()
    for line in lines:
        layout.add_line([(x, y) for x, y, _ in line.pixels])
        for x, y, _ in line.pixels:
            layout.add_marker(x, y)
    for _, found in markers:
        for x, y, _ in found:
            layout.add_marker(x, y, radius=6)
    reference_lines, reference_labels = _references(frame, limits, layout)
    drawn = [reference_lines]
    for line in lines:
        values = _value_labels(layout, line.pixels, [0, len(line.pixels) - 1])
        drawn.append(_series(line.pixels, values, css=line.css, dash=line.dash, hollow=line.hollow))
    drawn += [_diamonds(found, css=css) for css, found in markers]
    return drawn, reference_labels


def _legend(gate_failed: bool) -> list[str]:
    words = ["Filled, solid: before the dose", "Hollow, dashed: after the dose"]
    if gate_failed:
        words.append("Diamond, not joined: checklist not passed, no dose")
    top, step = (12, 13) if gate_failed else (14, 16)
    return [
        _text(WIDTH - RIGHT, top + i * step, line, anchor="end", size=12)
        for i, line in enumerate(words)
    ]


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
    positions, first_day, days = _day_positions([r.at for r in readings], zone)
    frame = _bp_frame(readings, limits, days)
    drawn, labels = _bp_series(frame, readings, positions, limits)
    body = [
        _axes(frame, "mmHg", first_day, days),
        *drawn,
        labels,
        *_legend(any(r.gate_failed for r in readings)),
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
