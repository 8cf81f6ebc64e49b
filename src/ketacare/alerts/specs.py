"""The commands of the alert use cases a person runs (the inbox; their contact preferences)."""

from __future__ import annotations

from typing import Self

from pydantic import Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ketacare.alerts.preferences import ContactChannels
from ketacare.kernel import specs
from ketacare.kernel.specs import Spec

NOTE_MAX = 4000


class AcknowledgeSpec(Spec):
    """Someone has seen the alert and is acting on it; the note says what they do."""

    note: specs.text(NOTE_MAX) = ""  # type: ignore[valid-type]


class ResolveSpec(Spec):
    """The alert is dealt with; the note says how (required)."""

    note: specs.text(NOTE_MAX, required="Say how the alert was resolved.")  # type: ignore[valid-type]


def _refused(field: str, message: str) -> ValidationError:
    """A refusal on `field` from a check of both quiet times (a model validator)."""
    error = InitErrorDetails(type=PydanticCustomError("refused", message), loc=(field,), input=None)
    return ValidationError.from_exception_data("spec", [error])


class ContactPreferencesSpec(Spec):
    """How a patient or sitter wants reminders: channels, and quiet hours (both times or none).

    Times are on the person's own clock; quiet hours may run over midnight (21:00-08:00).
    """

    channels: specs.choice(ContactChannels) = Field(  # type: ignore[valid-type]
        description="sms, email or both."
    )
    quiet_from: specs.TimeOfDay | None = Field(
        default=None, description="Quiet hours start (HH:MM on your clock); empty: none."
    )
    quiet_until: specs.TimeOfDay | None = Field(
        default=None, description="Quiet hours end (HH:MM on your clock); empty: none."
    )

    @model_validator(mode="after")
    def _both_or_neither(self) -> Self:
        if (self.quiet_from is None) != (self.quiet_until is None):
            missing = "quiet_from" if self.quiet_from is None else "quiet_until"
            raise _refused(missing, "Give both times of your quiet hours, or neither for none.")
        if self.quiet_from is not None and self.quiet_from == self.quiet_until:
            raise _refused("quiet_until", "Quiet hours end at another time than they start.")
        return self
