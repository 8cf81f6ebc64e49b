"""The sitter's forms: the code typed on the patient's device, and the end of the window."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms

from ketacare.patients.models import Sitter
from ketacare.web.portal.forms.base import PortalForm


def _sitters(choices: Iterable[Sitter]) -> forms.ModelChoiceField[Sitter]:
    return forms.ModelChoiceField(
        queryset=Sitter.objects.filter(pk__in=[s.pk for s in choices]),
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choose your sitter.",
            "invalid_choice": "Choose one of your sitters.",
        },
    )


def _code() -> forms.RegexField:
    return forms.RegexField(
        label="The 6-digit code",
        regex=r"^\s*[0-9]{6}\s*$",
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 8}
        ),
        error_messages={
            "required": "Type the 6-digit code your sitter reads out.",
            "invalid": "The code is 6 digits: type them without spaces.",
        },
    )


class SitterCodeForm(PortalForm):
    """Text a code to one of the patient's sitters (send_sitter_code)."""

    service_fields: Mapping[str, str] = {"code": "code"}

    def __init__(self, *args: Any, sitters: Iterable[Sitter], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sitter"] = _sitters(sitters)


class PresenceCodeForm(SitterCodeForm):
    """The code the sitter reads out, typed on the patient's device (confirm_presence_with_code)."""

    code = _code()


class ReleaseCodeForm(SitterCodeForm):
    """The sitter, on the patient's device: the code, and whether the patient is well."""

    code = _code()
    stable = forms.TypedChoiceField(
        label="Is the person you are sitting for alert and stable?",
        choices=(("yes", "Yes, alert and stable"), ("no", "I cannot confirm that")),
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose one of the two answers."},
    )


class SitterReleaseForm(PortalForm):
    """The sitter ends the window from their own sign-in (release_session)."""

    stable = forms.TypedChoiceField(
        choices=(("yes", "Yes"), ("no", "No, or I am not sure")),
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose yes, or no."},
    )
    note = forms.CharField(
        label="Anything the clinic should know (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stable"].label = f"Is {name} alert and stable?"
