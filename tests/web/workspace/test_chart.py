"""The patient chart: header, timeline, charts, consent, who viewed it.

Every kind of record on the timeline; bounded queries; 404 for another clinic's patient,
403 for non-staff.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketacare.accounts.models import User
from ketacare.alerts import services as alert_services
from ketacare.alerts.models import Alert, AlertCause, AlertStatus
from ketacare.alerts.specs import AcknowledgeSpec
from ketacare.assessments import services as assessments
from ketacare.assessments.specs import questionnaire
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.intake import services as intake_services
from ketacare.intake import specs as intake_specs
from ketacare.intake.specs import ReviewSpec
from ketacare.kernel.specs import read
from ketacare.patients.models import Patient, PhaseChange
from ketacare.treatment import services
from ketacare.treatment.models import DosingSession
from ketacare.web.workspace.timeline import Kind, timeline
from tests.factories import (
    ConsentDocumentFactory,
    ConsentFactory,
    NoteFactory,
    SitterFactory,
)
from tests.intake.conftest import complete
from tests.reports.session_record_helpers import after_the_dose
from tests.treatment.helpers import NOW, clearance, ready_session
from tests.web.workspace.conftest import alert, first_dose, make_patient


def url(patient: Patient) -> str:
    return reverse("ws-chart", kwargs={"patient_id": patient.pk})


@pytest.fixture
def journey(clinic, clinician: User, prescriber: User, pharmacist: User) -> Patient:
    """A patient with one of everything the chart shows.

    Intake, review, plan, prescription, dispense, a dosed session with a high reading
    after the dose, its check-in and the sitter's release, an adverse event, a clearance
    of a hold on dosing, a PHQ-9 with a suicidality answer (an alert, acknowledged).
    """
    patient = make_patient(clinic, "Jo Journey", with_account=True)
    sid = SitterFactory(clinic=clinic, patients=[patient], name="Sid Sitter")
    with time_machine.travel(NOW - timedelta(days=10), tick=False):
        ConsentFactory(patient=patient, document=ConsentDocumentFactory(clinic=clinic))
        draft = intake_services.start_intake(patient.user, patient)
        intake_services.save_intake_draft(patient.user, draft, intake_specs.draft(complete()))
        intake = intake_services.submit_intake(patient.user, draft)
    with time_machine.travel(NOW - timedelta(days=9), tick=False):
        intake_services.review_intake(
            clinician, intake, read(ReviewSpec, {"decision": "approve", "justification": ""})
        )
    patient.refresh_from_db()
    dosed_at = NOW - timedelta(days=2)
    session = first_dose(prescriber, pharmacist, patient, dosed_at)
    assert sid.user is not None
    after_the_dose(patient, sid.user, session, dosed_at)
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        services.clear_for_dosing(
            clinician, patient, clearance(hold="blood_pressure", note="Reviewed the home readings.")
        )
    assessments.submit_questionnaire(
        patient.user, patient, questionnaire(instrument="phq9", answers=[1, 1, 1, 1, 1, 1, 1, 1, 1])
    )
    suicidality = Alert.objects.get(patient=patient, cause=AlertCause.SUICIDALITY)
    alert_services.acknowledge_alert(
        clinician, suicidality, AcknowledgeSpec(note="Called, safe, plan agreed")
    )
    NoteFactory(
        patient=patient, author=clinician, kind="session_follow_up", session=session, signed=True
    )
    return patient


def test_the_chart_shows_the_header(alice_client: Client, journey: Patient):
    response = alice_client.get(url(journey))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Jo Journey</h1>" in html
    assert "Age</dt><dd>39" in html  # born 1985-06-15, on 2025-03-03
    assert "Treatment-resistant depression" in html
    assert "72.5 kg" in html  # the weight of the intake, copied on review
    assert "Sid Sitter" in html
    assert 'Sam Contact, <span class="nowrap">+1 555 765 4321</span>' in html
    assert "Sublingual (Troche)" in html
    assert "100 mg (" in html
    # The open (acknowledged, not resolved) suicidality alert, with the way to the inbox.
    suicidality = Alert.objects.get(patient=journey, cause=AlertCause.SUICIDALITY)
    assert f'{suicidality.title} <span class="muted">(acknowledged' in html
    assert f"{reverse('ws-alerts')}?patient={journey.pk}" in html
    assert "version 1: signed" in html


def test_the_timeline_has_every_kind_of_event(alice_client: Client, journey: Patient):
    response = alice_client.get(url(journey))
    kinds = {e.kind for e in response.context["entries"]}
    assert kinds == set(Kind)
    html = response.content.decode()
    assert "Intake submitted" in html
    assert "Eligibility review: Approve" in html
    assert "Under review to Approved" in html
    assert "Plan version 1" in html
    assert "Prescription: " in html
    assert "Dispensed 8 tablets (fill 1)" in html
    assert "Pre-dose gate passed: blood pressure 120/80 mmHg" in html
    assert "Dose taken: 100 mg" in html
    assert "Sid Sitter confirmed at" in html
    assert "C-SSRS screen since the last contact: none" in html
    # The readings after the dose, the high one marked; the sitter's release; a clearance.
    assert re.search(
        r'<li class="flag"><strong>High: Blood pressure after the dose at [\d: -]+: '
        r"150/95 mmHg\. Blood pressure after the dose 150/95 mmHg",
        html,
    )
    assert re.search(r"Observation ended at [\d: -]+: Sid Sitter confirmed alert and stable", html)
    assert "(own sign-in)" in html
    assert "Cleared for dosing: blood pressure hold" in html
    assert "Note: Reviewed the home readings." in html
    assert "Blood pressure after the dose: 131/84 mmHg" in html
    assert re.search(r"Checked in at \d{4}-\d\d-\d\d \d\d:\d\d: feeling okay", html)
    assert "CADSS-6: 3 of 24" in html
    assert "Side effects: Feeling sick (nausea)" in html
    assert "Felt faint for a minute" in html
    assert "PHQ-9" in html
    assert "Score 9 of 27" in html
    assert "(acknowledged)" in html
    assert "Note: Called, safe, plan agreed" in html
    assert "Dispensed: +8" in html
    assert "Taken: -2" in html
    assert "Balance after: 6.0" in html


def test_the_timeline_is_newest_first(journey: Patient):
    times = [e.at for e in timeline(journey)]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize("kind", list(Kind))
def test_the_timeline_filters_by_kind(alice_client: Client, journey: Patient, kind: Kind):
    response = alice_client.get(url(journey), {"kind": kind.value})
    entries = response.context["entries"]
    assert entries
    assert {e.kind for e in entries} == {kind}


def test_an_unknown_kind_shows_everything(alice_client: Client, journey: Patient):
    response = alice_client.get(url(journey), {"kind": "gossip"})
    assert {e.kind for e in response.context["entries"]} == set(Kind)


def test_score_and_vitals_charts_with_their_tables(alice_client: Client, journey: Patient):
    response = alice_client.get(url(journey))
    assert [c.key for c in response.context["charts"]][:1] == ["phq9"]
    assert response.context["vitals"] is not None
    html = response.content.decode()
    assert "<svg" in html
    assert "PHQ-9 over time: the data as a table" in html
    assert "<summary>" in html


def test_the_read_is_audited_and_who_viewed_is_shown(
    client: Client, journey: Patient, clinician: User, colleague: User
):
    client.force_login(colleague)
    client.get(url(journey))
    client.force_login(clinician)
    response = client.get(url(journey))
    reads = AuditEntry.objects.filter(
        patient_id=journey.pk, action=AuditAction.READ, detail__via="workspace chart"
    )
    assert [e.actor_id for e in reads.order_by("seq")] == [colleague.pk, clinician.pk]
    viewers = list(response.context["viewers"])
    assert [v.actor_label for v in viewers[:2]] == ["alice", "bob"]
    html = response.content.decode()
    assert "Who viewed this record" in html
    assert "<td>bob</td>" in html


def test_the_audit_trail_shows_the_last_50(alice_client: Client, journey: Patient):
    for _ in range(55):
        alice_client.get(url(journey), {"kind": "plan"})
    response = alice_client.get(url(journey))
    assert len(response.context["viewers"]) == 50
    # The latest 10 in sight, the 40 before them behind a disclosure: a page, not a scroll.
    assert len(response.context["recent_viewers"]) == 10
    assert len(response.context["earlier_viewers"]) == 40
    html = response.content.decode()
    shown, _, hidden = html.partition('<details class="ws-more">')
    section = shown[shown.index('id="h-viewers"') :]
    assert section.count("workspace chart</td>") == 10
    assert "<summary>Show 40 earlier reads</summary>" in hidden
    assert hidden.count("workspace chart</td>") == 40


def test_a_short_audit_trail_has_no_disclosure(alice_client: Client, journey: Patient):
    response = alice_client.get(url(journey))
    assert len(response.context["earlier_viewers"]) == 0
    assert 'class="ws-more"' not in response.content.decode()


def test_phone_numbers_and_dates_do_not_wrap(alice_client: Client, journey: Patient):
    html = alice_client.get(url(journey)).content.decode()
    assert f'<dd class="nowrap">{journey.phone}</dd>' in html
    assert f'<span class="nowrap">{journey.emergency_contact_phone}</span>' in html
    assert f'<span class="nowrap">(born {journey.date_of_birth:%Y-%m-%d})</span>' in html


def test_links_to_the_care_screens_that_exist(alice_client: Client, journey: Patient):
    html = alice_client.get(url(journey)).content.decode()
    from django.urls import NoReverseMatch  # noqa: PLC0415

    for name in ("ws-intake-review", "ws-plan", "ws-prescriptions", "ws-dispense"):
        try:
            target = reverse(name, kwargs={"patient_id": journey.pk})
        except NoReverseMatch:
            continue
        assert f'href="{target}"' in html


def test_no_external_urls(alice_client: Client, journey: Patient):
    html = alice_client.get(url(journey)).content.decode()
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html


def test_the_query_count_does_not_grow_with_the_sessions(
    alice_client: Client, journey: Patient, django_assert_num_queries
):
    with CaptureQueriesContext(connection) as one:
        alice_client.get(url(journey))
    assert DosingSession.objects.filter(patient=journey).count() == 1
    for minutes in range(9):  # nine more sessions, each blocked by the blood-pressure gate
        with time_machine.travel(NOW + timedelta(minutes=minutes), tick=False):
            ready_session(journey.user, journey, systolic_mmhg=170, diastolic_mmhg=100)
    assert DosingSession.objects.filter(patient=journey).count() == 10
    with django_assert_num_queries(len(one.captured_queries)):
        response = alice_client.get(url(journey))
    assert len([e for e in response.context["entries"] if e.kind == Kind.SESSION]) == 10


# --- Who may see it ------------------------------------------------------------------------


def test_another_clinics_patient_is_404(client: Client, outsider: User, journey: Patient):
    client.force_login(outsider)
    before = AuditEntry.objects.filter(patient_id=journey.pk, action=AuditAction.READ).count()
    assert client.get(url(journey)).status_code == 404
    after = AuditEntry.objects.filter(patient_id=journey.pk, action=AuditAction.READ).count()
    assert after == before


def test_the_patient_themself_gets_403(client: Client, journey: Patient):
    client.force_login(journey.user)
    assert client.get(url(journey)).status_code == 403


def test_a_missing_patient_is_404(alice_client: Client):
    assert alice_client.get(reverse("ws-chart", kwargs={"patient_id": 999999})).status_code == 404


def test_a_new_patient_has_an_empty_chart(alice_client: Client, clinic):
    patient = make_patient(clinic, "Nell New")
    response = alice_client.get(url(patient))
    assert response.status_code == 200
    html = response.content.decode()
    assert "No treatment plan yet." in html
    assert "No questionnaire scores or sessions yet." in html
    assert "No consent signed yet." in html


def test_times_read_in_the_clinics_zone(alice_client: Client, clinic):
    """NOW is 23:00 UTC on 3 March: 18:00 in New York, the clinic's zone."""
    patient = make_patient(clinic, "Zed Zone")
    PhaseChange.objects.create(patient=patient, from_phase="screening", to_phase="intake", at=NOW)
    html = alice_client.get(url(patient)).content.decode()
    assert "2025-03-03 18:00</time> <strong>Screening to Intake</strong>" in html


def test_an_automatic_resolution_says_so(alice_client: Client, clinic):
    patient = make_patient(clinic, "Aldo Auto")
    alert(patient, status=AlertStatus.RESOLVED, title="Missed check-in")
    html = alice_client.get(url(patient), {"kind": "alert"}).content.decode()
    assert "Urgent alert: Missed check-in (resolved)" in html
    assert "Resolved automatically by ketacare." in html
