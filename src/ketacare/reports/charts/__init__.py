"""Questionnaire scores and blood pressure over time, as small inline SVGs with a data table.

Drawn with the shared primitives of `ketacare.reports.svg`: these charts are a few points
and lines, render in well under a millisecond, and scale to a 360 px phone through their
viewBox. Every chart says what it shows in words (<title>, <desc>) and comes with the
same data as a table; lines differ by dash pattern and carry a text label, so nothing
depends on colour.

The medicine is not here: the baseline, response, remission and meaningful change come
from `ketacare.clinical.outcomes`, the blood-pressure limits from the patient's plan
(`ketacare.treatment.plans.plan_safety_rules`) or else `ketacare.clinical.vitals`.

    charts = score_charts(patient)          # PHQ-9, GAD-7, PCL-5: two queries in all
    chart = vitals_chart(patient)           # None before the first session

One module a chart: `scores` (score_progress, score_charts), `vitals` (vitals_chart);
`common` holds what both draw (the frame, the day axis, the reference lines).
"""

from ketacare.reports.charts.common import Chart, Ref, day_positions, frame, layout, references
from ketacare.reports.charts.scores import (
    DEFAULT_INSTRUMENTS,
    ScoreProgress,
    score_charts,
    score_progress,
    short_name,
)
from ketacare.reports.charts.vitals import vitals_chart
from ketacare.reports.svg import text_box

# The names this module had when it was one file: the layout tests use them.
_Frame = frame
_Layout = layout
_Ref = Ref
_day_positions = day_positions
_references = references
_text_box = text_box

__all__ = [
    "DEFAULT_INSTRUMENTS",
    "Chart",
    "ScoreProgress",
    "score_charts",
    "score_progress",
    "short_name",
    "vitals_chart",
]
