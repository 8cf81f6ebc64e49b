"""The score and blood-pressure charts: what they draw, what they say, and how they query."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ketacare.accounts.models import Clinic, User
from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.reports.charts import Chart, score_charts, score_progress, vitals_chart
from ketacare.treatment import services
from ketacare.treatment.models import DosingSession
from ketacare.treatment.specs.sessions import CheckInSpec, DoseSpec
from tests.factories import PatientFactory
from tests.treatment.helpers import fill, plan_for, prescribe, ready_session

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
# The first dose: Monday 3 March 2025, 18:00 in New York (the factories' zone).
DOSE_AT = datetime(2025, 3, 3, 23, 0, tzinfo=UTC)
# PHQ-9 answers (items 1-9) for a total of 21 and of 8, item 9 always 0.
PHQ9_21 = [3, 3, 3, 3, 3, 3, 3, 0, 0]
PHQ9_8 = [1, 1, 1, 1, 1, 1, 1, 1, 0]
GAD7_12 = [2, 2, 2, 2, 2, 1, 1]
GAD7_3 = [1, 1, 1, 0, 0, 0, 0]
PCL5_40 = [2] * 20


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(DOSE_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def approved(clinic: Clinic) -> Patient:
    return PatientFactory(clinic=clinic, with_account=True, phase=Phase.APPROVED.value)


def _submit(patient: Patient, instrument: str, answers: list[int], at: datetime) -> None:
    assert patient.user is not None
    submit_questionnaire(
        patient.user, patient, questionnaire(instrument=instrument, answers=answers, recorded_at=at)
    )


def _dose(patient: Patient, prescriber: User, pharmacist: User) -> DosingSession:
    """A plan, a fill, and a dose taken at DOSE_AT with a check-in of 150/95."""
    assert patient.user is not None
    plan_for(prescriber, patient)
    fill(pharmacist, prescribe(prescriber, patient))
    session = ready_session(patient.user, patient, systolic_mmhg=122, diastolic_mmhg=78)
    session = services.record_dose_taken(patient.user, session, DoseSpec(dose_mg=100))
    with time_machine.travel(session.observation_ends_at, tick=False):
        services.record_check_in(
            patient.user,
            session,
            CheckInSpec(
                feeling="well", blood_pressure={"systolic_mmhg": 150, "diastolic_mmhg": 95}
            ),
        )
    return session


@pytest.fixture
def treated(
    approved: Patient, prescriber: User, pharmacist: User, clock: time_machine.Traveller
) -> Patient:
    """PHQ-9 21 -> 8 (response), GAD-7 12 -> 3 (response, remission), PCL-5 40 only."""
    _submit(approved, "phq9", PHQ9_21, DOSE_AT - timedelta(days=2))
    _submit(approved, "gad7", GAD7_12, DOSE_AT - timedelta(days=2))
    _submit(approved, "pcl5", PCL5_40, DOSE_AT - timedelta(days=2))
    _dose(approved, prescriber, pharmacist)
    clock.move_to(DOSE_AT + timedelta(days=14))
    _submit(approved, "phq9", PHQ9_8, DOSE_AT + timedelta(days=14))
    _submit(approved, "gad7", GAD7_3, DOSE_AT + timedelta(days=14))
    return approved


def _parse(chart: Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))  # noqa: S314 - our own markup, parsed in a test


def _by_key(charts: list[Chart]) -> dict[str, Chart]:
    return {c.key: c for c in charts}


def _group(root: ET.Element, css: str) -> ET.Element:
    found = root.find(f".//{SVG}g[@class='{css}']")
    assert found is not None, f"no {css} group"
    return found


def _texts(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{SVG}text")]


def _labels(root: ET.Element, css: str) -> list[str]:
    """The words of every group of this class (a line's label is drawn after the points)."""
    return [t for g in root.iter(f"{SVG}g") if g.attrib.get("class") == css for t in _texts(g)]


def _values(root: ET.Element, css: str) -> list[str]:
    return [c.attrib["data-value"] for c in _group(root, css).iter(f"{SVG}circle")]


# --- score charts ----------------------------------------------------------------------------


def test_a_chart_per_instrument_with_scores_in_the_order_asked(treated: Patient) -> None:
    charts = score_charts(treated)
    assert [c.key for c in charts] == ["phq9", "gad7", "pcl5"]
    assert [c.title for c in charts] == ["PHQ-9 over time", "GAD-7 over time", "PCL-5 over time"]
    assert [c.key for c in score_charts(treated, ("pcl5", "phq9"))] == ["pcl5", "phq9"]


def test_no_scores_no_chart(approved: Patient) -> None:
    assert score_charts(approved) == []


def test_the_svg_is_named_and_described_for_screen_readers(treated: Patient) -> None:
    root = _parse(_by_key(score_charts(treated))["phq9"])
    assert root.tag == f"{SVG}svg"
    assert root.attrib["role"] == "img"
    assert root.attrib["viewBox"].startswith("0 0 ")
    assert root.attrib["width"] == "100%"
    title_id, desc_id = root.attrib["aria-labelledby"].split()
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert (title.attrib["id"], desc.attrib["id"]) == (title_id, desc_id)
    assert title.text == "PHQ-9 over time"
    assert desc.text == (
        "PHQ-9 fell from 21 at baseline (1 March 2025) to 8 on 17 March 2025: response."
    )


def test_points_baseline_response_and_remission_lines(treated: Patient) -> None:
    root = _parse(_by_key(score_charts(treated))["phq9"])
    assert _values(root, "scores") == ["21", "8"]
    labels = {css: _labels(root, css) for css in ("baseline", "response", "remission")}
    # CLINICAL.md A11: response 50% of 21 -> 10 or less; remission below 5.
    assert labels == {
        "baseline": ["Baseline 21"],
        "response": ["Response: 10 or less"],
        "remission": ["Remission: below 5"],
    }
    dashes = {
        _group(root, css).find(f"{SVG}line").attrib["stroke-dasharray"]  # type: ignore[union-attr]
        for css in labels
    }
    assert len(dashes) == 3, "each reference line has its own dash pattern"


def test_gad7_has_response_and_remission_too(treated: Patient) -> None:
    chart = _by_key(score_charts(treated))["gad7"]
    root = _parse(chart)
    assert _labels(root, "response") == ["Response: 6 or less"]
    assert _labels(root, "remission") == ["Remission: below 5"]
    desc = root.find(f"{SVG}desc")
    assert desc is not None
    assert desc.text is not None
    assert desc.text.endswith("to 3 on 17 March 2025: response and remission.")


def test_pcl5_has_the_baseline_and_its_meaningful_change_only(treated: Patient) -> None:
    root = _parse(_by_key(score_charts(treated))["pcl5"])
    assert _labels(root, "baseline") == ["Baseline 40"]
    # CLINICAL.md A4: 10 points is clinically meaningful.
    assert _labels(root, "mcid") == ["Meaningful change: 30 or less"]
    assert root.find(f".//{SVG}g[@class='response']") is None
    assert root.find(f".//{SVG}g[@class='remission']") is None


def test_the_data_table_has_every_score(treated: Patient) -> None:
    chart = _by_key(score_charts(treated))["phq9"]
    assert chart.headers == ("Date", "Score", "Severity", "Compared with baseline")
    assert chart.rows == (
        ("1 Mar 2025", "21", "Severe", "Baseline (before the first dose)"),
        ("17 Mar 2025", "8", "Mild", "-13 (-61.9%): Response"),
    )


def test_dates_are_the_patients_own(approved: Patient, clock: time_machine.Traveller) -> None:
    # 02:00 UTC on 4 March is still 3 March (21:00) in New York.
    _submit(approved, "phq9", PHQ9_8, datetime(2025, 3, 4, 2, 0, tzinfo=UTC) - timedelta(days=1))
    chart = score_charts(approved)[0]
    assert chart.rows[0][0] == "2 Mar 2025"


def test_before_any_dose_the_latest_score_is_the_baseline(
    approved: Patient, clock: time_machine.Traveller
) -> None:
    _submit(approved, "phq9", PHQ9_21, DOSE_AT - timedelta(days=3))
    (progress,) = score_progress(approved, ("phq9",))
    desc = _parse(progress.chart).find(f"{SVG}desc")
    assert desc is not None
    assert desc.text == (
        "PHQ-9 was 21 on 28 February 2025, before the first dose: this is the baseline "
        "that later scores are compared with."
    )
    assert (
        progress.summary
        == "Your PHQ-9 before treatment is 21: later scores will be compared with it."
    )


def test_the_plain_summary_for_the_patient(treated: Patient) -> None:
    summaries = {p.chart.key: p.summary for p in score_progress(treated)}
    assert summaries == {
        "phq9": "Your PHQ-9 has fallen 62% since you started: that counts as a response.",
        "gad7": (
            "Your GAD-7 has fallen 75% since you started: that counts as a response, "
            "and as remission."
        ),
        "pcl5": "Your PCL-5 before treatment is 40: later scores will be compared with it.",
    }


def test_two_queries_for_all_instruments(treated: Patient, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(2):
        score_charts(treated)


def test_no_external_reference(treated: Patient) -> None:
    charts = [*score_charts(treated), vitals_chart(treated)]
    for chart in charts:
        assert chart is not None
        svg = str(chart.svg)
        assert svg.count("http") == 1
        assert 'xmlns="http://www.w3.org/2000/svg"' in svg
        assert "href" not in svg
        assert "<script" not in svg


def test_two_patients_charts_do_not_share_ids(
    approved: Patient, clinic: Clinic, clock: time_machine.Traveller
) -> None:
    other = PatientFactory(clinic=clinic, with_account=True, phase=Phase.APPROVED.value)
    for patient in (approved, other):
        _submit(patient, "phq9", PHQ9_21, DOSE_AT - timedelta(days=3))
    ids = [_parse(score_charts(p)[0]).attrib["id"] for p in (approved, other)]
    assert len(set(ids)) == 2


# --- blood pressure --------------------------------------------------------------------------


def test_no_session_no_vitals_chart(approved: Patient) -> None:
    assert vitals_chart(approved) is None


def test_vitals_before_and_after_with_the_gate_limits(treated: Patient) -> None:
    chart = vitals_chart(treated)
    assert chart is not None
    root = _parse(chart)
    assert _values(root, "systolic-before") == ["122"]
    assert _values(root, "diastolic-before") == ["78"]
    assert _values(root, "systolic-after") == ["150"]
    assert _values(root, "diastolic-after") == ["95"]
    # CLINICAL.md D via clinical.vitals: delay above 140/90, stop at 160/100.
    gate = _labels(root, "gate")
    stop = _labels(root, "stop")
    assert gate == ["Systolic delay > 140", "Diastolic delay > 90"]
    assert stop == ["Systolic stop ≥ 160", "Diastolic stop ≥ 100"]
    desc = root.find(f"{SVG}desc")
    assert desc is not None
    assert desc.text == (
        "Blood pressure before and after the dose at 1 session. Latest, 3 March 2025: "
        "122/78 mmHg before the dose, 150/95 after. Limits: a dose is delayed above "
        "140/90 mmHg and stopped at 160/100 mmHg or more."
    )
    assert chart.rows == (("3 Mar 2025", "122/78", "150/95", "Dose taken, checked in"),)


def test_vitals_use_the_plans_own_limits(
    approved: Patient, prescriber: User, clock: time_machine.Traveller
) -> None:
    assert approved.user is not None
    plan_for(prescriber, approved, pre_dose_limits={"bp_delay_gate": [135, 85]})
    ready_session(approved.user, approved, systolic_mmhg=150, diastolic_mmhg=88)
    chart = vitals_chart(approved)
    assert chart is not None
    root = _parse(chart)
    gate = _labels(root, "gate")
    assert gate == ["Systolic delay > 135", "Diastolic delay > 85"]
    assert chart.rows[0][2:] == ("Not measured", "Not taken: the checklist stopped the dose")


def test_vitals_take_three_queries(treated: Patient, django_assert_num_queries: Any) -> None:
    # The plan, the clinic's protocol (the limits drawn are the clinic's), the sessions.
    with django_assert_num_queries(3):
        vitals_chart(treated)


def test_thirty_scores_chart_in_the_same_two_queries(
    approved: Patient, clock: time_machine.Traveller, django_assert_num_queries: Any
) -> None:
    # Its speed is measured by `make bench` (benchmarks/workspace.py), not timed here: a
    # busy CI machine is not a slow chart.
    for week in range(30):
        _submit(approved, "phq9", PHQ9_8, DOSE_AT - timedelta(weeks=week))
    with django_assert_num_queries(2):
        charts = score_charts(approved)
    assert len(charts[0].rows) == 30


# --- legibility: what is joined, where the words go ------------------------------------------


@pytest.fixture
def stopped_then_dosed(
    approved: Patient, prescriber: User, pharmacist: User, clock: time_machine.Traveller
) -> Patient:
    """One evening: the checklist stops the dose at 152/96, 15 minutes later 124/78 passes."""
    assert approved.user is not None
    plan_for(prescriber, approved)
    fill(pharmacist, prescribe(prescriber, approved))
    stopped = ready_session(approved.user, approved, systolic_mmhg=152, diastolic_mmhg=96)
    assert stopped.status == "gate_failed"
    clock.shift(timedelta(minutes=15))  # the wait before a re-measure (CLINICAL.md G2)
    session = ready_session(approved.user, approved, systolic_mmhg=124, diastolic_mmhg=78)
    session = services.record_dose_taken(approved.user, session, DoseSpec(dose_mg=100))
    clock.move_to(session.observation_ends_at)
    services.record_check_in(
        approved.user,
        session,
        CheckInSpec(feeling="well", blood_pressure={"systolic_mmhg": 132, "diastolic_mmhg": 84}),
    )
    return approved


def test_a_gate_failed_reading_is_a_marker_joined_to_nothing(stopped_then_dosed: Patient) -> None:
    chart = vitals_chart(stopped_then_dosed)
    assert chart is not None
    root = _parse(chart)
    # The dosed session alone makes the lines: one point each, so no line is drawn.
    assert _values(root, "systolic-before") == ["124"]
    assert _values(root, "diastolic-before") == ["78"]
    assert _group(root, "systolic-before").find(f"{SVG}polyline") is None
    # The stopped one is a diamond of its own, and the legend says what a diamond is.
    for css, value in (("systolic-gate-failed", "152"), ("diastolic-gate-failed", "96")):
        markers = list(_group(root, css).iter(f"{SVG}path"))
        assert [m.attrib["data-value"] for m in markers] == [value]
        assert _group(root, css).find(f"{SVG}polyline") is None
    assert any("checklist not passed, no dose" in t for t in _texts(root))
    assert [row[1] for row in chart.rows] == ["152/96", "124/78"]


def test_no_gate_failed_legend_without_one(treated: Patient) -> None:
    chart = vitals_chart(treated)
    assert chart is not None
    assert not any("gate failed" in t for t in _texts(_parse(chart)))


def _text_positions(root: ET.Element) -> list[tuple[str, float, float, str]]:
    return [
        (t.text or "", float(t.attrib["x"]), float(t.attrib["y"]), t.attrib["text-anchor"])
        for t in root.iter(f"{SVG}text")
    ]


def test_two_sessions_of_one_day_one_date_and_apart(stopped_then_dosed: Patient) -> None:
    chart = vitals_chart(stopped_then_dosed)
    assert chart is not None
    root = _parse(chart)
    dates = [t for t in _text_positions(root) if t[0] == "3 Mar 2025"]
    assert len(dates) == 1
    assert dates[0][3] == "middle"
    # Ticks at the start and the end of the day; the two readings inside, apart.
    ticks = [float(line.attrib["x1"]) for line in _group(root, "day-ticks").iter(f"{SVG}line")]
    assert len(ticks) == 2
    stopped = next(_group(root, "systolic-gate-failed").iter(f"{SVG}path"))
    dosed = next(_group(root, "systolic-before").iter(f"{SVG}circle"))
    x_stopped = float(stopped.attrib["d"].split()[0].removeprefix("M"))
    x_dosed = float(dosed.attrib["cx"])
    assert ticks[0] < x_stopped < x_dosed < ticks[1]
    assert x_dosed - x_stopped > 50


def _boxes(root: ET.Element) -> list[tuple[str, tuple[float, float, float, float]]]:
    from ketacare.reports.charts import _text_box  # noqa: PLC0415 - the chart's own measure

    return [(w, tuple(_text_box(x, y, w, a))) for w, x, y, a in _text_positions(root)]


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("which", ["vitals", "phq9", "gad7"])
def test_no_two_words_overlap(
    stopped_then_dosed: Patient, treated_scores: None, which: str
) -> None:
    chart = (
        vitals_chart(stopped_then_dosed)
        if which == "vitals"
        else _by_key(score_charts(stopped_then_dosed))[which]
    )
    assert chart is not None
    root = _parse(chart)
    # The legend sits above the plot, the date under it: the rest are in the plot.
    boxes = [(w, b) for w, b in _boxes(root) if b[1] >= 40 and b[3] <= 216]
    for i, (words, box) in enumerate(boxes):
        for other, other_box in boxes[i + 1 :]:
            assert not _overlap(box, other_box), f"{words!r} overlaps {other!r}"


@pytest.fixture
def treated_scores(stopped_then_dosed: Patient, clock: time_machine.Traveller) -> None:
    _submit(stopped_then_dosed, "phq9", [3, 3, 3, 3, 3, 3, 3, 3, 0], DOSE_AT - timedelta(days=1))
    _submit(stopped_then_dosed, "gad7", GAD7_12, DOSE_AT - timedelta(days=1))
    clock.move_to(DOSE_AT + timedelta(days=7))
    _submit(stopped_then_dosed, "phq9", [1, 1, 1, 1, 1, 1, 1, 2, 0], DOSE_AT + timedelta(days=7))
    _submit(stopped_then_dosed, "gad7", [1, 1, 1, 1, 1, 1, 1], DOSE_AT + timedelta(days=7))
    clock.move_to(DOSE_AT + timedelta(days=14))
    _submit(stopped_then_dosed, "gad7", GAD7_3, DOSE_AT + timedelta(days=14))


def test_a_reference_label_moves_off_the_data_line() -> None:
    from ketacare.reports import charts  # noqa: PLC0415 - the layout is private

    frame = charts._Frame(0, 8, 0, 27)
    layout = charts._Layout()
    # A line falling through the right end of "Response: 12 or less" (as PHQ-9 24 -> 9).
    layout.add_line([(frame.x(0.5), frame.y(24)), (frame.x(7.5), frame.y(9))])
    ref = charts._Ref(12.5, "Response: 12 or less", "3 3", "response")
    _, labels = charts._references(frame, [ref], layout)
    label = ET.fromstring(f'<svg xmlns="http://www.w3.org/2000/svg">{labels}</svg>')  # noqa: S314
    text = next(label.iter(f"{SVG}text"))
    assert text.text == "Response: 12 or less"
    assert text.attrib["text-anchor"] == "start"  # at the left end, away from the line
    box = charts._text_box(float(text.attrib["x"]), float(text.attrib["y"]), text.text, "start")
    assert not layout._crosses_data(box)


def test_day_positions_keep_each_day_in_its_band() -> None:
    from ketacare.reports.charts import _day_positions  # noqa: PLC0415 - the layout is private

    zone = ZoneInfo("America/New_York")
    evening = datetime(2025, 3, 3, 23, 0, tzinfo=UTC)  # 18:00 on the 3rd in New York
    times = [evening, evening + timedelta(minutes=1), evening + timedelta(days=3)]
    positions, first, days = _day_positions(times, zone)
    assert (first.isoformat(), days) == ("2025-03-03", 4)
    # Two of the 3rd at a third and two thirds of day 0; the one of the 6th mid day 3.
    assert positions == pytest.approx([1 / 3, 2 / 3, 3.5])
