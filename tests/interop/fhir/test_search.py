"""Searches: patient, code, date with every prefix, paging, _include, bad parameters.

Codes with and without a system; a bad parameter is refused with its name.
"""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from ketacare.accounts.models import User
from ketacare.interop.fhir import registry, server
from ketacare.interop.fhir.outcome import FhirError
from ketacare.interop.fhir.search import parse
from ketacare.patients.models import Patient
from tests.factories import PatientFactory
from tests.interop.fhir.chart import Chart, at, chart_of, ids, valid

pytestmark = pytest.mark.django_db
BASE = "https://clinic.test/fhir"


@pytest.fixture
def chart(patient: Patient) -> Chart:
    return chart_of(patient)


def search(user: User, type_name: str, **params: str | list[str]) -> dict[str, Any]:
    query = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    return valid(server.search_type(user, type_name, query, base_url=BASE))


def observations(user: User, **params: str | list[str]) -> list[str]:
    return ids(search(user, "Observation", _count="100", **params))


def test_patient_picks_one_patient(clinician: User, chart: Chart) -> None:
    other = chart_of(PatientFactory(clinic=clinician.clinic, with_account=True))
    mine = observations(clinician, patient=str(chart.patient.pk))
    assert mine == chart.observation_ids()
    assert observations(clinician, patient=f"Patient/{other.patient.pk}") == other.observation_ids()
    both = observations(clinician, patient=f"{chart.patient.pk},{other.patient.pk}")
    assert len(both) == len(mine) * 2


def test_patient_search_of_patients(clinician: User, chart: Chart) -> None:
    PatientFactory(clinic=clinician.clinic)
    found = search(clinician, "Patient", patient=str(chart.patient.pk))
    assert ids(found) == [str(chart.patient.pk)]
    assert found["total"] == 1


@pytest.mark.parametrize(
    ("code", "which"),
    [
        ("http://loinc.org|44261-6", "phq9"),
        ("44261-6", "phq9"),
        ("70274-6", "gad7"),
        ("https://ketacare.org/fhir/CodeSystem/instrument-total|pcl5", "pcl5"),
        ("pcl5", "pcl5"),
        ("http://snomed.info/sct|44261-6", None),
        ("|44261-6", None),
    ],
)
def test_code_of_a_total(clinician: User, chart: Chart, code: str, which: str | None) -> None:
    expected = [] if which is None else [f"qr-{getattr(chart, which).pk}-total"]
    assert observations(clinician, code=code) == expected


def test_code_of_vital_signs(clinician: User, chart: Chart) -> None:
    bp = observations(clinician, code="http://loinc.org|85354-9")
    assert bp == [
        f"session-{chart.session.pk}-bp",
        f"reading-{chart.reading.pk}-bp",
        f"checkin-{chart.check_in.pk}-bp",
    ]
    assert observations(clinician, code="8867-4") == [f"session-{chart.session.pk}-hr"]
    assert observations(clinician, code="29463-7,8867-4") == [
        f"plan-{chart.plan_id}-weight",
        f"session-{chart.session.pk}-hr",
    ]


def test_code_of_conditions(clinician: User, chart: Chart) -> None:
    found = search(clinician, "Condition", code="http://snomed.info/sct|370143000")
    assert ids(found) == [f"indication-{chart.patient.pk}"]  # TRD is coded as MDD
    assert ids(search(clinician, "Condition", code="47505003")) == []


# The chart's instants: weight 2025-01-05, PHQ-9 01-10, GAD-7 02-10, PCL-5 03-01,
# C-SSRS 03-03 08:00, session 09:00 (bp, hr), reading 09:40, check-in 11:00.
WEIGHT, PHQ9, GAD7, PCL5, CSSRS, SBP, SHR, READING, CHECK_IN = range(9)
ON_MARCH_3 = [CSSRS, SBP, SHR, READING, CHECK_IN]


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2025-03-03", ON_MARCH_3),
        ("eq2025-03-03", ON_MARCH_3),
        ("ne2025-03-03", [WEIGHT, PHQ9, GAD7, PCL5]),
        ("lt2025-02", [WEIGHT, PHQ9]),
        ("eb2025-02", [WEIGHT, PHQ9]),
        ("le2025-02", [WEIGHT, PHQ9, GAD7]),
        ("gt2025-02", [PCL5, *ON_MARCH_3]),
        ("sa2025-02", [PCL5, *ON_MARCH_3]),
        ("ge2025-02", [GAD7, PCL5, *ON_MARCH_3]),
        ("2025", list(range(9))),
        ("lt2025", []),
        ("eq2025-03-03T09:40:00Z", [READING]),
        ("eq2025-03-03T04:40:00-05:00", [READING]),
        ("ge2025-03-03T09:40:00Z", [READING, CHECK_IN]),
        ("gt2025-03-03T09:40:00Z", [CHECK_IN]),
        ("le2025-03-03T09:00:00Z", [WEIGHT, PHQ9, GAD7, PCL5, CSSRS, SBP, SHR]),
        ("eq2025-03-03T09:40Z", [READING]),
    ],
)
def test_date_prefixes(clinician: User, chart: Chart, date: str, expected: list[int]) -> None:
    every = chart.observation_ids()
    assert observations(clinician, date=date) == [every[i] for i in expected]


def test_a_date_range_is_two_dates(clinician: User, chart: Chart) -> None:
    every = chart.observation_ids()
    found = observations(clinician, date=["ge2025-01-10", "lt2025-03-01"])
    assert found == [every[PHQ9], every[GAD7]]


def test_approximately_reaches_a_tenth_of_the_distance_from_now(
    clinician: User, chart: Chart
) -> None:
    every = chart.observation_ids()
    with time_machine.travel(at("2025-03-13T00:00"), tick=False):
        # 10 days from now: the reach is a day either side of 2025-03-01.
        assert observations(clinician, date="ap2025-03-01") == [every[PCL5]]
        assert observations(clinician, date="ap2025-03-02") == [every[PCL5], *every[CSSRS:]]


def test_dates_on_questionnaire_responses(clinician: User, chart: Chart) -> None:
    found = search(clinician, "QuestionnaireResponse", date="ge2025-03")
    assert ids(found) == [str(chart.pcl5.pk), str(chart.cssrs.pk)]


def test_paging_follows_next_to_the_end(clinician: User, chart: Chart) -> None:
    seen: list[str] = []
    page = search(clinician, "Observation", _count="2", patient=str(chart.patient.pk))
    pages = 1
    assert not any(link["relation"] == "previous" for link in page["link"])
    while True:
        assert page["total"] == 9
        seen += ids(page)
        links = {link["relation"]: link["url"] for link in page["link"]}
        if "next" not in links:
            break
        assert links["next"].startswith(f"{BASE}/Observation?")
        query = links["next"].split("?", 1)[1]
        params = dict(pair.split("=") for pair in query.split("&"))
        assert params["patient"] == str(chart.patient.pk)  # the search is kept
        page = search(clinician, "Observation", **params)
        pages += 1
        assert any(link["relation"] == "previous" for link in page["link"])
    assert pages == 5
    assert seen == chart.observation_ids()


def test_count_defaults_to_20_and_stops_at_100(clinician: User) -> None:
    for _ in range(3):
        PatientFactory(clinic=clinician.clinic)
    observation = registry.get("Observation")
    assert observation is not None
    assert parse(observation, {})[1].count == 20
    assert parse(observation, {"_count": ["500"]})[1].count == 100
    found = search(clinician, "Patient", _count="500")
    assert found["link"][0]["url"].endswith("_count=100&_offset=0")


def test_include_adds_each_patient_once(clinician: User, chart: Chart) -> None:
    other = chart_of(PatientFactory(clinic=clinician.clinic))
    found = search(clinician, "Observation", _include="Observation:patient", code="85354-9")
    assert len(ids(found)) == 6
    assert sorted(ids(found, "include")) == sorted([str(chart.patient.pk), str(other.patient.pk)])
    included = [e for e in found["entry"] if e["search"]["mode"] == "include"]
    assert included[0]["fullUrl"] == f"{BASE}/Patient/{chart.patient.pk}"
    assert found["total"] == 6  # matches only


@pytest.mark.parametrize(
    ("type_name", "params", "names"),
    [
        ("Observation", {"subject": ["1"]}, "subject"),
        ("Observation", {"date": ["2025-13"]}, "date"),
        ("Observation", {"date": ["xx2025"]}, "date"),
        ("Observation", {"date": ["2025-02-30"]}, "date"),
        ("Observation", {"patient": ["Group/1"]}, "patient"),
        ("Observation", {"code": ["http://loinc.org|"]}, "code"),
        ("Observation", {"_count": ["0"]}, "_count"),
        ("Observation", {"_count": ["ten"]}, "_count"),
        ("Observation", {"_offset": ["-1"]}, "_offset"),
        ("Observation", {"_include": ["Observation:subject"]}, "_include"),
        ("Observation", {"_format": ["xml"]}, "_format"),
        ("Practitioner", {"_include": ["Practitioner:patient"]}, "Practitioner has no patient"),
        ("Questionnaire", {"patient": ["1"]}, "patient"),
    ],
)
def test_a_bad_parameter_is_named(
    clinician: User, type_name: str, params: dict[str, list[str]], names: str
) -> None:
    with pytest.raises(FhirError) as refused:
        server.search_type(clinician, type_name, params, base_url=BASE)
    assert refused.value.status == 400
    assert names in refused.value.message


def test_an_unknown_type_is_a_404(clinician: User) -> None:
    with pytest.raises(FhirError) as refused:
        server.search_type(clinician, "Encounter", {}, base_url=BASE)
    assert refused.value.status == 404
    assert "Observation" in refused.value.message  # says what is served
