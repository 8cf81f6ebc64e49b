"""A clinic may revise plans only after a prescriber's signed review note on the chart.

The setting is the clinic protocol's (off by default: docs/clinical-defaults.md).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from ketacare.accounts.models import Clinic, User
from ketacare.kernel import specs
from ketacare.notes import services as notes
from ketacare.notes.models import Note
from ketacare.notes.specs import NoteSpec
from ketacare.patients.models import ClinicProtocol, Patient
from ketacare.patients.protocol import change_protocol, review_note_required
from ketacare.patients.specs import ProtocolSpec
from ketacare.treatment import services
from ketacare.treatment.errors import ReviewNoteMissing
from ketacare.treatment.models import TreatmentPlan
from tests.treatment.helpers import revision

pytestmark = pytest.mark.django_db

REFUSAL = (
    "Write and sign a prescriber review note on the chart first: this clinic revises a plan "
    "only after one, signed since version 1 was made."
)


def require_note(clinic: Clinic, admin: User, *, on: bool = True) -> ClinicProtocol:
    spec = ProtocolSpec(
        changes={}, reason="Medical director's decision", review_note_before_revision=on
    )
    return change_protocol(admin, clinic, spec)


def review_note(author: User, patient: Patient, kind: str = "prescriber_review") -> Note:
    spec = specs.read(NoteSpec, {"kind": kind, "body": "Reviewed scores and side effects."})
    return notes.sign_note(author, notes.draft_note(author, patient, spec))


def step_down(prescriber: User, plan: TreatmentPlan) -> TreatmentPlan:
    return services.revise_plan(prescriber, plan, revision(dose_mg=75, reason="Step down"))


@pytest.fixture
def required(clinic: Clinic, clinic_admin: User) -> ClinicProtocol:
    """The clinic asks for a prescriber's review note before a plan revision."""
    return require_note(clinic, clinic_admin)


@pytest.fixture
def later(clock: time_machine.Coordinates, plan: TreatmentPlan) -> time_machine.Coordinates:
    """A minute on from when the plan was written."""
    clock.shift(timedelta(minutes=1))
    return clock


def test_by_default_a_plan_is_revised_without_a_note(prescriber, plan, clinic):
    assert not review_note_required(clinic.pk)
    assert step_down(prescriber, plan).version == 2


def test_with_the_setting_on_a_revision_without_a_note_is_refused(
    prescriber, plan, clinic, clinic_admin
):
    require_note(clinic, clinic_admin)
    with pytest.raises(ReviewNoteMissing) as err:
        step_down(prescriber, plan)
    assert err.value.message == REFUSAL
    assert list(TreatmentPlan.objects.values_list("version", "is_current")) == [(1, True)]


@pytest.mark.usefixtures("required", "later")
def test_with_the_setting_on_a_prescribers_signed_review_note_lets_the_revision_through(
    prescriber, approved, plan
):
    review_note(prescriber, approved)
    assert step_down(prescriber, plan).version == 2


@pytest.mark.parametrize(
    "problem", ["a draft", "another kind", "signed by a clinician", "before the version"]
)
@pytest.mark.usefixtures("required")
def test_with_the_setting_on_only_a_prescribers_signed_review_note_since_the_version_counts(
    problem, prescriber, clinician, plan, later
):
    approved = plan.patient
    if problem == "a draft":
        spec = specs.read(NoteSpec, {"kind": "prescriber_review", "body": "Draft"})
        notes.draft_note(prescriber, approved, spec)
    elif problem == "another kind":
        review_note(prescriber, approved, kind="phone_call")
    elif problem == "signed by a clinician":
        review_note(clinician, approved)
    else:
        review_note(prescriber, approved)
        later.shift(timedelta(minutes=1))
        plan = step_down(prescriber, plan)  # version 2 uses the note up
        later.shift(timedelta(minutes=1))
    with pytest.raises(ReviewNoteMissing, match="Write and sign a prescriber review note"):
        step_down(prescriber, plan)


def test_turning_the_setting_off_again_lets_revisions_through(
    prescriber, plan, clinic, clinic_admin
):
    require_note(clinic, clinic_admin)
    require_note(clinic, clinic_admin, on=False)
    assert step_down(prescriber, plan).version == 2


def test_the_setting_is_kept_when_another_setting_changes(clinic, clinic_admin):
    require_note(clinic, clinic_admin)
    change_protocol(
        clinic_admin, clinic, ProtocolSpec(changes={"bp_tries_per_day": 2}, reason="Tighter")
    )
    assert review_note_required(clinic.pk)
    assert ClinicProtocol.objects.get(is_current=True).version == 2


def test_setting_it_to_what_it_is_changes_nothing_and_is_refused(clinic, clinic_admin):
    with pytest.raises(ValidationError, match="Nothing changes"):
        require_note(clinic, clinic_admin, on=False)
