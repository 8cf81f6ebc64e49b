"""Intake use cases on the database: start, save a draft, submit; every refusal."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ketacare.accounts.models import RoleGrant
from ketacare.accounts.roles import Role
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.audit.log import verify
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.intake import services
from ketacare.intake import specs as intake_specs
from ketacare.intake.errors import ConsentRequired, IntakeNotOpen
from ketacare.intake.models import Intake, IntakeStatus
from ketacare.intake.ratings import StaffRatingSpec
from ketacare.kernel.errors import NotAllowed, NotFound, WrongPhase
from ketacare.patients import services as patient_services
from ketacare.patients.models import Indication, Patient, PhaseChange
from ketacare.patients.phases import Phase
from ketacare.patients.specs import ConsentDocumentSpec, PhaseMoveSpec
from tests.factories import PatientFactory, SitterFactory, UserFactory
from tests.intake.conftest import COMPLETE, NOW, PCL5, complete

pytestmark = pytest.mark.django_db


def intake_entries(intake: Intake) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_type="intake.Intake", object_id=str(intake.pk)).order_by(
            "seq"
        )
    )


def in_phase(patient: Patient, phase: Phase) -> Patient:
    Patient.objects.filter(pk=patient.pk).update(phase=phase)
    patient.refresh_from_db()
    return patient


@pytest.fixture
def draft(patient) -> Intake:
    return services.start_intake(patient.user, patient)


# --- start ---------------------------------------------------------------------------


def test_patient_starts_own_intake_from_screening(patient):
    intake = services.start_intake(patient.user, patient)
    patient.refresh_from_db()
    assert patient.phase == Phase.INTAKE
    change = PhaseChange.objects.get(patient=patient, to_phase=Phase.INTAKE)
    assert (change.from_phase, change.actor) == (Phase.SCREENING, patient.user)
    assert change.reason == "the patient's own start of intake"
    assert intake.status == IntakeStatus.DRAFT
    # Prefilled from the record.
    assert intake.data == {"demographics": {"date_of_birth": "1985-06-15", "weight_kg": "70.0"}}
    assert [(e.action, e.actor_id) for e in intake_entries(intake)] == [
        (AuditAction.CREATE, patient.user.pk)
    ]
    phase_entry = AuditEntry.objects.get(object_type="patients.Patient", action=AuditAction.UPDATE)
    assert phase_entry.detail == {"phase": ["screening", "intake"]}
    assert verify().ok


def test_coordinator_starts_intake_through_the_phase_service(patient, coordinator):
    intake = services.start_intake(coordinator, patient)
    change = PhaseChange.objects.get(patient=patient, to_phase=Phase.INTAKE)
    assert change.actor == coordinator
    assert change.reason == ""  # patients.services.move_patient
    assert len(intake_entries(intake)) == 1


def test_start_in_intake_phase_does_not_move_the_phase(patient, coordinator):
    in_phase(patient, Phase.INTAKE)
    services.start_intake(coordinator, patient)
    assert not PhaseChange.objects.filter(patient=patient).exists()


def test_start_returns_the_open_draft_without_a_new_row_or_entry(patient, draft):
    entries = AuditEntry.objects.count()
    again = services.start_intake(patient.user, patient)
    assert again.pk == draft.pk
    assert Intake.objects.count() == 1
    assert AuditEntry.objects.count() == entries


def test_one_open_intake_per_patient_is_a_database_rule(patient, draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        Intake.objects.create(patient=patient)


@pytest.mark.parametrize("phase", [Phase.UNDER_REVIEW, Phase.APPROVED, Phase.DECLINED])
def test_start_refuses_other_phases(patient, coordinator, phase):
    in_phase(patient, phase)
    with pytest.raises(WrongPhase):
        services.start_intake(coordinator, patient)
    assert not Intake.objects.exists()


def test_start_refuses_staff_who_do_not_fill_in_intakes(patient, clinician, clinic):
    pharmacist = UserFactory(clinic=clinic, pharmacist=True)
    for actor in (clinician, pharmacist):
        with pytest.raises(NotAllowed):
            services.start_intake(actor, patient)
    assert not Intake.objects.exists()


def test_start_hides_the_patient_from_other_clinics_and_other_patients(patient, other_clinic):
    other_coordinator = UserFactory(clinic=other_clinic, coordinator=True)
    other_patient = PatientFactory(clinic=patient.clinic, with_account=True)
    for actor in (other_coordinator, other_patient.user):
        with pytest.raises(NotFound):
            services.start_intake(actor, patient)
    assert not Intake.objects.exists()


def test_start_refuses_the_patients_sitter(patient):
    sitter = SitterFactory(clinic=patient.clinic, patients=[patient])
    with pytest.raises(NotAllowed):
        services.start_intake(sitter.user, patient)


def test_a_patient_who_also_sits_for_someone_cannot_start_their_intake(patient, clinic):
    other = PatientFactory(clinic=clinic, with_account=True)
    RoleGrant.objects.create(user=other.user, role=Role.SITTER)
    SitterFactory(clinic=clinic, user=other.user, patients=[patient])
    other.user.forget_roles()
    with pytest.raises(NotAllowed):
        services.start_intake(other.user, patient)


# --- save a draft --------------------------------------------------------------------


def test_save_draft_with_partial_data_stores_it_as_given(patient, draft):
    data = {
        "demographics": {"weight_kg": "71.0"},
        "medical_history": {"pregnant": False, "hypertension": None},
        "trials": [{"drug": "sertraline", "duration_weeks": 4}],
        "questionnaires": {"phq9": [1, 2, None, 3]},
    }
    saved = services.save_intake_draft(patient.user, draft, intake_specs.draft(data))
    saved.refresh_from_db()
    assert saved.data == data
    assert saved.status == IntakeStatus.DRAFT
    entries = intake_entries(saved)
    assert [e.action for e in entries] == [AuditAction.CREATE, AuditAction.UPDATE]
    assert entries[-1].detail == {
        "sections": ["demographics", "medical_history", "questionnaires", "trials"]
    }


def test_coordinator_saves_a_draft_for_the_patient(patient, draft, coordinator):
    services.save_intake_draft(coordinator, draft, intake_specs.draft(complete()))
    draft.refresh_from_db()
    assert draft.data == COMPLETE
    assert intake_entries(draft)[-1].actor_id == coordinator.pk


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"trials": [{"duration_weeks": "six"}]}, "trials.0.duration_weeks"),
        ({"trials": [{}, {"duration_weeks": -1}]}, "trials.1.duration_weeks"),
        ({"trials": [{"adequate_dose": "yes"}]}, "trials.0.adequate_dose"),
        ({"trials": [{"outcome": "better"}]}, "trials.0.outcome"),
        ({"trials": [{"drug": "  "}]}, "trials.0.drug"),
        ({"trials": {"drug": "x"}}, "trials"),
        ({"medical_history": {"pregnant": 1}}, "medical_history.pregnant"),
        ({"medical_history": {"pregant": False}}, "medical_history.pregant"),
        (
            {"psychiatric_history": {"ketamine_use_disorder": "some"}},
            "psychiatric_history.ketamine_use_disorder",
        ),
        ({"demographics": {"weight_kg": "400"}}, "demographics.weight_kg"),
        ({"demographics": {"weight_kg": "72.55"}}, "demographics.weight_kg"),
        ({"demographics": {"weight_kg": True}}, "demographics.weight_kg"),
        ({"demographics": {"date_of_birth": "2999-01-01"}}, "demographics.date_of_birth"),
        ({"demographics": {"date_of_birth": 0}}, "demographics.date_of_birth"),
        ({"questionnaires": {"phq9": [1, "2"]}}, "questionnaires.phq9.1"),
        ({"questionnaires": {"phq9": [1, 2, 4]}}, "questionnaires.phq9.2"),
        ({"questionnaires": {"auditc": [0, 0, 0, 0]}}, "questionnaires.auditc"),
        ({"questionnaires": {"madrs": [0]}}, "questionnaires.madrs"),
        ({"current_medications": [{"classes": ["opioid"]}]}, "current_medications.0.classes.0"),
        ({"home_vitals": {"systolic_mmhg": 120.5}}, "home_vitals.systolic_mmhg"),
        (
            {"home_vitals": {"systolic_mmhg": 80, "diastolic_mmhg": 120, "heart_rate_bpm": 70}},
            "home_vitals",
        ),
        ({"home": {"sitter_available": "true"}}, "home.sitter_available"),
        ({"maudsley": {"duration": 1, "severity": 9, "treatment_failures": 2}}, "maudsley"),
        ({"unknown_section": {}}, "unknown_section"),
    ],
)
def test_save_draft_names_the_path_of_a_value_of_the_wrong_type(patient, draft, data, path):
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as err:
        services.save_intake_draft(patient.user, draft, intake_specs.draft(data))
    assert path in err.value.message_dict, err.value.message_dict
    draft.refresh_from_db()
    assert draft.data == {"demographics": {"date_of_birth": "1985-06-15", "weight_kg": "70.0"}}
    assert AuditEntry.objects.count() == before


def test_save_draft_lists_every_bad_value_at_once(patient, draft):
    data = {"trials": [{"duration_weeks": "six"}], "home": {"secure_storage": "no"}}
    with pytest.raises(ValidationError) as err:
        services.save_intake_draft(patient.user, draft, intake_specs.draft(data))
    assert set(err.value.message_dict) == {"trials.0.duration_weeks", "home.secure_storage"}


def test_save_draft_refuses_what_is_not_an_object(patient, draft):
    with pytest.raises(ValidationError) as err:
        services.save_intake_draft(patient.user, draft, intake_specs.draft(["not", "sections"]))  # type: ignore[arg-type]
    assert "data" in err.value.message_dict


def test_save_draft_refuses_what_json_cannot_hold(patient, draft):
    data = {"current_medications": [{"name": "modafinil", "classes": {"stimulant"}}]}
    with pytest.raises(ValidationError) as err:
        services.save_intake_draft(patient.user, draft, intake_specs.draft(data))
    assert "data" in err.value.message_dict


def test_save_draft_refuses_a_submitted_intake(patient, draft, signed):
    services.save_intake_draft(patient.user, draft, intake_specs.draft(complete()))
    services.submit_intake(patient.user, draft)
    draft.refresh_from_db()
    with pytest.raises(IntakeNotOpen):
        services.save_intake_draft(patient.user, draft, intake_specs.draft({}))


def test_save_draft_refuses_when_the_patient_is_no_longer_in_intake(patient, draft):
    in_phase(patient, Phase.UNDER_REVIEW)
    draft.refresh_from_db()
    with pytest.raises(WrongPhase):
        services.save_intake_draft(patient.user, draft, intake_specs.draft({}))


def test_save_draft_refuses_other_roles_and_clinics(
    patient, draft, clinician, outsider, other_clinic
):
    with pytest.raises(NotAllowed):
        services.save_intake_draft(clinician, draft, intake_specs.draft({}))
    with pytest.raises(NotAllowed):
        services.save_intake_draft(
            outsider, draft, intake_specs.draft({})
        )  # a clinician: the role first
    with pytest.raises(NotFound):
        services.save_intake_draft(
            UserFactory(clinic=other_clinic, coordinator=True), draft, intake_specs.draft({})
        )
    assert len(intake_entries(draft)) == 1


# --- submit --------------------------------------------------------------------------


def test_submit_an_incomplete_intake_lists_every_missing_path(patient, draft, signed):
    data = {
        "demographics": {"date_of_birth": "1985-06-15"},
        "medical_history": {
            k: v for k, v in COMPLETE["medical_history"].items() if k != "pregnant"
        },
        "psychiatric_history": COMPLETE["psychiatric_history"],
        "trials": [{"drug": "sertraline", "dose": "50 mg", "adequate_dose": False}],
        "current_medications": [],
        "questionnaires": {**COMPLETE["questionnaires"], "phq9": [1, 1, None, 1, 1, 1, 1, 1]},
        "home": {"sitter_available": True, "secure_storage": None, "agrees_not_to_drive": True},
    }
    services.save_intake_draft(patient.user, draft, intake_specs.draft(data))
    with pytest.raises(ValidationError) as err:
        services.submit_intake(patient.user, draft)
    assert set(err.value.message_dict) == {
        "demographics.weight_kg",
        "medical_history.pregnant",
        "trials.0.duration_weeks",
        "trials.0.outcome",
        "trials.0.in_current_episode",
        "questionnaires.phq9.2",
        "questionnaires.phq9.8",
        "home_vitals",
        "home.secure_storage",
    }
    assert err.value.message_dict["home_vitals"] == ["This field is required."]
    draft.refresh_from_db()
    patient.refresh_from_db()
    assert (draft.status, patient.phase) == (IntakeStatus.DRAFT, Phase.INTAKE)
    assert not QuestionnaireResponse.objects.exists()
    assert len(intake_entries(draft)) == 2  # created, saved: nothing for the refusal


def test_submit_an_empty_intake_names_every_section(patient, draft, signed):
    services.save_intake_draft(patient.user, draft, intake_specs.draft({}))
    with pytest.raises(ValidationError) as err:
        services.submit_intake(patient.user, draft)
    assert set(err.value.message_dict) == {
        "demographics",
        "medical_history",
        "psychiatric_history",
        "trials",
        "current_medications",
        "questionnaires",
        "home_vitals",
        "home",
    }


def test_submit_needs_the_pcl5_when_the_indication_is_ptsd(patient, draft, signed):
    Patient.objects.filter(pk=patient.pk).update(indication=Indication.PTSD)
    draft.refresh_from_db()
    services.save_intake_draft(patient.user, draft, intake_specs.draft(complete()))
    with pytest.raises(ValidationError) as err:
        services.submit_intake(patient.user, draft)
    assert set(err.value.message_dict) == {"questionnaires.pcl5"}


def test_submit_checks_rules_across_items(patient, draft, signed):
    # C-SSRS: Q3 is asked only after a yes to Q2.
    data = complete(questionnaires__cssrs_screen=[0, 0, 1, 0, 0, 0, 0])
    services.save_intake_draft(patient.user, draft, intake_specs.draft(data))
    with pytest.raises(ValidationError) as err:
        services.submit_intake(patient.user, draft)
    assert set(err.value.message_dict) == {"questionnaires.cssrs_screen"}
    assert not QuestionnaireResponse.objects.exists()


def test_submit_needs_the_current_consent_signed(patient, draft, consent_document):
    services.save_intake_draft(patient.user, draft, intake_specs.draft(complete()))
    with pytest.raises(ConsentRequired) as err:
        services.submit_intake(patient.user, draft)
    assert err.value.code == "consent_required"
    draft.refresh_from_db()
    patient.refresh_from_db()
    assert (draft.status, patient.phase) == (IntakeStatus.DRAFT, Phase.INTAKE)
    assert not QuestionnaireResponse.objects.exists()


def test_submit_needs_the_newest_consent_version(patient, draft, signed, clinic_admin):
    patient_services.publish_consent(
        clinic_admin, patient.clinic, ConsentDocumentSpec(title="Consent v2", body="New risks.")
    )
    services.save_intake_draft(patient.user, draft, intake_specs.draft(complete()))
    with pytest.raises(ConsentRequired):
        services.submit_intake(patient.user, draft)


def test_patient_submits_a_complete_intake(patient, draft, signed):
    services.save_intake_draft(patient.user, draft, intake_specs.draft(complete()))
    before = AuditEntry.objects.count()
    submitted = services.submit_intake(patient.user, draft)

    submitted.refresh_from_db()
    assert submitted.status == IntakeStatus.SUBMITTED
    assert (submitted.submitted_at, submitted.submitted_by) == (NOW, patient.user)
    # Baseline questionnaires, scored by the clinical core (no PCL-5: the indication is TRD).
    responses = {r.instrument: r for r in QuestionnaireResponse.objects.filter(patient=patient)}
    assert set(responses) == {"phq9", "gad7", "cssrs_screen", "auditc", "dast10"}
    assert (responses["phq9"].total, responses["phq9"].band) == (16, "moderately_severe")
    assert responses["gad7"].total == 7
    assert responses["dast10"].total == 0
    assert {r.recorded_at for r in responses.values()} == {NOW}
    assert {r.submitted_by for r in responses.values()} == {patient.user}
    # Eligibility.
    eligibility = submitted.eligibility
    assert eligibility["decision"] == "eligible"
    assert eligibility["trd"] is True
    assert eligibility["failed_adequate_trials"] == 2
    assert eligibility["maudsley"] is None
    assert eligibility["assessed_on"] == "2025-03-10"
    assert [f["code"] for f in eligibility["findings"]] == ["treatment_resistant"]
    assert set(eligibility["findings"][0]) == {"code", "severity", "message", "source"}
    assert [r["counts"] for r in eligibility["trial_reviews"]] == [True, True]
    # Phase: the patient's own submission.
    patient.refresh_from_db()
    assert patient.phase == Phase.UNDER_REVIEW
    change = PhaseChange.objects.get(patient=patient, to_phase=Phase.UNDER_REVIEW)
    assert (change.actor, change.reason) == (patient.user, "the patient's own submission")
    # The demographics wait for the review.
    assert str(patient.weight_kg) == "70.0"
    # Audit: one entry for the submission; the questionnaires and the phase have theirs.
    new = AuditEntry.objects.filter(seq__gt=before)
    assert [e.action for e in new.filter(object_type="intake.Intake")] == [AuditAction.UPDATE]
    assert new.filter(object_type="intake.Intake").get().detail == {"status": "submitted"}
    assert new.filter(object_type="assessments.QuestionnaireResponse").count() == 5
    assert new.filter(object_type="patients.Patient").count() == 1
    assert verify().ok


def test_coordinator_submits_for_the_patient_through_the_phase_service(
    patient, draft, signed, coordinator
):
    services.save_intake_draft(coordinator, draft, intake_specs.draft(complete()))
    services.submit_intake(coordinator, draft)
    change = PhaseChange.objects.get(patient=patient, to_phase=Phase.UNDER_REVIEW)
    assert (change.actor, change.reason) == (coordinator, "")
    assert set(QuestionnaireResponse.objects.values_list("submitted_by", flat=True)) == {
        coordinator.pk
    }


def test_age_is_counted_on_the_patients_own_calendar_day(patient, draft, signed):
    # 05:00 UTC on 11 March is still 10 March in Pago Pago (UTC-11): a birth date of
    # 11 March is not in the future for the server, but it is for the patient.
    Patient.objects.filter(pk=patient.pk).update(timezone="Pacific/Pago_Pago")
    draft.refresh_from_db()
    with time_machine.travel(NOW.replace(day=11, hour=5), tick=False):
        data = complete(demographics__date_of_birth="2025-03-11")
        services.save_intake_draft(patient.user, draft, intake_specs.draft(data))
        with pytest.raises(ValidationError) as err:
            services.submit_intake(patient.user, draft)
    assert set(err.value.message_dict) == {"demographics.date_of_birth"}


def test_ptsd_patient_submits_a_pcl5_baseline(patient, draft, signed):
    Patient.objects.filter(pk=patient.pk).update(indication=Indication.PTSD)
    draft.refresh_from_db()
    data = complete(questionnaires__pcl5=PCL5)
    services.save_intake_draft(patient.user, draft, intake_specs.draft(data))
    services.submit_intake(patient.user, draft)
    pcl5 = QuestionnaireResponse.objects.get(patient=patient, instrument="pcl5")
    assert pcl5.total == 40


@pytest.mark.parametrize(
    ("changes", "decision", "codes"),
    [
        (
            {"current_medications": [{"name": "lorazepam", "classes": ["benzodiazepine"]}]},
            "needs_review",
            {"concurrent_benzodiazepine"},
        ),
        ({"home__sitter_available": False}, "needs_review", {"no_reliable_sitter"}),
        ({"questionnaires__auditc": [3, 1, 0]}, "needs_review", {"positive_audit_c"}),
        (
            {"home_vitals": {"systolic_mmhg": 150, "diastolic_mmhg": 85, "heart_rate_bpm": 80}},
            "needs_review",
            {"blood_pressure_above_gate"},
        ),
        ({"psychiatric_history__psychotic_disorder": True}, "ineligible", {"psychotic_disorder"}),
        ({"demographics__date_of_birth": "2010-01-01"}, "ineligible", {"age_under_18"}),
        # C-SSRS intent (Q4) at intake: no at-home treatment; a method (Q3): justify it.
        (
            {"questionnaires__cssrs_screen": [1, 1, 0, 1, 0, 0, 0]},
            "ineligible",
            {"cssrs_high_risk"},
        ),
        (
            {"questionnaires__cssrs_screen": [1, 1, 1, 0, 0, 0, 0]},
            "needs_review",
            {"cssrs_moderate_risk"},
        ),
        # DAST-10 of 3 (items 1, 2 and 4 yes; item 3 yes scores 0): a caution.
        (
            {"questionnaires__dast10": [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]},
            "needs_review",
            {"dast10_drug_use"},
        ),
    ],
)
@pytest.mark.usefixtures("signed")
def test_submit_stores_the_findings_of_the_clinical_core(patient, draft, changes, decision, codes):
    services.save_intake_draft(patient.user, draft, intake_specs.draft(complete(**changes)))
    submitted = services.submit_intake(patient.user, draft)
    assert submitted.eligibility["decision"] == decision
    found = {f["code"] for f in submitted.eligibility["findings"] if f["severity"] != "info"}
    assert found == codes


def test_submit_stages_maudsley_when_staff_rated_it(patient, draft, signed, clinician):
    # The patient's intake holds no Maudsley domains: a clinician rates them (issue 14).
    services.save_intake_draft(patient.user, draft, intake_specs.draft(complete()))
    services.submit_intake(patient.user, draft)
    maudsley = {"duration": 2, "severity": 3, "treatment_failures": 4}
    submitted = services.rate_intake(clinician, draft, StaffRatingSpec(maudsley=maudsley))
    assert submitted.eligibility["maudsley"] == {
        "total": 9,
        "band": "moderate",
        "duration": 2,
        "severity": 3,
        "treatment_failures": 4,
    }


def test_submit_refuses_a_submitted_intake(patient, draft, signed):
    services.save_intake_draft(patient.user, draft, intake_specs.draft(complete()))
    services.submit_intake(patient.user, draft)
    with pytest.raises(IntakeNotOpen):
        services.submit_intake(patient.user, draft)
    draft.refresh_from_db()
    with pytest.raises(IntakeNotOpen):
        services.submit_intake(patient.user, draft)
    assert QuestionnaireResponse.objects.count() == 5


def test_submit_refuses_when_the_patient_is_not_in_intake(patient, draft, signed, coordinator):
    services.save_intake_draft(patient.user, draft, intake_specs.draft(complete()))
    # Staff moved the phase already.
    patient_services.move_patient(coordinator, patient, PhaseMoveSpec(target=Phase.UNDER_REVIEW))
    draft.refresh_from_db()
    with pytest.raises(WrongPhase):
        services.submit_intake(patient.user, draft)
    assert not QuestionnaireResponse.objects.exists()


@pytest.mark.usefixtures("signed")
def test_submit_refuses_other_roles_and_clinics(patient, draft, clinician, other_clinic):
    clinic = patient.clinic
    services.save_intake_draft(patient.user, draft, intake_specs.draft(complete()))
    with pytest.raises(NotAllowed):
        services.submit_intake(clinician, draft)
    with pytest.raises(NotAllowed):
        services.submit_intake(UserFactory(clinic=clinic, roles=[Role.SITTER]), draft)
    with pytest.raises(NotFound):
        services.submit_intake(UserFactory(clinic=other_clinic, coordinator=True), draft)
    with pytest.raises(NotFound):
        services.submit_intake(PatientFactory(clinic=clinic, with_account=True).user, draft)
    draft.refresh_from_db()
    assert draft.status == IntakeStatus.DRAFT
    assert not QuestionnaireResponse.objects.exists()


def test_returned_for_more_information_starts_from_the_last_submission(
    patient, draft, signed, clinician
):
    services.save_intake_draft(patient.user, draft, intake_specs.draft(complete()))
    services.submit_intake(patient.user, draft)
    back = PhaseMoveSpec(target=Phase.INTAKE, reason="Please add your second trial's dose.")
    patient_services.move_patient(clinician, patient, back)
    again = services.start_intake(patient.user, patient)
    assert again.pk != draft.pk
    assert again.data == COMPLETE


def test_a_started_intake_carries_its_patient_in_the_new_phase(coordinator, clinic):
    from ketacare.intake import services as intake_services  # noqa: PLC0415
    from ketacare.patients.phases import Phase  # noqa: PLC0415
    from tests.factories import PatientFactory  # noqa: PLC0415

    screening = PatientFactory(clinic=clinic, with_account=True)
    intake = intake_services.start_intake(coordinator, screening)
    assert intake.patient.phase == Phase.INTAKE
    # ...so the draft can be saved straight away with the returned object.
    assert (
        intake_services.save_intake_draft(coordinator, intake, intake_specs.draft({})).pk
        == intake.pk
    )
