"""The plan editor: write and revise the plan, the PK preview, the titration suggestion."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from ketacare.audit.models import AuditAction
from ketacare.treatment import services
from ketacare.treatment.models import TreatmentPlan
from ketacare.treatment.specs.sessions import CheckInSpec, DoseSpec
from tests.treatment.helpers import CHECK_IN_BP, after_observation, ready_session
from tests.treatment.plan_helpers import dose_once
from tests.web.helpers import assert_field_error, audit, page_text

# What a prescriber types for 100 mg a session of 50 mg scored troches.
PLAN_FORM: dict[str, Any] = {
    "route": "sublingual",
    "formulation_kind": "troche",
    "strength_mg": "50",
    "scored": "on",
    "dose": "100",
    "dose_unit": "mg",
    "weight_kg": "70",
    "pattern": "at_home",
    "first_day": "2025-03-04",
    "time_of_day": "18:00",
    "maintenance_weeks": "4",
    "check_in_deadline_min": "150",
    "reason": "",
    "save": "1",
}


def url(patient, name: str = "ws-plan") -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"patient_id": patient.pk})


def assert_inline_svg_without_external_refs(html: str) -> None:
    assert '<svg id="pk-chart-' in html
    assert 'role="img"' in html
    svg = html[html.index("<svg ") : html.index("</svg>")]
    assert "<title" in svg
    assert "<desc" in svg
    # The only URL is the SVG namespace name, which is never fetched.
    urls = set(re.findall(r"https?://[^\s\"')]+", svg))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert not re.search(r'(?:href|src)="(?!#)', svg)


def test_a_prescriber_writes_the_first_plan(approved, prescriber, signed_in):
    client = signed_in(prescriber)
    page = client.get(url(approved))
    assert page.status_code == 200
    assert "Write the first plan" in page_text(page)
    assert "Enter a route and a dose to see the preview." in page_text(page)
    response = client.post(url(approved), PLAN_FORM, follow=True)
    assert response.status_code == 200
    plan = TreatmentPlan.objects.get(patient=approved)
    assert plan.version == 1
    assert plan.dose_mg == 100
    assert plan.created_by == prescriber
    html = page_text(response)
    assert "Plan version 1 saved" in html
    assert "Current plan (version 1)" in html
    assert_inline_svg_without_external_refs(html)
    assert "Peak level (Cmax)" in html
    assert f"{plan.pk_summary['cmax_ng_ml']} ng/mL" in html
    summary = plan.pk_summary
    assert f"{summary['iv_equivalent_mg']} mg (IV reference: 35.0 mg)" in html
    assert f"typical patient</th><td>{summary['iv_equivalent_typical_mg']} mg" in html
    low, high = summary["iv_equivalent_5_95_mg"]
    assert f"90% of simulated patients</th><td>{low} to {high} mg" in html
    assert "Sublingual bioavailability taken as 0.24, the lowest published" in html
    assert audit(action=AuditAction.CREATE, object_type="treatment.TreatmentPlan")


def test_a_dose_above_the_cap_is_refused_and_nothing_is_stored(approved, prescriber, signed_in):
    response = signed_in(prescriber).post(url(approved), PLAN_FORM | {"dose": "350"})
    assert response.status_code == 400
    html = page_text(response)
    assert "Nothing was saved" in html
    assert "above the session cap" in html
    assert 'id="id_dose_error"' in html
    assert 'value="350"' in html  # the input is kept
    assert_inline_svg_without_external_refs(html)  # the preview of what was typed
    assert not TreatmentPlan.objects.exists()


def test_a_looser_cap_is_refused(approved, prescriber, signed_in):
    form = PLAN_FORM | {"max_mg_per_session": "400"}
    response = signed_in(prescriber).post(url(approved), form)
    assert response.status_code == 400
    assert "looser than the clinic" in page_text(response)
    assert 'id="id_max_mg_per_session_error"' in page_text(response)
    assert not TreatmentPlan.objects.exists()


def test_a_tighter_cap_is_kept(approved, prescriber, signed_in):
    form = PLAN_FORM | {"max_mg_per_session": "200", "bp_hard_stop_systolic": "150"}
    response = signed_in(prescriber).post(url(approved), form)
    assert response.status_code == 400
    assert "Give both numbers, or leave both empty." in page_text(response)
    form["bp_hard_stop_diastolic"] = "95"
    assert signed_in(prescriber).post(url(approved), form).status_code == 302
    plan = TreatmentPlan.objects.get()
    assert plan.caps["max_mg_per_session"] == 200
    assert plan.pre_dose_limits["bp_hard_stop"] == [150, 95]


def test_the_dose_may_be_written_in_mg_per_kg(approved, prescriber, signed_in):
    form = PLAN_FORM | {"dose": "1.5", "dose_unit": "mg_per_kg"}
    assert signed_in(prescriber).post(url(approved), form).status_code == 302
    assert TreatmentPlan.objects.get().dose_mg == 100  # 105 mg rounded to two troches


def test_the_preview_button_stores_nothing(approved, prescriber, signed_in):
    response = signed_in(prescriber).post(url(approved), PLAN_FORM | {"preview": "1"})
    assert response.status_code == 200
    assert_inline_svg_without_external_refs(page_text(response))
    assert "1.429 mg/kg" in page_text(response)
    assert not TreatmentPlan.objects.exists()


def test_the_htmx_preview_fragment(approved, prescriber, signed_in):
    query = {"route": "intranasal", "dose": "0.5", "dose_unit": "mg_per_kg", "weight_kg": "80"}
    response = signed_in(prescriber).get(
        url(approved, "ws-plan-preview"), query, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = page_text(response)
    assert "<html" not in html  # a fragment, swapped into the page
    assert "<strong>40.0 mg</strong> = <strong>0.5 mg/kg</strong> at 80.0 kg" in html
    assert_inline_svg_without_external_refs(html)
    assert "Intranasal" in html
    assert audit(action=AuditAction.READ, detail__via="care plan preview")


def test_the_preview_fragment_without_a_dose(approved, clinician, signed_in):
    response = signed_in(clinician).get(url(approved, "ws-plan-preview"), {"route": "oral"})
    assert response.status_code == 200
    assert "Enter a route and a dose" in page_text(response)


def test_the_page_wires_the_preview_to_htmx(approved, prescriber, signed_in):
    html = page_text(signed_in(prescriber).get(url(approved)))
    assert f'hx-get="{url(approved, "ws-plan-preview")}"' in html
    assert "from:#id_dose" in html
    assert "from:#id_route" in html
    assert "from:#id_weight_kg" in html


def test_a_revision_needs_a_reason_and_writes_version_two(approved, plan, prescriber, signed_in):
    client = signed_in(prescriber)
    page = page_text(client.get(url(approved)))
    assert "Revise the plan (version 2)" in page
    assert 'name="dose" value="100"' in page  # the form starts from the current plan
    response = client.post(url(approved), PLAN_FORM | {"dose": "125"})
    assert response.status_code == 400
    assert "Say why the plan changes." in page_text(response)
    assert TreatmentPlan.objects.count() == 1
    form = PLAN_FORM | {"dose": "125", "reason": "No response after four sessions."}
    assert client.post(url(approved), form).status_code == 302
    current = TreatmentPlan.objects.get(is_current=True)
    assert (current.version, current.dose_mg) == (2, 125)


def test_the_titration_suggestion_is_shown(approved, plan, clinician, signed_in):
    html = page_text(signed_in(clinician).get(url(approved)))
    assert "Titration suggestion" in html
    assert '<span class="badge ok">Hold</span>' in html
    assert "No response can be judged without" in html
    assert "Current plan (version 1)" in html
    assert_inline_svg_without_external_refs(html)


def test_clinicians_view_but_may_not_write(approved, plan, clinician, signed_in):
    client = signed_in(clinician)
    html = page_text(client.get(url(approved)))
    assert "Save the revision" not in html
    response = client.post(url(approved), PLAN_FORM | {"dose": "125", "reason": "Why not."})
    assert response.status_code == 403
    assert "Only prescriber may write treatment plans." in page_text(response)
    assert TreatmentPlan.objects.count() == 1


@pytest.mark.parametrize("role", ["pharmacist", "coordinator"])
def test_other_roles_do_not_see_plans(request, role, approved, plan, signed_in):
    client = signed_in(request.getfixturevalue(role))
    assert client.get(url(approved)).status_code == 403
    assert client.get(url(approved, "ws-plan-preview")).status_code == 403


def test_another_clinic_sees_nothing(approved, plan, other_prescriber, signed_in):
    client = signed_in(other_prescriber)
    assert client.get(url(approved)).status_code == 404
    assert client.get(url(approved, "ws-plan-preview")).status_code == 404
    assert client.post(url(approved), PLAN_FORM | {"reason": "x"}).status_code == 404
    assert TreatmentPlan.objects.count() == 1


def test_the_read_is_audited(approved, plan, clinician, signed_in):
    signed_in(clinician).get(url(approved))
    entries = audit(action=AuditAction.READ, object_type="treatment.TreatmentPlan")
    assert entries[-1].object_id == str(plan.pk)
    assert entries[-1].patient_id == approved.pk


@pytest.mark.usefixtures("stocked")
def test_high_dissociation_after_a_dose_suggests_a_step_down(
    approved, plan, prescriber, signed_in, clock
):
    session = services.record_dose_taken(
        approved.user, ready_session(approved.user, approved), DoseSpec(dose_mg=100)
    )
    after_observation(clock, session)
    services.record_check_in(
        approved.user,
        session,
        CheckInSpec(
            feeling="unwell", blood_pressure=CHECK_IN_BP, cadss6_answers=[4, 4, 4, 4, 4, 4]
        ),
    )
    html = page_text(signed_in(prescriber).get(url(approved)))
    assert '<span class="badge stop">Step down</span>' in html
    assert "CADSS-6 24" in html
    assert "One step down: 100 mg to 75 mg." in html


def test_a_product_error_sits_by_its_field(approved, prescriber, signed_in):
    form = PLAN_FORM | {"formulation_kind": "nasal_spray", "route": "intranasal"}
    response = signed_in(prescriber).post(url(approved), form)
    assert response.status_code == 400
    html = page_text(response)
    assert 'id="id_concentration_mg_per_ml_error"' in html
    assert 'id="id_spray_volume_ml_error"' in html
    assert "Give a number of mg/mL, more than zero." in html
    assert not TreatmentPlan.objects.exists()


def test_a_schedule_that_breaks_the_caps_is_refused(approved, prescriber, signed_in):
    form = PLAN_FORM | {"min_interval_min": str(4 * 24 * 60)}  # sessions are 3-4 days apart
    response = signed_in(prescriber).post(url(approved), form)
    assert response.status_code == 400
    assert "Session 2 (2025-03-07 18:00 EST) breaks the caps" in page_text(response)
    assert 'id="id_pattern_error"' in page_text(response)
    assert not TreatmentPlan.objects.exists()


@pytest.mark.usefixtures("stocked")
def test_the_product_cannot_change_with_stock_on_hand(approved, prescriber, signed_in):
    form = PLAN_FORM | {
        "route": "intranasal",
        "formulation_kind": "nasal_spray",
        "concentration_mg_per_ml": "100",
        "spray_volume_ml": "0.1",
        "dose": "20",
        "max_mg_per_session": "",
        "max_mg_per_kg_per_session": "",
        "max_mg_per_7_days": "",
        "max_mg_per_kg_per_7_days": "",
        "reason": "Cannot hold troches under the tongue.",
    }
    response = signed_in(prescriber).post(url(approved), form)
    assert response.status_code == 409  # refusal rule: a DomainError answers 409
    html = page_text(response)
    assert "The ledger still holds 8.0 tablets" in html
    assert "Cannot hold troches under the tongue.</textarea>" in html  # the input is kept
    assert TreatmentPlan.objects.count() == 1


# --- Only the fields of the chosen product and schedule -----------------------------------------


def shown(html: str, group: str) -> bool:
    """Whether the group of fields with this id is shown (not rendered `hidden`)."""
    opening = re.search(rf'<(?:fieldset|div|p)[^>]* id="{group}"[^>]*>', html)
    assert opening is not None, group
    return " hidden" not in opening.group(0)


def test_a_troche_plan_shows_the_tablet_fields_only(approved, plan, prescriber, signed_in):
    html = page_text(signed_in(prescriber).get(url(approved)))
    assert shown(html, "tablet-fields")
    assert not shown(html, "spray-fields")
    # Each group is named by its legend, and care.js knows which choice shows it.
    assert "<legend>Tablets, troches or rapid-dissolve tablets</legend>" in html
    assert 'data-kinds="sublingual_tablet troche rapid_dissolve"' in html
    assert 'data-kinds="nasal_spray"' in html
    assert "care.js" in html


def test_a_new_plan_shows_the_fields_of_the_first_product(approved, prescriber, signed_in):
    html = page_text(signed_in(prescriber).get(url(approved)))
    assert shown(html, "tablet-fields")  # the select shows "Sublingual tablet" first
    assert not shown(html, "spray-fields")


def test_a_spray_shows_its_fields(approved, prescriber, signed_in):
    form = PLAN_FORM | {"route": "intranasal", "formulation_kind": "nasal_spray", "preview": "1"}
    html = page_text(signed_in(prescriber).post(url(approved), form))
    assert shown(html, "spray-fields")
    assert not shown(html, "tablet-fields")
    assert not TreatmentPlan.objects.exists()


def test_a_field_with_an_error_is_never_hidden(approved, prescriber, signed_in):
    form = PLAN_FORM | {"formulation_kind": "nasal_spray", "strength_mg": "-1"}
    html = page_text(signed_in(prescriber).post(url(approved), form))
    assert 'id="id_strength_mg_error"' in html
    assert shown(html, "tablet-fields")
    assert shown(html, "spray-fields")
    assert not TreatmentPlan.objects.exists()


def test_the_preview_sits_in_the_wide_column_of_the_editor(approved, prescriber, signed_in):
    html = page_text(signed_in(prescriber).get(url(approved)))
    assert '<div class="plan-grid editor">' in html
    assert '<section class="card preview-card" aria-labelledby="preview-h">' in html


# --- Issue 11: esketamine, the first session, one revision, the check-in deadline ---------------


def test_the_editor_offers_no_esketamine_device_nor_its_label_schedule(
    approved, prescriber, signed_in
):
    html = page_text(signed_in(prescriber).get(url(approved)))
    assert '<option value="troche"' in html
    assert '<option value="nasal_spray"' in html
    assert "esketamine_device" not in html
    assert "esketamine_label" not in html
    assert "Esketamine" not in html
    assert "device-fields" not in html
    assert "maintenance_every_weeks" not in html


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"route": "intranasal", "formulation_kind": "esketamine_device"}, "formulation_kind"),
        ({"pattern": "esketamine_label"}, "pattern"),
    ],
)
def test_an_esketamine_post_is_refused_and_nothing_is_stored(
    approved, prescriber, signed_in, changes, field
):
    response = signed_in(prescriber).post(url(approved), PLAN_FORM | changes)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in page_text(response)
    assert not TreatmentPlan.objects.exists()


def test_a_first_dose_above_half_the_cap_is_refused_on_the_dose_field(
    approved, prescriber, signed_in
):
    response = signed_in(prescriber).post(url(approved), PLAN_FORM | {"dose": "300"})
    assert response.status_code == 400
    assert_field_error(
        response,
        "dose",
        "Dose per session",
        "A first session is at most 150 mg (half the 300 mg session cap) for a patient who "
        "has not had ketamine here; 300 mg is more. Start lower and titrate.",
    )
    assert not TreatmentPlan.objects.exists()


@pytest.mark.usefixtures("stocked")
def test_a_revision_above_the_largest_increase_is_refused_on_the_dose_field(
    approved, plan, prescriber, signed_in
):
    dose_once(approved, 100)
    client = signed_in(prescriber)
    form = PLAN_FORM | {"dose": "300", "reason": "No response after one session."}
    response = client.post(url(approved), form)
    assert response.status_code == 400
    assert_field_error(
        response,
        "dose",
        "Dose per session",
        "One revision raises the dose by at most 50%: from 100 mg, at most 150 mg; 300 mg is "
        "more. Raise it in steps, one revision at a time.",
    )
    assert TreatmentPlan.objects.count() == 1
    assert client.post(url(approved), form | {"dose": "150"}).status_code == 302
    assert TreatmentPlan.objects.get(is_current=True).dose_mg == 150


def test_the_check_in_deadline_starts_at_the_clinics_and_says_its_bounds(
    approved, prescriber, signed_in
):
    html = page_text(signed_in(prescriber).get(url(approved)))
    assert 'name="check_in_deadline_min" value="150"' in html
    assert (
        "More than 120 minutes (the observation after the dose, CLINICAL.md D) and at most "
        "150, the clinic&#x27;s deadline." in html
    )


def test_a_check_in_deadline_within_the_observation_is_refused_on_its_field(
    approved, prescriber, signed_in
):
    response = signed_in(prescriber).post(
        url(approved), PLAN_FORM | {"check_in_deadline_min": "120"}
    )
    assert response.status_code == 400
    assert_field_error(
        response,
        "check_in_deadline_min",
        "Check-in due within (minutes after the dose)",
        "The check-in is accepted only after the 120-minute observation (CLINICAL.md D)",
    )
    assert not TreatmentPlan.objects.exists()
