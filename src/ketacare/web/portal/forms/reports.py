"""What the patient reports and signs: an adverse event, the consent."""

from __future__ import annotations

from django import forms

from ketacare.kernel import specs
from ketacare.treatment.models import AdverseEventOutcome, DosingSession, Severity
from ketacare.treatment.specs.sessions import AdverseEventSpec
from ketacare.web.portal.forms.base import PortalForm, yes_no


class AdverseEventForm(PortalForm):
    """Something that went wrong (report_adverse_event)."""

    description = forms.CharField(
        label="What happened?",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Describe what happened."},
    )
    severity = forms.ChoiceField(
        label="How bad is it?",
        choices=Severity.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how bad it is."},
    )
    serious = yes_no(
        "Is it serious?",
        "Serious means it put a life at risk, needed a stay in hospital, or caused lasting harm.",
    )
    outcome = forms.ChoiceField(
        label="How is it now?",
        choices=AdverseEventOutcome.choices,
        initial=AdverseEventOutcome.ONGOING,
    )
    onset_at = forms.DateTimeField(
        label="When did it start?",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty if you are not sure.",
    )

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
