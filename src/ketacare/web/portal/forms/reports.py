"""What the patient reports and signs: an adverse event, the consent."""

from __future__ import annotations

from typing import Any

from django import forms

from ketacare.kernel import specs
from ketacare.treatment.models import AdverseEventOutcome, DosingSession, Severity
from ketacare.treatment.specs.sessions import AdverseEventSpec
from ketacare.web.portal.forms.base import CHOOSE_ONE, PortalForm, yes_no

# What a patient can say about their own side effect, in their words: the outcomes of
# FHIR's value set that a person reports about themself ("fatal" is the care team's to
# record, on the staff's side).
OWN_OUTCOMES = (
    (AdverseEventOutcome.ONGOING.value, "Not better yet"),
    (AdverseEventOutcome.RECOVERING.value, "Getting better"),
    (AdverseEventOutcome.RESOLVED.value, "It has passed"),
    (AdverseEventOutcome.RESOLVED_WITH_SEQUELAE.value, "It has passed, but left lasting effects"),
    (AdverseEventOutcome.UNKNOWN.value, "I am not sure"),
)
SEVERITY_WORDS = {
    Severity.MILD.value: "Mild: I can carry on as usual",
    Severity.MODERATE.value: "Moderate: it gets in the way of what I do",
    Severity.SEVERE.value: "Severe: I cannot do what I usually do",
    Severity.LIFE_THREATENING.value: "It put my life at risk",
}
SERIOUS_WHEN_LIFE_AT_RISK = "Answer yes: anything that put a life at risk is serious."


class AdverseEventForm(PortalForm):
    """Something that went wrong (report_adverse_event), as the patient tells it."""

    description = forms.CharField(
        label="What happened?",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Describe what happened."},
    )
    severity = forms.ChoiceField(
        label="How bad is it?",
        choices=[(value, SEVERITY_WORDS[value]) for value in Severity.values],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how bad it is.",
            "invalid_choice": CHOOSE_ONE,
        },
    )
    serious = yes_no(
        "Is it serious?",
        "Serious means it put a life at risk, needed a stay in hospital, or caused lasting harm.",
    )
    outcome = forms.ChoiceField(
        label="How is it now?",
        choices=OWN_OUTCOMES,
        initial=AdverseEventOutcome.ONGOING,
        error_messages={
            "required": "Choose how it is now.",
            "invalid_choice": CHOOSE_ONE,
        },
    )
    onset_at = forms.DateTimeField(
        label="When did it start?",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty if you are not sure.",
        error_messages={"invalid": "Give the day and time it started, or leave it empty."},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        at_risk = data.get("severity") == Severity.LIFE_THREATENING
        if at_risk and data.get("serious") is False:
            self.add_error("serious", SERIOUS_WHEN_LIFE_AT_RISK)
        return data

    def spec(self, session: DosingSession | None) -> AdverseEventSpec:
        """The report as the service's command (refused as a ValidationError)."""
        data = self.cleaned_data
        return specs.read(
            AdverseEventSpec,
            {
                "description": data["description"],
                "severity": data["severity"],
                "serious": data["serious"],
                "outcome": data["outcome"],
                "onset_at": data["onset_at"],
                "session_id": None if session is None else session.pk,
            },
        )


class ConsentForm(PortalForm):
    signature_name = forms.CharField(
        label="Type your full name to sign",
        max_length=200,
        error_messages={"required": "Type your full name to sign."},
    )
