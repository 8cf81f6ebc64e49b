"""The forms of a patient's record in the workspace: register or edit it, move its phase.

Each builds the patients app's spec (`patients.specs`); the service checks nothing of a
field's shape again.
"""

from __future__ import annotations

from typing import Any

from django import forms

from ketacare.accounts.models import User
from ketacare.kernel import policy, specs
from ketacare.patients.models import Patient
from ketacare.patients.phases import MADE_ELSEWHERE, Phase, allowed_next, decided_by
from ketacare.patients.services import PATIENT_FIELDS, may_move
from ketacare.patients.specs import PatientSpec, PhaseMoveSpec, RegistrationSpec


class PatientForm(forms.ModelForm[Patient]):
    class Meta:
        model = Patient
        fields = PATIENT_FIELDS
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"})}

    def spec(self) -> PatientSpec:
        return specs.read(PatientSpec, {name: self.cleaned_data[name] for name in PATIENT_FIELDS})


class RegistrationForm(PatientForm):
    """A new record; a possible duplicate is confirmed here once it was flagged."""

    not_a_duplicate = forms.BooleanField(
        required=False,
        label="This is a different person",
        help_text="Only when the record was flagged as possibly someone the clinic has: "
        "tick it after checking, to register them anyway.",
    )

    def spec(self) -> RegistrationSpec:
        given = {name: self.cleaned_data[name] for name in PATIENT_FIELDS}
        return specs.read(
            RegistrationSpec, {**given, "not_a_duplicate": self.cleaned_data["not_a_duplicate"]}
        )


class _PhaseField(forms.ChoiceField):
    """Offers the allowed moves, but lets any known phase through to the phase rules.

    Their refusal names the current phase and the allowed ones (e.g. from a stale page);
    the generic "Select a valid choice" would not.
    """

    def valid_value(self, value: Any) -> bool:
        return value in {p.value for p in Phase}


class PhaseMoveForm(forms.Form):
    target = _PhaseField(label="Move to")
    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed to decline, return to intake, pause or discharge.",
    )

    def __init__(self, *args: Any, allowed: frozenset[Phase], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # No move is preselected: a slip of the Enter key must not discharge anyone.
        self.fields["target"].choices = [  # type: ignore[attr-defined]
            ("", "Choose the next phase"),
            *((p.value, p.label) for p in sorted(allowed)),
        ]

    def spec(self) -> PhaseMoveSpec:
        return specs.read(PhaseMoveSpec, self.cleaned_data)


def moves_for(user: User, patient: Patient) -> frozenset[Phase]:
    """The moves the record offers `user`: those their roles decide here."""
    current = patient.phase_enum
    allowed = allowed_next(current, patient.paused_from_enum)
    return frozenset(p for p in allowed if may_move(user, current, p))


def _elsewhere(patient: Patient, allowed: frozenset[Phase]) -> list[str]:
    """Why the next moves that are made elsewhere are not on the form (once each)."""
    names = {decided_by(patient.phase_enum, p) for p in allowed}
    return [words for name, words in MADE_ELSEWHERE.items() if name in names]


def phase_context(
    user: User, patient: Patient, move_form: PhaseMoveForm | None = None
) -> dict[str, Any]:
    """The chart's record card: the phase, its move form for those who may, its history."""
    allowed = allowed_next(patient.phase_enum, patient.paused_from_enum)
    mine = moves_for(user, patient)
    return {
        "move_form": move_form or PhaseMoveForm(allowed=mine),
        "can_move": bool(mine),
        "is_final": not allowed,
        "elsewhere": _elsewhere(patient, allowed),
        "can_edit": policy.may(user, "update_patient"),
        "history": patient.phase_changes.select_related("actor"),
    }
