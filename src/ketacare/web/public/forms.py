"""The self-screen and the contact form: parsing only (the rules are clinical.selfscreen).

Every question of the self-screen is required, in the browser (`required` on each
radio) and here: a missing answer is an error named in the summary at the top. The one
exception is the PHQ-9's unscored item 10 (how difficult the problems made things):
optional, as the instrument defines it (CLINICAL.md A1) and as the portal's PHQ-9 asks it.
The answers travel from the result page to the contact form signed, in a hidden field:
nothing about a visitor is stored on the server unless they leave their details.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.core import signing

from ketacare.accounts.validators import validate_phone
from ketacare.clinical import instruments
from ketacare.clinical.selfscreen import QUESTIONS, Answer, InvalidSelfScreen, SelfScreenAnswers
from ketacare.intake.models import ContactTime
from ketacare.intake.specs import PHONE_OR_EMAIL

PHQ9 = instruments.get("phq9")
# An unscored item (PHQ-9 item 10, CLINICAL.md A1) may be left out.
OPTIONAL_HELP = "You may leave this question out: it is not counted in the score."
MISSING = "Choose an answer."
NOT_SURE = "not_sure"
# The most failed trials the form tells apart; more count as this many.
MOST_TRIALS = 4
TRIAL_CHOICES = (
    ("0", "None"),
    ("1", "1"),
    ("2", "2"),
    ("3", "3"),
    (str(MOST_TRIALS), f"{MOST_TRIALS} or more"),
    (NOT_SURE, "I'm not sure"),
)
ANSWER_CHOICES = ((Answer.YES.value, "Yes"), (Answer.NO.value, "No"), (NOT_SURE, "Not sure"))

# How long the signed answers on the result page stay good for the contact form.
ANSWERS_MAX_AGE = timedelta(hours=2)
_SALT = "ketacare.web.public.selfscreen-answers"


class UnreadableAnswers(Exception):
    """The signed answers of the contact form are missing, altered or too old."""


def _radio(label: str, choices: Any, **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": MISSING, "invalid_choice": MISSING},
        **kwargs,
    )


class SelfScreenForm(forms.Form):
    """The PHQ-9 (every item), antidepressant trials, and the key exclusions."""

    optional_marked = True  # every question is required but one, which says so

    def __init__(self, *args: Any, minimum_trial_weeks: float, **kwargs: Any) -> None:
        """`minimum_trial_weeks`: the clinic's adequate trial (CLINICAL.md D: commonly >= 6)."""
        super().__init__(*args, **kwargs)
        for item in PHQ9.items:
            self.fields[f"phq9_{item.number}"] = _radio(
                f"{item.number}. {item.text}{'' if item.scored else ' (optional)'}",
                [(str(c.value), c.label) for c in item.choices],
                required=item.scored,
                help_text="" if item.scored else OPTIONAL_HELP,
            )
        self.fields["failed_trials"] = _radio(
            "How many antidepressants have you tried in this episode of depression without "
            "enough improvement?",
            TRIAL_CHOICES,
            help_text="Count a medicine only if you took it at the dose your doctor prescribed "
            f"for at least {minimum_trial_weeks:g} weeks and your depression did not get better "
            "enough. Medicines you stopped early, for example because of side effects, do "
            "not count. If you have had depression before, count only this episode.",
        )
        for question in QUESTIONS:
            self.fields[f"exclusion_{question.code}"] = _radio(question.text, ANSWER_CHOICES)

    def phq9_fields(self) -> list[forms.BoundField]:
        return [self[f"phq9_{item.number}"] for item in PHQ9.items]

    def exclusion_fields(self) -> list[forms.BoundField]:
        return [self[f"exclusion_{q.code}"] for q in QUESTIONS]

    def item9_positive(self) -> bool:
        """Whether item 9 (thoughts of death or self-harm) is answered above 0 so far."""
        value = self.data.get("phq9_9", "0") if self.is_bound else "0"
        return value in {"1", "2", "3"}

    def to_answers(self) -> SelfScreenAnswers:
        data = self.cleaned_data
        trials = data["failed_trials"]
        return SelfScreenAnswers(
            phq9={
                item.number: int(data[f"phq9_{item.number}"])
                for item in PHQ9.items
                if data[f"phq9_{item.number}"]  # an optional item left out: ""
            },
            failed_trials=None if trials == NOT_SURE else int(trials),
            exclusions={q.code: Answer(data[f"exclusion_{q.code}"]) for q in QUESTIONS},
        )


def sign_answers(answers: SelfScreenAnswers) -> str:
    """The answers for the hidden field of the contact form, signed and timestamped."""
    phq9 = answers.phq9
    items = phq9 if isinstance(phq9, dict) else dict(enumerate(phq9, start=1))
    return signing.dumps(
        {
            "phq9": {str(n): v for n, v in items.items()},
            "failed_trials": answers.failed_trials,
            "exclusions": {code: answer.value for code, answer in answers.exclusions.items()},
        },
        salt=_SALT,
        compress=True,
    )


def read_signed_answers(token: str) -> SelfScreenAnswers:
    """The answers signed by `sign_answers`; UnreadableAnswers if altered, bad or too old."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=ANSWERS_MAX_AGE)
        return SelfScreenAnswers(
            phq9={int(n): v for n, v in data["phq9"].items()},
            failed_trials=data["failed_trials"],
            exclusions={code: Answer(value) for code, value in data["exclusions"].items()},
        )
    except (signing.BadSignature, InvalidSelfScreen, KeyError, TypeError, ValueError) as exc:
        raise UnreadableAnswers(str(exc)) from exc


class LeadForm(forms.Form):
    """Contact details, left only by choice, with consent (unticked by default)."""

    answers = forms.CharField(widget=forms.HiddenInput)
    name = forms.CharField(
        label="Your name",
        max_length=200,
        error_messages={"required": "Tell us your name."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label="Phone number",
        max_length=32,
        required=False,
        validators=[validate_phone],
        help_text="A phone number or an email address, or both.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        max_length=254,  # the model's limit
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    preferred_contact_time = forms.ChoiceField(
        label="When should the clinic contact you?",
        choices=ContactTime.choices,
        initial=ContactTime.ANY,
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(
        label="I agree",
        error_messages={"required": "Tick the box to agree, or leave this form."},
    )

    def __init__(self, *args: Any, consent_text: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = consent_text

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not (cleaned.get("phone") or cleaned.get("email")) and not (
            "phone" in self.errors or "email" in self.errors
        ):
            self.add_error("phone", PHONE_OR_EMAIL)
        return cleaned


class LeadNoteForm(forms.Form):
    """A note on a screening lead's follow-up (staff)."""

    text = forms.CharField(
        label="Note",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What happened: a call, a message left, what was agreed.",
    )
