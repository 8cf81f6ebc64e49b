"""The panel: columns, sorting and filtering in the database, pages, query counts, htmx."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Value
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.models import AlertSeverity, AlertStatus
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinical import outcomes
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.web.workspace import panel
from tests.treatment.helpers import NOW
from tests.web.workspace.conftest import alert, first_dose, make_patient, phq9

URL = reverse("ws-panel")


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.patient.legal_name for r in response.context["rows"]]


def get(client: Client, **params: str):  # type: ignore[no-untyped-def]
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


# --- What a row shows ----------------------------------------------------------------------


def test_a_row_shows_dose_last_phq9_change_badges_next_session_and_alerts(
    alice_client, prescriber, pharmacist, approved
):
    phq9(approved, 20, NOW - timedelta(days=3))  # the baseline: before the first dose
    first_dose(prescriber, pharmacist, approved, NOW - timedelta(days=2))
    phq9(approved, 8, NOW - timedelta(hours=1))  # on treatment
    alert(approved, AlertSeverity.URGENT)
    alert(approved, AlertSeverity.WARNING)
    alert(approved, AlertSeverity.WARNING, status=AlertStatus.ACKNOWLEDGED)
    alert(approved, AlertSeverity.EMERGENCY, status=AlertStatus.RESOLVED)

    response = get(alice_client)
    [row] = response.context["rows"]
    html = response.content.decode()

    assert row.plan.dose_mg == 100
    assert "Sublingual, 100 mg" in html
    assert f"({row.plan.dose_mg_per_kg.normalize()} mg/kg)" in html
    assert '8 <span class="muted nowrap">on 2025-03-03</span>' in html
    assert "-12 points (-60%)" in html
    assert "from 20" in html
    assert row.outcome == outcomes.change("phq9", baseline=20, current=8)
    assert ">Response</span>" in html
    assert "Remission" not in html  # 8 is not below 5 (CLINICAL.md A11 via outcomes)
    # Unresolved alerts by severity, most pressing first, in words; the resolved one not.
    assert [(c.severity, c.count) for c in row.alerts] == [("urgent", 1), ("warning", 2)]
    assert "1 Urgent" in html
    assert "2 Warning" in html
    assert "Emergency</span>" not in html
    assert row.next_session_at is not None
    # Today's session, due now, stays next until its dose is taken (treatment.queries:
    # one definition with the portal's).
    assert row.next_session_at >= NOW


def test_no_change_is_shown_before_a_phq9_on_treatment(alice_client, clinic):
    patient = make_patient(clinic, "Noah Nodose", with_account=True)
    phq9(patient, 14, NOW - timedelta(days=1))
    response = get(alice_client)
    [row] = response.context["rows"]
    assert row.outcome is None
    assert "No change yet" in response.content.decode()
    assert "Not yet judged" in response.content.decode()


def test_remission_badge_in_words(alice_client, prescriber, pharmacist, approved):
    phq9(approved, 20, NOW - timedelta(days=3))
    first_dose(prescriber, pharmacist, approved, NOW - timedelta(days=2))
    phq9(approved, 4, NOW - timedelta(hours=1))
    html = get(alice_client).content.decode()
    assert ">Remission</span>" in html
    assert ">Response</span>" in html


def test_only_the_clinics_patients_are_listed(alice_client, clinic, other_clinic):
    make_patient(clinic, "Mine Patient")
    make_patient(other_clinic, "Theirs Patient")
    assert names(get(alice_client)) == ["Mine Patient"]


def test_the_list_read_is_audited(alice_client, clinic, clinician):
    patients = [make_patient(clinic, f"P{i}") for i in range(3)]
    get(alice_client)
    entry = AuditEntry.objects.filter(action=AuditAction.LIST).last()
    assert entry is not None
    assert entry.actor_id == clinician.pk
    assert entry.object_type == "patients.Patient"
    assert entry.detail == {"via": "workspace panel", "ids": [p.pk for p in patients]}


# --- Who may see it ------------------------------------------------------------------------


def test_non_staff_get_403(client, patient):
    client.force_login(patient.user)
    assert client.get(URL).status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_other_staff_roles_see_the_panel(client, coordinator, pharmacist):
    for user in (coordinator, pharmacist):
        client.force_login(user)
        assert client.get(URL).status_code == 200


# --- Sorting in the database ----------------------------------------------------------------


@pytest.fixture
def three(clinic: Clinic, prescriber: User, pharmacist: User) -> dict[str, Patient]:
    """Three patients whose every sort key differs (names sort b < c < d)."""
    low = make_patient(clinic, "Bea Low", with_account=True, phase=Phase.APPROVED.value)
    mid = make_patient(clinic, "Cal Mid", with_account=True, phase=Phase.APPROVED.value)
    high = make_patient(clinic, "Dee High", with_account=True, phase=Phase.APPROVED.value)
    # Change from baseline: Bea -10, Cal -2, Dee +3 (last PHQ-9: 10, 18, 23).
    for p, baseline, last in ((low, 20, 10), (mid, 20, 18), (high, 20, 23)):
        phq9(p, baseline, NOW - timedelta(days=5))
        first_dose(prescriber, pharmacist, p, NOW - timedelta(days=4))
        phq9(p, last, NOW - timedelta(days=1))
    # Phases: Bea approved... moved below; the first dose moved all to induction.
    Patient.objects.filter(pk=low.pk).update(phase=Phase.APPROVED.value)
    Patient.objects.filter(pk=high.pk).update(phase=Phase.MAINTENANCE.value)
    # Alerts: Dee an emergency, Cal a warning, Bea none.
    alert(high, AlertSeverity.EMERGENCY)
    alert(mid, AlertSeverity.WARNING)
    alert(mid, AlertSeverity.WARNING)
    # Last activity: the latest of the record, a session, a PHQ-9 (all NOW - 1 day or so).
    Patient.objects.filter(pk=low.pk).update(updated_at=NOW - timedelta(hours=3))
    Patient.objects.filter(pk=mid.pk).update(updated_at=NOW - timedelta(hours=2))
    Patient.objects.filter(pk=high.pk).update(updated_at=NOW - timedelta(hours=1))
    return {"low": low, "mid": mid, "high": high}


ASCENDING = ["Bea Low", "Cal Mid", "Dee High"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ASCENDING),
        ("-name", ASCENDING[::-1]),
        ("phase", ASCENDING),  # approved < induction < maintenance (the journey's order)
        ("-phase", ASCENDING[::-1]),
        ("phq9", ASCENDING),  # 10 < 18 < 23
        ("-phq9", ASCENDING[::-1]),
        ("change", ASCENDING),  # -10 < -2 < +3
        ("-change", ASCENDING[::-1]),
        ("-alerts", ["Dee High", "Cal Mid", "Bea Low"]),  # emergency, warning, none
        ("alerts", ["Cal Mid", "Dee High", "Bea Low"]),  # none last either way
        ("activity", ASCENDING),
        ("-activity", ASCENDING[::-1]),
    ],
)
def test_each_sort_key_orders_the_rows(alice_client, three, sort, expected):
    assert names(get(alice_client, sort=sort)) == expected


def test_rows_without_a_value_sort_last_both_ways(alice_client, three, clinic):
    make_patient(clinic, "Aaron Noscore")
    assert names(get(alice_client, sort="phq9"))[-1] == "Aaron Noscore"
    assert names(get(alice_client, sort="-phq9"))[-1] == "Aaron Noscore"


def test_sort_links_reverse_the_current_column_and_keep_the_filters(alice_client, three):
    response = get(alice_client, sort="phq9", phase="approved")
    links = response.context["sort_links"]
    assert links["phq9"]["state"] == "ascending"
    assert "sort=-phq9" in links["phq9"]["query"]
    assert "phase=approved" in links["phq9"]["query"]
    assert "sort=name" in links["name"]["query"]
    html = response.content.decode()
    assert 'aria-sort="ascending"' in html


def test_an_unknown_sort_is_a_form_error_and_lists_nothing(alice_client, three):
    response = get(alice_client, sort="password")
    assert names(response) == []
    assert "The filter above is not valid" in response.content.decode()


# --- Filters --------------------------------------------------------------------------------


def test_filters(alice_client, three, clinic):
    make_patient(clinic, "Sam Screening")
    assert names(get(alice_client, phase="maintenance")) == ["Dee High"]
    assert names(get(alice_client, q="cal")) == ["Cal Mid"]
    assert names(get(alice_client, has_alerts="on")) == ["Cal Mid", "Dee High"]
    assert names(get(alice_client, severity="emergency")) == ["Dee High"]
    assert names(get(alice_client, severity="info")) == []


def test_response_filter(alice_client, three, clinic):
    make_patient(clinic, "Sam Screening")
    # Bea 20 -> 10 is a 50% reduction: a response (CLINICAL.md A11), not a remission.
    assert names(get(alice_client, response="response")) == ["Bea Low"]
    assert names(get(alice_client, response="no_response")) == ["Cal Mid", "Dee High"]
    assert names(get(alice_client, response="remission")) == []
    assert names(get(alice_client, response="no_follow_up")) == ["Sam Screening"]


@pytest.mark.parametrize("baseline", [0, 1, 2, 5, 9, 10, 19, 20, 27])
def test_the_response_filter_agrees_with_clinical_outcomes(clinic, baseline):
    """The SQL of each status says what outcomes.change says, for every current score."""
    patient = make_patient(clinic, "Tess Table")
    rules = outcomes.DEFAULT_RULES
    for current in range(28):
        row = panel.with_response_terms(
            Patient.objects.filter(pk=patient.pk).annotate(
                phq9_baseline=Value(baseline),
                phq9_total=Value(current),
                phq9_change=Value(current - baseline),
            )
        )
        change = outcomes.change("phq9", baseline=baseline, current=current, rules=rules)
        for status, expected in (
            (panel.ResponseStatus.RESPONSE, change.response is True),
            (panel.ResponseStatus.NO_RESPONSE, change.response is False),
            (panel.ResponseStatus.REMISSION, change.remission is True),
            # CLINICAL.md G9: below a significant baseline, neither is judged.
            (panel.ResponseStatus.NOT_APPLICABLE, change.response is None),
        ):
            found = row.filter(panel.response_q(status, rules)).exists()
            assert found == expected, (status, baseline, current)


# --- Pages, queries, htmx ----------------------------------------------------------------------


def test_fifty_a_page(alice_client, clinic):
    for i in range(51):
        make_patient(clinic, f"Patient {i:02d}")
    first = get(alice_client)
    assert len(first.context["rows"]) == 50
    second = get(alice_client, page="2")
    assert names(second) == ["Patient 50"]
    assert "Page 2 of 2" in second.content.decode()


def _populate(clinic: Clinic, count: int, prescriber: User, pharmacist: User) -> None:
    for i in range(count):
        p = make_patient(clinic, f"Many {i:03d}", with_account=True)
        phq9(p, 10 + i % 10, NOW - timedelta(days=2))
        alert(p, AlertSeverity.WARNING)
    # A couple with plans and doses (the prefetch), whatever the page size.
    for p in Patient.objects.filter(clinic=clinic)[:2]:
        p.phase = Phase.APPROVED.value
        p.save()
        first_dose(prescriber, pharmacist, p, NOW - timedelta(days=1))


def test_the_query_count_does_not_grow_with_the_page(
    alice_client, clinic, prescriber, pharmacist, django_assert_num_queries
):
    _populate(clinic, 3, prescriber, pharmacist)
    with CaptureQueriesContext(connection) as small:
        assert len(get(alice_client, sort="-alerts").context["rows"]) == 3
    _populate_more = 57
    for i in range(_populate_more):
        p = make_patient(clinic, f"More {i:03d}", with_account=True)
        phq9(p, 5 + i % 20, NOW - timedelta(days=3))
        alert(p, AlertSeverity.URGENT)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(get(alice_client, sort="-alerts").context["rows"]) == 50


def test_htmx_gets_only_the_table(alice_client, clinic):
    make_patient(clinic, "Hana Htmx")
    htmx = {"HX-Request": "true", "HX-Target": "panel-table"}
    response = alice_client.get(URL, {"sort": "-name"}, headers=htmx)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="panel-table"')
    assert "<html" not in html
    assert "Hana Htmx" in html
    assert "HX-Request" in response["Vary"]


def test_an_htmx_history_restore_gets_the_whole_page(alice_client, clinic):
    make_patient(clinic, "Hana Htmx")
    headers = {
        "HX-Request": "true",
        "HX-Target": "panel-table",
        "HX-History-Restore-Request": "true",
    }
    html = alice_client.get(URL, headers=headers).content.decode()
    assert "<html" in html


def test_the_page_works_without_javascript(alice_client, clinic):
    """Plain links and a GET form carry the sort and filters; htmx only enhances them."""
    make_patient(clinic, "Nora Nojs")
    html = get(alice_client).content.decode()
    assert '<form method="get" action="/workspace/"' in html
    assert 'href="?sort=-name"' in html
    assert 'hx-push-url="true"' in html
    assert '<label for="id_q">' in html


def test_no_external_urls(alice_client, clinic):
    make_patient(clinic, "Ext Ernal")
    html = get(alice_client).content.decode()
    assert "http://" not in html
    assert "https://" not in html
