"""The pre-dose checklist, with the C-SSRS screen asked at every session."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from ketacare.kernel import specs
from ketacare.treatment.models import SubstanceToday
from ketacare.treatment.specs.sessions import ChecklistSpec
from ketacare.web.portal.forms.base import PortalForm, whole, yes_no

# The C-SSRS screen as the checklist asks it (CLINICAL.md A8, G3): since the last session
# or contact with the clinic, in the checklist's own kind words. Each field is one of
# clinical.predose.checklist_cssrs's answers; the follow-ups are asked after a yes to the
# question about thoughts of killing oneself.
CSSRS_QUESTIONS: Mapping[str, str] = {
    "wish_to_be_dead": (
        "Since your last session or contact with the clinic, have you wished you were dead, "
        "or wished you could go to sleep and not wake up?"
    ),
    "suicidal_thoughts": "Since then, have you had any thoughts of killing yourself?",
    "thoughts_with_method": "Have you thought about how you might do this?",
    "intent": "Have you had any intention of acting on these thoughts?",
    "plan_with_intent": (
        "Have you started to work out, or worked out, the details of how to kill yourself, "
        "and do you mean to carry out that plan?"
    ),
    "behaviour": (
        "Since then, have you done anything, started to do anything, or prepared to do "
        "anything to end your life?"
    ),
}
CSSRS_GATE = "suicidal_thoughts"
CSSRS_FOLLOW_UPS = ("thoughts_with_method", "intent", "plan_with_intent")
FOLLOW_UP_HELP = (
    "Answer this only if you answered yes to the question about thoughts of killing yourself."
)


class ChecklistForm(PortalForm):
    """The pre-dose checklist (ketacare.treatment.sessions.start_session).

    The sitter confirms being there themself (their own sign-in, or a texted code); the
    patient still answers whether the sitter is with them.
    """

    service_fields: Mapping[str, str] = {
        "blood_pressure": "systolic_mmhg",
        "cssrs": "cssrs_suicidal_thoughts",
    }

    sitter_present = yes_no("Is your sitter with you now?")
    fasted = yes_no(
        "Have you gone without food for as long as your clinic asked?",
        "An empty stomach makes feeling sick less likely.",
    )
    no_driving_until_tomorrow = yes_no("Will you stay away from driving until tomorrow?")
    substances_today = forms.MultipleChoiceField(
        label="Have you had any of these today?",
        choices=SubstanceToday.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick any you have had. Leave them all unticked if you have had none.",
    )
    systolic_mmhg = whole("Blood pressure: top number (systolic)")
    diastolic_mmhg = whole("Blood pressure: bottom number (diastolic)")
    heart_rate_bpm = whole(
        "Heart rate (beats a minute)",
        required=False,
        help_text="If your blood pressure monitor shows it.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, question in CSSRS_QUESTIONS.items():
            follow_up = name in CSSRS_FOLLOW_UPS
            field = yes_no(question, FOLLOW_UP_HELP if follow_up else "")
            if follow_up:  # asked after a yes to the gate question only
                field.required, field.empty_value = False, None
            self.fields[f"cssrs_{name}"] = field

    def cssrs_fields(self) -> list[forms.BoundField]:
        return [self[f"cssrs_{name}"] for name in CSSRS_QUESTIONS if name not in CSSRS_FOLLOW_UPS]

    def cssrs_follow_ups(self) -> list[forms.BoundField]:
        return [self[f"cssrs_{name}"] for name in CSSRS_FOLLOW_UPS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        gate = data.get(f"cssrs_{CSSRS_GATE}")
        if gate is None:
            return data
        for name in CSSRS_FOLLOW_UPS:
            answer = data.get(f"cssrs_{name}")
            if gate and answer is None and f"cssrs_{name}" not in self.errors:
                self.add_error(f"cssrs_{name}", "Choose yes or no.")
            if not gate and answer:
                self.add_error(
                    f"cssrs_{CSSRS_GATE}",
                    "Please check this answer: you answered yes to a question that "
                    "follows it, which is asked only after a yes here.",
                )
                break
        return data

    def spec(self) -> ChecklistSpec:
        """The checklist as the service's command (refused as a ValidationError)."""
        data = self.cleaned_data
        return specs.read(
            ChecklistSpec,
            {
                "sitter_present": data["sitter_present"],
                "cssrs": {name: bool(data.get(f"cssrs_{name}")) for name in CSSRS_QUESTIONS},
                "fasted": data["fasted"],
                "no_driving_until_tomorrow": data["no_driving_until_tomorrow"],
                "substances_today": data["substances_today"],
                "systolic_mmhg": data["systolic_mmhg"],
                "diastolic_mmhg": data["diastolic_mmhg"],
                "heart_rate_bpm": data["heart_rate_bpm"],
            },
        )
