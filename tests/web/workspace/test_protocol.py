"""The clinic's protocol page: every setting for all staff; changes by administrators."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from ketacare.accounts.models import User
from ketacare.clinical.rules import BY_NAME, SETTINGS
from ketacare.clinical.sources import cite
from ketacare.patients.models import ClinicProtocol
from ketacare.patients.protocol import change_protocol, clinic_rules
from ketacare.patients.specs import ProtocolSpec

URL = reverse("ws-protocol")


def _form(**changes: object) -> dict[str, object]:
    """Every setting at its default, with `changes`, as the admin's browser posts it."""
    data: dict[str, object] = {s.name: f"{s.default:g}" for s in SETTINGS}
    return data | {"reason": "Medical director's review"} | changes


@pytest.mark.parametrize("who", ["clinician", "coordinator", "pharmacist", "clinic_admin"])
def test_every_staff_member_reads_every_setting(
    request: pytest.FixtureRequest, client: Client, who: str
):
    client.force_login(request.getfixturevalue(who))
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for setting in SETTINGS:
        assert escape(setting.title) in html
        assert escape(cite(setting.source)) in html  # by name, not by section
    assert html.count("clinic's choice</span>") == sum(s.clinics_choice for s in SETTINGS)
    assert "No changes yet" in html


def test_only_an_administrator_sees_the_form(client: Client, clinician: User, clinic_admin: User):
    client.force_login(clinician)
    assert "Save a new version" not in client.get(URL).content.decode()
    client.force_login(clinic_admin)
    html = client.get(URL).content.decode()
    assert "Save a new version" in html
    assert 'name="min_hours_between_doses"' in html
    assert '<a href="/workspace/protocol/">Protocol</a>' in html  # the staff navigation


def test_an_administrator_changes_a_setting_with_a_reason(client: Client, clinic_admin: User):
    client.force_login(clinic_admin)
    response = client.post(URL, _form(min_hours_between_doses="48"))
    assert response.status_code == 302
    protocol = ClinicProtocol.objects.get()
    assert protocol.changes == {"min_hours_between_doses": 48}
    assert protocol.loosened == ["min_hours_between_doses"]
    assert clinic_rules(clinic_admin.clinic_id).values["min_hours_between_doses"] == 48
    html = client.get(URL).content.decode()
    assert "Version 1" in html
    assert "Why: Medical director&#x27;s review" in html
    title = escape(BY_NAME["min_hours_between_doses"].title)
    assert f"{title}: 72 to 48 hours <strong>(loosened)</strong>" in html
    assert '<span class="badge">changed</span>' in html


def test_a_reason_is_required_and_nothing_is_stored(client: Client, clinic_admin: User):
    client.force_login(clinic_admin)
    response = client.post(URL, _form(min_hours_between_doses="48", reason=""))
    assert response.status_code == 400
    assert "Say why the protocol changes." in response.content.decode()
    assert not ClinicProtocol.objects.exists()


def test_a_value_outside_the_range_is_refused(client: Client, clinic_admin: User):
    client.force_login(clinic_admin)
    response = client.post(URL, _form(observation_minutes="60"))
    assert response.status_code == 400
    assert "Ensure this value is greater than or equal to 120." in response.content.decode()
    assert not ClinicProtocol.objects.exists()


def test_nothing_changed_is_said(client: Client, clinic_admin: User):
    client.force_login(clinic_admin)
    response = client.post(URL, _form())
    assert response.status_code == 400
    assert "Nothing changes" in response.content.decode()


def test_a_clinician_cannot_post(client: Client, clinician: User):
    client.force_login(clinician)
    assert client.post(URL, _form(min_hours_between_doses="48")).status_code == 403
    assert not ClinicProtocol.objects.exists()


def test_another_clinics_protocol_is_not_shown(
    client: Client, clinic_admin: User, other_admin: User
):
    change_protocol(
        clinic_admin,
        clinic_admin.clinic,
        ProtocolSpec(changes={"min_hours_between_doses": 48}, reason="Ours only"),
    )
    client.force_login(other_admin)
    html = client.get(URL).content.decode()
    assert "Ours only" not in html
    assert "No changes yet" in html


@pytest.mark.parametrize("who", ["patient", "sitter"])
def test_patients_and_sitters_are_refused(request: pytest.FixtureRequest, client: Client, who: str):
    found = request.getfixturevalue(who)
    client.force_login(found.user)
    assert client.get(URL).status_code == 403


def test_sources_are_cited_by_name_not_by_section(client: Client, clinician: User):
    client.force_login(clinician)
    html = client.get(URL).content.decode()
    assert "CLINICAL.md" not in html
    assert escape("Spravato label") in html
