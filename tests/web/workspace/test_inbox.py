"""The alert inbox: order, filters, acknowledge and resolve (plain forms and htmx)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from ketacare.alerts.models import Alert, AlertCause, AlertSeverity, AlertStatus
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.web.workspace.views import age_words
from tests.treatment.helpers import NOW
from tests.web.workspace.conftest import alert, make_patient

URL = reverse("ws-alerts")


def ack_url(a: Alert) -> str:
    return reverse("ws-alert-acknowledge", kwargs={"alert_id": a.pk})


def resolve_url(a: Alert) -> str:
    return reverse("ws-alert-resolve", kwargs={"alert_id": a.pk})


class _Names(HTMLParser):
    """The text of every label, button and summary: what a screen reader names them by."""

    NAMED = ("label", "button", "summary")

    def __init__(self) -> None:
        super().__init__()
        self.names: dict[str, list[str]] = defaultdict(list)
        self.open: list[tuple[str, list[str]]] = []
        self.details: list[bool] = []  # whether each details around here is open

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag in self.NAMED:
            self.open.append((tag, []))
        if tag == "details":
            self.details.append("open" in dict(attrs))

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "details":
            self.details.pop()
        if self.open and self.open[-1][0] == tag:
            _, words = self.open.pop()
            self.names[tag].append(" ".join("".join(words).split()))
            if tag == "label":
                self.names["hidden label" if not all(self.details) else "shown label"].append(
                    self.names[tag][-1]
                )

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        for _, words in self.open:
            words.append(data)


NOTES = ("Note (optional)", "How it was resolved")


def accessible_names(html: str) -> dict[str, list[str]]:
    """Names by kind; "label", "shown label" and "hidden label" only the alerts' notes."""
    parser = _Names()
    parser.feed(html)
    names = parser.names
    for kind in ("label", "shown label", "hidden label"):
        names[kind] = [n for n in names[kind] if n.startswith(NOTES)]
    return names


def titles(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [r["alert"].title for r in response.context["rows"]]


@pytest.fixture
def patient_a(clinic):  # type: ignore[no-untyped-def]
    return make_patient(clinic, "Ada Alerted", with_account=True)


def test_most_severe_first_then_oldest(alice_client, patient_a):
    alert(patient_a, AlertSeverity.WARNING, raised_at=NOW - timedelta(hours=5), title="old warning")
    alert(
        patient_a, AlertSeverity.EMERGENCY, raised_at=NOW - timedelta(minutes=1), title="new emerg"
    )
    alert(patient_a, AlertSeverity.URGENT, raised_at=NOW - timedelta(minutes=9), title="new urgent")
    alert(patient_a, AlertSeverity.URGENT, raised_at=NOW - timedelta(hours=2), title="old urgent")
    alert(patient_a, AlertSeverity.INFO, raised_at=NOW - timedelta(days=3), title="old info")
    alert(patient_a, AlertSeverity.EMERGENCY, status=AlertStatus.RESOLVED, title="done")
    response = alice_client.get(URL)
    assert response.status_code == 200
    assert titles(response) == ["new emerg", "old urgent", "new urgent", "old warning", "old info"]
    html = response.content.decode()
    assert "open 2 h" in html
    assert "open 1 min" in html
    assert "open 3 days" in html
    assert reverse("ws-chart", kwargs={"patient_id": patient_a.pk}) in html


def test_age_words():
    assert age_words(NOW - timedelta(seconds=30), NOW) == "0 min"
    assert age_words(NOW - timedelta(minutes=25), NOW) == "25 min"
    assert age_words(NOW - timedelta(minutes=125), NOW) == "2 h 5 min"
    assert age_words(NOW - timedelta(hours=3), NOW) == "3 h"
    assert age_words(NOW - timedelta(days=4, hours=1), NOW) == "4 days"


def test_filters(alice_client, patient_a, clinic):
    other = make_patient(clinic, "Ben Other")
    alert(patient_a, AlertSeverity.WARNING, title="w", cause=AlertCause.WORSENING)
    alert(patient_a, AlertSeverity.URGENT, title="u", cause=AlertCause.MISSED_CHECK_IN)
    alert(other, AlertSeverity.URGENT, title="x", cause=AlertCause.MISSED_CHECK_IN)
    alert(patient_a, AlertSeverity.URGENT, status=AlertStatus.RESOLVED, title="r")
    alert(patient_a, AlertSeverity.INFO, status=AlertStatus.ACKNOWLEDGED, title="a")
    assert titles(alice_client.get(URL, {"severity": "warning"})) == ["w"]
    assert titles(alice_client.get(URL, {"cause": "missed_check_in"})) == ["u", "x"]
    assert titles(alice_client.get(URL, {"status": "resolved"})) == ["r"]
    assert titles(alice_client.get(URL, {"status": "acknowledged"})) == ["a"]
    assert titles(alice_client.get(URL, {"patient": str(other.pk)})) == ["x"]
    bad = alice_client.get(URL, {"severity": "apocalyptic"})
    assert titles(bad) == []
    assert "The filter above is not valid" in bad.content.decode()


def test_another_clinics_alerts_are_not_listed(alice_client, other_clinic):
    theirs = make_patient(other_clinic, "Theirs Patient")
    alert(theirs, title="not yours")
    assert titles(alice_client.get(URL)) == []


def test_the_list_is_audited(alice_client, patient_a, clinician):
    a = alert(patient_a)
    alice_client.get(URL)
    entry = AuditEntry.objects.filter(action=AuditAction.LIST, object_type="alerts.Alert").last()
    assert entry is not None
    assert (entry.actor_id, entry.detail) == (
        clinician.pk,
        {"via": "workspace inbox", "ids": [a.pk]},
    )


def test_non_staff_get_403(client, patient):
    client.force_login(patient.user)
    assert client.get(URL).status_code == 403


# --- Acknowledge ---------------------------------------------------------------------------


def test_acknowledge_with_a_note(alice_client, patient_a, clinician):
    a = alert(patient_a)
    response = alice_client.post(ack_url(a), {"note": "Calling her now", "back": URL})
    assert response.status_code == 302
    assert response["Location"] == URL
    a.refresh_from_db()
    assert (a.status, a.acknowledged_by, a.acknowledged_note) == (
        AlertStatus.ACKNOWLEDGED,
        clinician,
        "Calling her now",
    )
    entry = AuditEntry.objects.filter(object_type="alerts.Alert", object_id=str(a.pk)).last()
    assert entry is not None
    assert (entry.action, entry.actor_id, entry.detail["change"]) == (
        AuditAction.UPDATE,
        clinician.pk,
        "acknowledged",
    )
    page = alice_client.get(URL).content.decode()
    assert "Acknowledged: Worse than at baseline (Ada Alerted)." in page


def test_acknowledge_without_a_note(alice_client, patient_a):
    a = alert(patient_a)
    assert alice_client.post(ack_url(a), {}).status_code == 302
    a.refresh_from_db()
    assert (a.status, a.acknowledged_note) == (AlertStatus.ACKNOWLEDGED, "")


def test_acknowledging_twice_says_why_and_changes_nothing(alice_client, patient_a, colleague):
    a = alert(patient_a, status=AlertStatus.ACKNOWLEDGED)
    before = AuditEntry.objects.count()
    response = alice_client.post(ack_url(a), {"note": "me too"})
    assert response.status_code == 400
    assert "The alert is acknowledged, not open." in response.content.decode()
    a.refresh_from_db()
    assert a.acknowledged_note == ""
    assert AuditEntry.objects.count() == before


def test_htmx_acknowledge_replaces_the_row(alice_client, patient_a):
    a = alert(patient_a)
    response = alice_client.post(ack_url(a), {"note": "on it"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="alert-{a.pk}"')
    assert "Acknowledged: Worse than at baseline" in html
    assert "on it" in html
    names = accessible_names(html)
    assert not [n for n in names["button"] if n.startswith("Acknowledge")]  # only resolve
    assert names["button"] == ["Resolve: Worse than at baseline, Ada Alerted"]


def test_every_field_and_button_names_its_alert(alice_client, patient_a, clinic):
    other = make_patient(clinic, "Bo Other", with_account=True)
    alert(patient_a, title="Suicidality on PHQ-9")
    alert(other, title="Suicidality on PHQ-9")
    alert(other, status=AlertStatus.ACKNOWLEDGED, title="Blood pressure high")
    names = accessible_names(alice_client.get(URL).content.decode())
    # Same words on screen ("Note (optional)"), but a name of its own for each alert.
    assert sorted(names["label"]) == sorted(
        [
            "Note (optional) on: Suicidality on PHQ-9, Ada Alerted",
            "Note (optional) on: Suicidality on PHQ-9, Bo Other",
            "How it was resolved (required) for: Suicidality on PHQ-9, Ada Alerted",
            "How it was resolved (required) for: Suicidality on PHQ-9, Bo Other",
            "How it was resolved (required) for: Blood pressure high, Bo Other",
        ]
    )
    for kind in ("label", "button", "summary"):
        assert len(names[kind]) == len(set(names[kind])), kind
    assert "Acknowledge… Suicidality on PHQ-9, Bo Other" in names["summary"]
    assert "Resolve: Blood pressure high, Bo Other" in names["button"]


def test_the_forms_wait_behind_a_disclosure_per_row(alice_client, patient_a):
    a = alert(patient_a)
    html = alice_client.get(URL).content.decode()
    # Closed until asked for: the row is two small controls, not two forms.
    assert not accessible_names(html)["shown label"]
    row = html[html.index(f'<tr id="alert-{a.pk}"') :]
    row = row[: row.index("</tr>")]
    assert row.count('<details class="ws-act">') == 2
    assert row.index("<summary>Acknowledge…") < row.index(f'id="ack-note-{a.pk}"')
    assert row.index("<summary>Resolve…") < row.index(f'id="resolve-note-{a.pk}"')


def test_the_form_with_an_error_comes_back_open(alice_client, patient_a):
    a = alert(patient_a)
    response = alice_client.post(resolve_url(a), {"note": ""}, headers={"HX-Request": "true"})
    names = accessible_names(response.content.decode())
    assert names["shown label"] == [
        "How it was resolved (required) for: Worse than at baseline, Ada Alerted"
    ]
    response = alice_client.post(resolve_url(a), {"note": " "})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<a href="#resolve-note-{a.pk}">' in html
    assert "How it was resolved (required) for: Worse" in " ".join(
        accessible_names(html)["shown label"]
    )


def test_a_too_long_note_reopens_the_acknowledge_form(alice_client, patient_a):
    a = alert(patient_a)
    response = alice_client.post(ack_url(a), {"note": "x" * 4001})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<a href="#ack-note-{a.pk}">' in html
    assert accessible_names(html)["shown label"] == [
        "Note (optional) on: Worse than at baseline, Ada Alerted"
    ]
    a.refresh_from_db()
    assert a.status == AlertStatus.OPEN


# --- Resolve -------------------------------------------------------------------------------


def test_resolve_needs_a_note_and_changes_nothing_without_one(alice_client, patient_a):
    a = alert(patient_a)
    before = AuditEntry.objects.count()
    response = alice_client.post(resolve_url(a), {"note": "   "})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was changed." in html
    assert "Write how the alert was resolved before resolving it." in html
    assert 'aria-describedby="alert-' in html
    a.refresh_from_db()
    assert a.status == AlertStatus.OPEN
    assert AuditEntry.objects.count() == before


def test_htmx_resolve_without_a_note_shows_the_error_in_the_row(alice_client, patient_a):
    a = alert(patient_a)
    response = alice_client.post(resolve_url(a), {"note": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 200  # htmx swaps 2xx only: the row shows the error
    assert "Error: Write how the alert was resolved" in response.content.decode()
    a.refresh_from_db()
    assert a.status == AlertStatus.OPEN


def test_resolve_stores_the_note_and_audits(alice_client, patient_a, clinician):
    a = alert(patient_a, status=AlertStatus.ACKNOWLEDGED)
    response = alice_client.post(resolve_url(a), {"note": "Seen at home; BP normal."})
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.status, a.resolved_by, a.resolved_note) == (
        AlertStatus.RESOLVED,
        clinician,
        "Seen at home; BP normal.",
    )
    entry = AuditEntry.objects.filter(object_type="alerts.Alert", object_id=str(a.pk)).last()
    assert entry is not None
    assert (entry.actor_id, entry.detail["change"]) == (clinician.pk, "resolved")


def test_resolving_a_resolved_alert_says_so(alice_client, patient_a):
    a = alert(patient_a, status=AlertStatus.RESOLVED)
    response = alice_client.post(resolve_url(a), {"note": "again"})
    assert response.status_code == 400
    assert "The alert is already resolved." in response.content.decode()


def test_the_back_link_is_only_a_local_path(alice_client, patient_a):
    a = alert(patient_a)
    response = alice_client.post(ack_url(a), {"back": "https://evil.example/"})
    assert response["Location"] == URL
    b = alert(patient_a)
    response = alice_client.post(ack_url(b), {"back": "//evil.example/"})
    assert response["Location"] == URL


# --- Ownership -----------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_another_clinics_alert_is_404_and_unchanged(client, outsider, patient_a, action):
    a = alert(patient_a)
    client.force_login(outsider)
    url = reverse(f"ws-alert-{action}", kwargs={"alert_id": a.pk})
    assert client.post(url, {"note": "mine now"}).status_code == 404
    a.refresh_from_db()
    assert a.status == AlertStatus.OPEN


def test_a_patient_cannot_act_on_alerts(client, patient_a):
    a = alert(patient_a)
    client.force_login(patient_a.user)
    assert client.post(ack_url(a), {"note": "x"}).status_code == 403
    a.refresh_from_db()
    assert a.status == AlertStatus.OPEN


def test_get_is_not_allowed_on_actions(alice_client, patient_a):
    a = alert(patient_a)
    assert alice_client.get(ack_url(a)).status_code == 405


def test_htmx_filtering_gets_only_the_table(alice_client, patient_a):
    alert(patient_a, AlertSeverity.WARNING, title="w")
    headers = {"HX-Request": "true", "HX-Target": "inbox-table"}
    response = alice_client.get(URL, {"severity": "warning"}, headers=headers)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="inbox-table"')
    assert "<html" not in html
    assert titles(response) == ["w"]


def test_no_external_urls(alice_client, patient_a):
    alert(patient_a)
    html = alice_client.get(URL).content.decode()
    assert "http://" not in html
    assert "https://" not in html
