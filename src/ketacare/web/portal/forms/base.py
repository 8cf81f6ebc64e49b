"""What every portal form shares: errors tied to their field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

YES_NO = (("yes", "Yes"), ("no", "No"))
CHOOSE_ONE = "Choose one of the answers shown."
_DJANGO_INVALID_CHOICE = frozenset(
    {
        forms.ChoiceField.default_error_messages["invalid_choice"],
        forms.MultipleChoiceField.default_error_messages["invalid_choice"],
    }
)


def yes_no(label: str, help_text: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text=help_text,
        error_messages={"required": "Choose yes or no.", "invalid_choice": "Choose yes or no."},
    )


def whole(label: str, *, required: bool = True, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": f"Enter your {label.lower()}.",
            "invalid": "Enter a whole number.",
        },
    )


# Django's words for a number out of range ("Ensure this value is greater than or equal
# to 30."), in a patient's words instead.
NUMBER_WORDS = {
    "min_value": "Enter %(limit_value)s or more.",
    "max_value": "Enter %(limit_value)s or less.",
    "invalid": "Enter a number.",
}


def plain_words(form: forms.BaseForm) -> None:
    """Replace Django's default error words on `form`'s fields with a patient's words.

    Django's own words repeat what was sent ("Select a valid choice. x is not one of the
    available choices.") or speak of "this value"; a field's own words are kept.
    """
    for field in form.fields.values():
        words = field.error_messages.get("invalid_choice")
        if isinstance(field, forms.ChoiceField) and words in _DJANGO_INVALID_CHOICE:
            field.error_messages["invalid_choice"] = CHOOSE_ONE
        if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
            defaults = type(field).default_error_messages
            for code, plain in NUMBER_WORDS.items():
                # Unset (the range validators' own words) or Django's default: replaced.
                if field.error_messages.get(code) in (None, defaults.get(code)):
                    field.error_messages[code] = plain


class PortalForm(forms.Form):
    """A form of the portal (its inputs name their help and error: web.rendering).

    A service's refusal goes on the form with `ketacare.web.refusals.show_refusal`.
    """

    # Where a service names a path that is not one of the form's fields.
    service_fields: Mapping[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plain_words(self)
