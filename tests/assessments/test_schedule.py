"""Which questionnaires are due, and overdue: by phase, indication, flags and the patient clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from ketacare.assessments.models import ClinicQuestionnaireSettings, QuestionnaireResponse
from ketacare.assessments.queries import due_questionnaires, questionnaire_schedule
from ketacare.assessments.schedules import DEFAULT_SCHEDULE, days_later
from ketacare.assessments.services import configure_questionnaire_schedule, submit_questionnaire
from ketacare.assessments.specs import questionnaire, schedule
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.kernel.errors import NotAllowed
from ketacare.patients import services as patient_services
from ketacare.patients.models import Indication, Patient, PhaseChange
from ketacare.patients.phases import Phase
from ketacare.patients.specs import PhaseMoveSpec
from tests.factories import PatientFactory, UserFactory

NEW_YORK = ZoneInfo("America/New_York")
START = datetime(2025, 2, 3, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York (EST)
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
PHQ9 = [1] * 8 + [0]  # no answer on item 9 (suicidal thoughts)
PHQ9_SUICIDALITY = [0] * 8 + [1]
CSSRS_NONE = [0] * 7
ANSWERS = {"phq9": PHQ9, "gad7": [1] * 7, "pcl5": [1] * 20, "cssrs_screen": CSSRS_NONE}


@pytest.fixture(autouse=True)
def _late_clock(clock):
    # Responses are recorded in the past: the clock stands after every time used here.
    clock.move_to(datetime(2026, 1, 1, tzinfo=UTC))


def _patient(clinic, phase, since=START, **fields) -> Patient:
    if phase is Phase.PAUSED:
        fields.setdefault("paused_from", Phase.INDUCTION)
    return PatientFactory(clinic=clinic, phase=phase, phase_since=since, **fields)


def _answer(actor, patient, instrument, at, answers=None):
    return submit_questionnaire(
        actor,
        patient,
        questionnaire(
            instrument=instrument, answers=answers or ANSWERS[instrument], recorded_at=at
        ),
    )


# The routine monitoring on treatment (issue 14, item 8) is tested on its own below;
# the tests of the other instruments leave its periodic items aside.
ROUTINE = frozenset({"cssrs_screen", "bladder", "dast10"})


def _not_routine(items):
    return [i for i in items if not (i.instrument in ROUTINE and i.reason.startswith("every"))]


def _due(patient, at) -> dict[str, tuple[datetime, bool]]:
    return {
        i.instrument: (i.due_at, i.overdue)
        for i in _not_routine(due_questionnaires(patient, at=at))
    }


# --- Phases ---------------------------------------------------------------------------


def test_nothing_is_due_in_screening(clinic):
    assert due_questionnaires(_patient(clinic, Phase.SCREENING), at=START + 60 * DAY) == []


def test_cssrs_is_due_from_the_start_of_intake_until_recorded(clock, clinic, coordinator):
    patient = _patient(clinic, Phase.SCREENING)
    clock.move_to(START)
    patient = patient_services.move_patient(
        coordinator, patient, PhaseMoveSpec(target=Phase.INTAKE)
    )
    clock.move_to(datetime(2026, 1, 1, tzinfo=UTC))
    assert _due(patient, START) == {"cssrs_screen": (START, False)}
    assert _due(patient, START + SECOND) == {"cssrs_screen": (START, True)}
    [item] = due_questionnaires(patient, at=START + DAY)
    assert item.reason == "at intake"
    _answer(coordinator, patient, "cssrs_screen", START + DAY)
    assert due_questionnaires(patient, at=START + 2 * DAY) == []


def test_a_cssrs_from_before_intake_does_not_count_for_intake(clinic, coordinator):
    patient = _patient(clinic, Phase.SCREENING)
    _answer(coordinator, patient, "cssrs_screen", START - DAY)
    Patient.objects.filter(pk=patient.pk).update(phase=Phase.INTAKE, phase_since=START)
    patient.refresh_from_db()
    assert _due(patient, START + DAY) == {"cssrs_screen": (START, True)}


@pytest.mark.parametrize("phase", [Phase.UNDER_REVIEW, Phase.APPROVED])
def test_a_missing_intake_cssrs_stays_due_until_treatment(clinic, phase):
    # Without phase history the start of the current phase stands in for intake.
    patient = _patient(clinic, phase)
    assert _due(patient, START + DAY) == {"cssrs_screen": (START, True)}


def test_intake_counts_from_the_first_entry_into_intake(clock, clinic, coordinator):
    patient = _patient(clinic, Phase.SCREENING)
    clock.move_to(START)
    patient = patient_services.move_patient(
        coordinator, patient, PhaseMoveSpec(target=Phase.INTAKE)
    )
    clock.move_to(datetime(2026, 1, 1, tzinfo=UTC))
    _answer(coordinator, patient, "cssrs_screen", START + DAY)
    # Returned to intake from review later: the first intake's C-SSRS still counts.
    returned = START + 10 * DAY
    PhaseChange.objects.create(
        patient=patient, from_phase=Phase.UNDER_REVIEW, to_phase=Phase.INTAKE, at=returned
    )
    Patient.objects.filter(pk=patient.pk).update(phase_since=returned)
    patient.refresh_from_db()
    assert due_questionnaires(patient, at=START + 11 * DAY) == []


def test_induction_without_responses_makes_the_periodic_ones_due_at_its_start(clinic):
    patient = _patient(clinic, Phase.INDUCTION, indication=Indication.TRD)
    assert _due(patient, START + DAY) == {"phq9": (START, True), "gad7": (START, True)}


def test_a_stale_baseline_makes_the_first_induction_item_due_on_day_one(clinic, clinician):
    patient = _patient(clinic, Phase.INDUCTION)
    _answer(clinician, patient, "phq9", START - 21 * DAY)
    assert _due(patient, START)["phq9"] == (START, False)


def test_a_recent_baseline_carries_into_induction(clinic, clinician):
    patient = _patient(clinic, Phase.INDUCTION)
    _answer(clinician, patient, "phq9", START - 2 * DAY)
    items = {i.instrument: i for i in questionnaire_schedule(patient, at=START)}
    assert items["phq9"].due_at == START + 5 * DAY
    assert items["phq9"].reason == "every 7 days in induction"


def test_phq9_is_weekly_in_induction(clinic, clinician):
    patient = _patient(clinic, Phase.INDUCTION)
    _answer(clinician, patient, "phq9", START)
    _answer(clinician, patient, "gad7", START)
    due_at = START + 7 * DAY
    assert _due(patient, due_at - SECOND) == {}
    upcoming = _not_routine(questionnaire_schedule(patient, at=due_at - SECOND))
    assert [(i.instrument, i.due_at, i.overdue) for i in upcoming] == [
        ("phq9", due_at, False),
        ("gad7", START + 14 * DAY, False),
    ]
    assert _due(patient, due_at) == {"phq9": (due_at, False)}
    assert _due(patient, due_at + SECOND) == {"phq9": (due_at, True)}
    _answer(clinician, patient, "phq9", due_at + DAY)
    assert _due(patient, due_at + DAY) == {}


def test_phq9_and_gad7_every_two_weeks_in_maintenance(clinic, clinician):
    patient = _patient(clinic, Phase.MAINTENANCE)
    _answer(clinician, patient, "phq9", START)
    _answer(clinician, patient, "gad7", START + DAY)
    assert _due(patient, START + 13 * DAY) == {}
    assert _due(patient, START + 14 * DAY) == {"phq9": (START + 14 * DAY, False)}
    assert _due(patient, START + 15 * DAY + SECOND) == {
        "phq9": (START + 14 * DAY, True),
        "gad7": (START + 15 * DAY, True),
    }


@pytest.mark.parametrize(
    ("indication", "scheduled"),
    [(Indication.PTSD, {"phq9", "gad7", "pcl5"}), (Indication.MDD, {"phq9", "gad7"})],
)
def test_pcl5_every_four_weeks_only_for_ptsd(clinic, clinician, indication, scheduled):
    patient = _patient(clinic, Phase.MAINTENANCE, indication=indication)
    for code in ("phq9", "gad7", "pcl5"):
        _answer(clinician, patient, code, START)
    items = {
        i.instrument: i.due_at for i in _not_routine(questionnaire_schedule(patient, at=START))
    }
    assert set(items) == scheduled
    if "pcl5" in items:
        assert items["pcl5"] == START + 28 * DAY


def test_nothing_periodic_is_due_while_paused(clinic, clinician):
    patient = _patient(clinic, Phase.PAUSED)
    _answer(clinician, patient, "phq9", START - 60 * DAY)
    assert due_questionnaires(patient, at=START + 60 * DAY) == []


def test_a_flag_while_paused_still_calls_for_a_cssrs(clinic, clinician):
    patient = _patient(clinic, Phase.PAUSED)
    _answer(clinician, patient, "phq9", START + DAY, PHQ9_SUICIDALITY)
    assert _due(patient, START + 2 * DAY) == {"cssrs_screen": (START + DAY, True)}


@pytest.mark.parametrize("phase", [Phase.DECLINED, Phase.DISCHARGED])
def test_nothing_is_due_after_decline_or_discharge_even_after_a_flag(clinic, clinician, phase):
    patient = _patient(clinic, Phase.MAINTENANCE)
    _answer(clinician, patient, "phq9", START, PHQ9_SUICIDALITY)
    Patient.objects.filter(pk=patient.pk).update(phase=phase, phase_since=START + DAY)
    patient.refresh_from_db()
    assert questionnaire_schedule(patient, at=START + 30 * DAY) == []


# --- Suicidality flags --------------------------------------------------------------------


def test_a_suicidality_flag_makes_a_cssrs_due_until_one_is_recorded(clinic, clinician):
    patient = _patient(clinic, Phase.INDUCTION)
    _answer(clinician, patient, "cssrs_screen", START - DAY)
    _answer(clinician, patient, "phq9", START + DAY, PHQ9_SUICIDALITY)
    _answer(clinician, patient, "phq9", START + 2 * DAY, PHQ9_SUICIDALITY)
    items = {i.instrument: i for i in due_questionnaires(patient, at=START + 3 * DAY)}
    assert items["cssrs_screen"].due_at == START + DAY  # from the first flag after the last one
    assert items["cssrs_screen"].overdue
    assert items["cssrs_screen"].reason == "after a suicidality flag"
    _answer(clinician, patient, "cssrs_screen", START + 3 * DAY)
    assert "cssrs_screen" not in _due(patient, START + 4 * DAY)


def test_a_flagged_cssrs_does_not_call_for_another(clinic, clinician):
    patient = _patient(clinic, Phase.MAINTENANCE)
    _answer(clinician, patient, "cssrs_screen", START, [1, 1, 1, 1, 0, 0, 0])
    assert QuestionnaireResponse.objects.get().flags == ["suicidality"]
    assert "cssrs_screen" not in _due(patient, START + DAY)


def test_a_flag_before_the_last_cssrs_is_answered(clinic, clinician):
    patient = _patient(clinic, Phase.MAINTENANCE)
    _answer(clinician, patient, "phq9", START, PHQ9_SUICIDALITY)
    _answer(clinician, patient, "cssrs_screen", START + DAY)
    assert "cssrs_screen" not in _due(patient, START + 2 * DAY)


def test_responses_after_at_are_not_yet_known(clinic, clinician):
    patient = _patient(clinic, Phase.MAINTENANCE)
    _answer(clinician, patient, "phq9", START, PHQ9_SUICIDALITY)
    _answer(clinician, patient, "cssrs_screen", START + 5 * DAY)
    assert _due(patient, START + DAY)["cssrs_screen"] == (START, True)


def test_at_must_be_aware(clinic):
    patient = _patient(clinic, Phase.INDUCTION)
    with pytest.raises(ValueError, match="aware"):
        due_questionnaires(patient, at=datetime(2025, 2, 3, 9, 0))  # noqa: DTZ001 - under test


# --- The patient's clock across DST -----------------------------------------------------


def test_weekly_means_the_same_local_time_across_spring_forward(clinic, clinician):
    # New York moves to EDT on Sunday 9 March 2025: that week has 167 hours.
    patient = _patient(clinic, Phase.INDUCTION, since=datetime(2025, 2, 24, 14, tzinfo=UTC))
    done = datetime(2025, 3, 3, 9, 0, tzinfo=NEW_YORK)  # 14:00 UTC
    _answer(clinician, patient, "phq9", done)
    due_at = datetime(2025, 3, 10, 9, 0, tzinfo=NEW_YORK)
    assert due_at == datetime(2025, 3, 10, 13, 0, tzinfo=UTC)
    # (In UTC: Python subtracts two times of one zone by their wall clocks.)
    assert due_at.astimezone(UTC) - done.astimezone(UTC) == timedelta(hours=167)
    assert "phq9" not in _due(patient, due_at - SECOND)
    assert _due(patient, due_at)["phq9"] == (due_at, False)
    # A clock that added 168 hours would not yet call it due, let alone overdue.
    assert _due(patient, due_at + timedelta(minutes=30))["phq9"] == (due_at, True)


def test_weekly_means_the_same_local_time_across_fall_back(clinic, clinician):
    # New York returns to EST on Sunday 2 November 2025: that week has 169 hours.
    patient = _patient(clinic, Phase.INDUCTION, since=datetime(2025, 10, 20, 13, tzinfo=UTC))
    done = datetime(2025, 10, 27, 9, 0, tzinfo=NEW_YORK)  # 13:00 UTC
    _answer(clinician, patient, "phq9", done)
    due_at = datetime(2025, 11, 3, 14, 0, tzinfo=UTC)  # 09:00 EST
    assert due_at - done == timedelta(hours=169)
    assert "phq9" not in _due(patient, due_at - timedelta(minutes=30))
    assert _due(patient, due_at)["phq9"] == (due_at, False)


def test_days_later_reads_skipped_and_repeated_wall_times_like_the_dosing_schedules():
    # 02:30 does not exist on 9 March: read with the offset before the change (03:30 EDT).
    skipped = days_later(datetime(2025, 3, 2, 2, 30, tzinfo=NEW_YORK), 7, NEW_YORK)
    assert skipped == datetime(2025, 3, 9, 7, 30, tzinfo=UTC)
    # 01:30 happens twice on 2 November: the first occurrence (EDT).
    repeated = days_later(datetime(2025, 10, 26, 1, 30, tzinfo=NEW_YORK), 7, NEW_YORK)
    assert repeated == datetime(2025, 11, 2, 5, 30, tzinfo=UTC)
    assert days_later(START, 14, NEW_YORK).tzinfo is UTC


def test_due_times_follow_the_patients_zone_not_the_clinics(clinic, clinician):
    patient = _patient(
        clinic, Phase.INDUCTION, since=datetime(2025, 3, 20, tzinfo=UTC), timezone="Europe/London"
    )
    done = datetime(2025, 3, 24, 9, 0, tzinfo=UTC)  # 09:00 GMT; London moves to BST on 30 March
    _answer(clinician, patient, "phq9", done)
    [item] = [i for i in questionnaire_schedule(patient, at=done) if i.instrument == "phq9"]
    assert item.due_at == datetime(2025, 3, 31, 8, 0, tzinfo=UTC)  # 09:00 BST


# --- A clinic's own schedule ------------------------------------------------------------


def test_a_grace_period_delays_overdue(clinic, clinic_admin, clinician):
    configure_questionnaire_schedule(clinic_admin, clinic, schedule({}, 24))
    patient = _patient(clinic, Phase.INDUCTION)
    _answer(clinician, patient, "phq9", START)
    due_at = START + 7 * DAY
    assert _due(patient, due_at + DAY)["phq9"] == (due_at, False)
    assert _due(patient, due_at + DAY + SECOND)["phq9"] == (due_at, True)


def test_a_clinic_changes_intervals_adds_and_removes_instruments(
    clinic, other_clinic, clinic_admin, clinician
):
    configure_questionnaire_schedule(
        clinic_admin,
        clinic,
        schedule(
            {
                "phq9": {"every_days": {"induction": 3}},
                "pcl5": None,
                "madrs": {"every_days": {"induction": 14}},
            }
        ),
    )
    patient = _patient(clinic, Phase.INDUCTION, indication=Indication.PTSD)
    _answer(clinician, patient, "phq9", START)
    items = {
        i.instrument: i.due_at for i in _not_routine(questionnaire_schedule(patient, at=START))
    }
    assert items == {"phq9": START + 3 * DAY, "gad7": START, "madrs": START}
    # The other fields of the default PHQ-9 rule are kept; nothing scheduled in maintenance.
    settings = ClinicQuestionnaireSettings.objects.get(clinic=clinic).schedule()
    assert settings.rule("phq9").every_days == {Phase.INDUCTION: 3}
    assert settings.rule("cssrs_screen") == DEFAULT_SCHEDULE.rule("cssrs_screen")
    # Another clinic keeps the defaults.
    elsewhere = _patient(other_clinic, Phase.INDUCTION, indication=Indication.PTSD)
    assert {i.instrument for i in _not_routine(questionnaire_schedule(elsewhere, at=START))} == {
        "phq9",
        "gad7",
        "pcl5",
    }


def test_a_clinic_may_narrow_an_instrument_to_indications_and_turn_off_flag_follow_up(
    clinic, clinic_admin, clinician
):
    configure_questionnaire_schedule(
        clinic_admin,
        clinic,
        schedule(
            {
                "gad7": {"indications": ["ptsd"]},
                "cssrs_screen": {"after_suicidality_flag": False, "at_intake": True},
            }
        ),
    )
    patient = _patient(clinic, Phase.INDUCTION, indication=Indication.MDD)
    _answer(clinician, patient, "phq9", START, PHQ9_SUICIDALITY)
    assert set(_due(patient, START + 7 * DAY)) == {"phq9"}


def test_changing_the_settings_again_updates_them_and_audits_each_change(clinic, clinic_admin):
    first = configure_questionnaire_schedule(clinic_admin, clinic, schedule({"pcl5": None}))
    second = configure_questionnaire_schedule(clinic_admin, clinic, schedule({}, 2))
    assert first.pk == second.pk
    second.refresh_from_db()
    assert (second.instruments, second.grace_hours) == ({}, 2)
    entries = AuditEntry.objects.filter(object_type="assessments.ClinicQuestionnaireSettings")
    assert [e.action for e in entries.order_by("seq")] == [AuditAction.CREATE, AuditAction.UPDATE]


@pytest.mark.parametrize(
    ("instruments", "grace_hours", "path"),
    [
        ({"beck": {}}, 0, "instruments.beck"),
        ({"phq9": 7}, 0, "instruments.phq9"),
        ({"phq9": {"weekly": True}}, 0, "instruments.phq9.weekly"),
        ({"phq9": {"every_days": 7}}, 0, "instruments.phq9.every_days"),
        ({"phq9": {"every_days": {"discharged": 7}}}, 0, "instruments.phq9.every_days.discharged"),
        ({"phq9": {"every_days": {"induction": 0}}}, 0, "instruments.phq9.every_days.induction"),
        ({"phq9": {"every_days": {"induction": 7.0}}}, 0, "instruments.phq9.every_days.induction"),
        ({"phq9": {"every_days": {"induction": 366}}}, 0, "instruments.phq9.every_days.induction"),
        ({"pcl5": {"indications": ["flu"]}}, 0, "instruments.pcl5.indications"),
        ({"pcl5": {"indications": "ptsd"}}, 0, "instruments.pcl5.indications"),
        ({"cssrs_screen": {"at_intake": 1}}, 0, "instruments.cssrs_screen.at_intake"),
        ([], 0, "instruments"),
        ({}, -1, "grace_hours"),
        ({}, 24 * 30 + 1, "grace_hours"),
        ({}, True, "grace_hours"),
    ],
)
def test_bad_settings_name_the_path_and_store_nothing(
    clinic, clinic_admin, instruments, grace_hours, path
):
    with pytest.raises(ValidationError) as err:
        configure_questionnaire_schedule(clinic_admin, clinic, schedule(instruments, grace_hours))
    assert list(err.value.message_dict) == [path]
    assert ClinicQuestionnaireSettings.objects.count() == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize("who", ["clinician", "coordinator", "outsider", "other_admin"])
def test_only_the_clinics_administrators_change_its_schedule(request, clinic, other_clinic, who):
    if who == "other_admin":
        actor = UserFactory(clinic=other_clinic, clinic_admin=True)
    else:
        actor = request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        configure_questionnaire_schedule(actor, clinic, schedule({"pcl5": None}))
    assert ClinicQuestionnaireSettings.objects.count() == 0


def test_the_model_validates_its_settings_too(clinic):
    settings = ClinicQuestionnaireSettings(clinic=clinic, instruments={"phq9": {"every_days": 1}})
    with pytest.raises(ValidationError):
        settings.full_clean()


# --- Routine monitoring on treatment (CLINICAL.md G3, G10, A10) ---------------------------


@pytest.mark.parametrize(
    ("instrument", "every"), [("cssrs_screen", 14), ("bladder", 30), ("dast10", 90)]
)
@pytest.mark.parametrize("phase", [Phase.INDUCTION, Phase.MAINTENANCE])
def test_routine_checks_are_due_on_treatment(clinic, clinician, phase, instrument, every):
    patient = _patient(clinic, phase)
    [item] = [i for i in questionnaire_schedule(patient, at=START) if i.instrument == instrument]
    assert (item.due_at, item.reason) == (START, f"every {every} days in {phase.words}")
    _answer(clinician, patient, instrument, START, ROUTINE_ANSWERS[instrument])
    [item] = [i for i in questionnaire_schedule(patient, at=START) if i.instrument == instrument]
    # On the patient's wall clock (a clock change in 90 days moves the UTC time).
    assert item.due_at == days_later(START, every, ZoneInfo(patient.timezone))


@pytest.mark.parametrize("phase", [Phase.INTAKE, Phase.APPROVED, Phase.PAUSED])
def test_no_routine_bladder_or_misuse_check_off_treatment(clinic, phase):
    due = {i.instrument for i in questionnaire_schedule(_patient(clinic, phase), at=START)}
    assert not due & {"bladder", "dast10"}


ROUTINE_ANSWERS = {
    "cssrs_screen": CSSRS_NONE,
    "bladder": [0, 0, 0, 0],
    "dast10": [0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
}
