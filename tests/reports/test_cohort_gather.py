"""The cohort report's courses, read from the database, and the report's numbers by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditEntry
from ketacare.clinical.outcomes import Observation
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.patients.models import Patient
from ketacare.reports.cohort.gather import gather_courses
from ketacare.reports.cohort.queries import OBJECT_TYPE, CohortResult, cohort_report_for
from ketacare.reports.cohort.specs import CohortSpec
from tests.factories import PatientFactory, UserFactory
from tests.reports.cohort_helpers import RANGE, at, build_cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(clinic: Clinic, other_clinic: Clinic) -> dict[str, Patient]:
    return build_cohort(clinic, other_clinic)


def spec(**filters: object) -> CohortSpec:
    return CohortSpec.model_validate(RANGE | filters)


def test_courses_are_the_clinics_patients_first_dosed_in_the_range(
    cohort: dict[str, Patient], clinic: Clinic
) -> None:
    courses = gather_courses(Patient.objects.filter(clinic=clinic), spec())
    keys = [c.key for c in courses]
    assert keys == [str(cohort[n].pk) for n in ("responder", "dropout", "ptsd")]
    assert all(c.key.isdigit() for c in courses)  # the record's id, never a name


def test_a_course_holds_doses_plan_scores_and_adverse_events(
    cohort: dict[str, Patient], clinic: Clinic
) -> None:
    courses = {c.key: c for c in gather_courses(Patient.objects.filter(clinic=clinic), spec())}
    responder = courses[str(cohort["responder"].pk)]
    assert responder.doses == tuple(at(d) for d in (0, 3, 7, 10))
    assert (responder.indication, responder.route, responder.product) == (
        "trd",
        "sublingual",
        "troche",
    )
    assert responder.induction_sessions == 4
    assert not responder.discharged_early
    assert responder.scores["phq9"] == (
        Observation(at(-2), 20),
        Observation(at(4), 12),
        Observation(at(11), 8),
    )
    assert set(responder.scores) == {"phq9", "gad7"}
    assert responder.adverse_events == ("mild",)
    dropout = courses[str(cohort["dropout"].pk)]
    assert dropout.discharged_early
    assert len(dropout.doses) == 2
    assert dropout.adverse_events == ("moderate",)
    ptsd = courses[str(cohort["ptsd"].pk)]
    assert (ptsd.indication, ptsd.route, ptsd.product) == ("ptsd", "intranasal", "nasal_spray")
    assert ptsd.scores["pcl5"][0] == Observation(at(-1), 50)


@pytest.mark.parametrize(
    ("filters", "names"),
    [
        ({"indication": "ptsd"}, ["ptsd"]),
        ({"route": "sublingual"}, ["responder", "dropout"]),
        ({"product": "nasal_spray"}, ["ptsd"]),
        ({"indication": "mdd"}, []),
    ],
)
def test_filters_select_by_the_plan_of_the_first_dose(
    cohort: dict[str, Patient], clinic: Clinic, filters: dict[str, str], names: list[str]
) -> None:
    courses = gather_courses(Patient.objects.filter(clinic=clinic), spec(**filters))
    assert [c.key for c in courses] == [str(cohort[n].pk) for n in names]


def test_the_range_is_days_of_the_clinics_zone(clinic: Clinic, other_clinic: Clinic) -> None:
    build_cohort(clinic, other_clinic)
    # 5 January 10:00 in New York: not on the 4th, on the 5th.
    one_day = {"first_dose_from": dt.date(2026, 1, 5), "first_dose_to": dt.date(2026, 1, 5)}
    day_before = {"first_dose_from": dt.date(2026, 1, 4), "first_dose_to": dt.date(2026, 1, 4)}
    patients = Patient.objects.filter(clinic=clinic)
    assert len(gather_courses(patients, CohortSpec.model_validate(one_day))) == 3
    assert gather_courses(patients, CohortSpec.model_validate(day_before)) == []


def test_the_queries_do_not_grow_with_the_cohort(
    cohort: dict[str, Patient],
    clinic: Clinic,
    django_assert_max_num_queries: pytest.FixtureDef[object],
) -> None:
    for _ in range(5):
        PatientFactory(clinic=clinic, first_dose_at=at(1))
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        gather_courses(Patient.objects.filter(clinic=clinic), spec())


def test_the_read_needs_the_policy_row(cohort: dict[str, Patient], clinic: Clinic) -> None:
    pharmacist = UserFactory(clinic=clinic, pharmacist=True)
    with pytest.raises(NotAllowed, match="see the cohort outcome report"):
        cohort_report_for(pharmacist, spec(), via="test")
    assert not AuditEntry.objects.filter(object_type=OBJECT_TYPE).exists()


def test_staff_never_see_another_clinics_cohort(
    cohort: dict[str, Patient], clinician: User, other_clinic: Clinic
) -> None:
    with pytest.raises(NotFound):
        cohort_report_for(clinician, spec(clinic_id=other_clinic.pk), via="test")


def test_the_read_is_audited_once_with_the_ids_counted(
    cohort: dict[str, Patient], clinician: User
) -> None:
    result = cohort_report_for(clinician, spec(route="sublingual"), via="test")
    assert result.report.treated == 2
    entry = AuditEntry.objects.get(object_type=OBJECT_TYPE)
    assert entry.actor_id == clinician.pk
    assert entry.clinic_id == clinician.clinic_id
    assert entry.detail["ids"] == [cohort["responder"].pk, cohort["dropout"].pk]
    assert entry.detail["filters"] == {"route": "sublingual"}
    assert entry.patient_id is None


def _outcome(result: CohortResult, instrument: str, endpoint: str, analysis: str) -> Any:
    return next(
        o
        for o in result.report.outcomes
        if (o.instrument, o.endpoint, o.analysis) == (instrument, endpoint, analysis)
    )


def test_the_reports_numbers_by_hand(cohort: dict[str, Patient], clinician: User) -> None:
    result = cohort_report_for(clinician, spec(), via="test")
    report = result.report
    # Responder and PTSD patient took their 4 induction sessions; the dropout 2.
    assert (report.treated, report.completers, report.dropouts) == (3, 2, 1)
    assert report.discharged_early == 1
    phq9 = next(b for b in report.baselines if b.instrument == "phq9")
    assert (phq9.n, phq9.significant, phq9.stale) == (3, 3, 0)
    assert phq9.mean == pytest.approx((20 + 18 + 14) / 3)
    # After session 2 (day 4): 12/20 (-40%), 19/18, 6/14 (-57%): one response in three.
    after_2 = _outcome(result, "phq9", "session_2", "itt")
    assert (after_2.n, after_2.scored) == (3, 3)
    assert (after_2.response.count, after_2.response.n) == (1, 3)
    assert after_2.remission.count == 0
    assert after_2.worsening.count == 0  # +1 is under the MCID of 5
    assert after_2.mean_change == pytest.approx((-8 + 1 - 8) / 3)
    # After session 4 (day 11): 8/20 (-60%) and 4/14 (remission); the dropout unscored
    # counts as no response in ITT and is left out of the completers.
    itt = _outcome(result, "phq9", "session_4", "itt")
    assert (itt.response.count, itt.response.n, itt.remission.count) == (2, 3, 1)
    completer = _outcome(result, "phq9", "session_4", "completer")
    assert (completer.response.count, completer.response.n) == (2, 2)
    assert completer.mean_change == pytest.approx((-12 - 10) / 2)
    # The plans' induction is 4 sessions: its end is session 4.
    end = _outcome(result, "phq9", "end_of_induction", "itt")
    assert end.response == itt.response
    # PCL-5: no response or remission (CLINICAL.md A4), worsening by its MCID.
    pcl5 = _outcome(result, "pcl5", "session_4", "itt")
    assert pcl5.response is None
    assert pcl5.remission is None
    assert pcl5.mean_change == -30
    events = {a.severity: (a.events, a.patients) for a in report.adverse_events}
    assert events["mild"] == (1, 1)
    assert events["moderate"] == (1, 1)
    assert events["severe"] == (0, 0)
    assert result.definitions
    assert "7 days" in " ".join(result.definitions)
