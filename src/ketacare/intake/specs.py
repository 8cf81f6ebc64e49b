"""The commands of the intake use cases, and how an intake's answers are checked.

- `IntakeDraft`: the answers to keep as the draft (`save_intake_draft`). Any part may be
  missing; a value given must be of the right type and in range. Built from the raw
  sections (`draft(data)`, or `IntakeDraft.model_validate(data)`).
- `ReviewSpec`: the clinician's decision on a submitted intake (`review_intake`).
- `intake.ratings.StaffRatingSpec` (its own module): what a clinician rates of a
  submitted intake before its review (`rate_intake`); an intake refuses those scores.
- `LeadSpec`: what a visitor of the public self-screen leaves to be contacted
  (`create_lead`); `LeadStatusSpec`: a lead's follow-up status; `LeadNoteSpec`: a note
  on it.

A submission carries no command: `submit_intake` checks the stored draft as a complete
intake (`check_submission`). Refusals are keyed by the answer's path
("trials.0.duration_weeks", "questionnaires.phq9.2"), the same for every face.
The sections themselves are `ketacare.intake.answers`; scores, bands and ranges come
from `ketacare.clinical`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any

import pydantic
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from pydantic import Field, PlainValidator, WithJsonSchema, model_validator
from pydantic_core import InitErrorDetails

from ketacare.clinical import instruments
from ketacare.clinical.selfscreen import SelfScreenAnswers
from ketacare.intake.answers import (
    INSTRUMENTS,
    STAFF_RATED,
    IntakeData,
    baseline_questionnaires,
    patient_answers,
)
from ketacare.intake.models import ContactTime, LeadStatus, ReviewDecision
from ketacare.kernel import specs
from ketacare.kernel.specs import Spec
from ketacare.patients.models import Indication

REQUIRED = "This field is required."
NOT_SECTIONS = "The intake must be an object of sections."


# --- the commands --------------------------------------------------------------------


class IntakeDraft(Spec):
    """A draft's answers, checked: what the intake's JSON column will hold."""

    answers: dict[str, Any]

    @model_validator(mode="before")
    @classmethod
    def _checked(cls, data: object) -> dict[str, Any]:
        errors = draft_errors(data)
        if errors:
            raise pydantic.ValidationError.from_exception_data(
                cls.__name__,
                [
                    InitErrorDetails(
                        type=specs.refuse("intake", message), loc=tuple(path.split(".")), input=data
                    )
                    for path, messages in errors.items()
                    for message in messages[:1]
                ],
            )
        return {"answers": _as_json(data)}


def draft(data: object) -> IntakeDraft:
    """`data` (a JSON body, a form's merged pages) as a draft; ValidationError by path."""
    try:
        return IntakeDraft.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError(specs.field_errors(exc)) from None


class ReviewSpec(Spec):
    """Approve or decline; declining needs its reason (approving over cautions too)."""

    decision: specs.choice(ReviewDecision) = Field(description="Approve or decline.")  # type: ignore[valid-type]
    justification: specs.text(5000) = Field(  # type: ignore[valid-type]
        "", description="Required to decline, and to approve over cautions."
    )

    @model_validator(mode="after")
    def _declining_needs_a_reason(self) -> ReviewSpec:
        if self.decision == ReviewDecision.DECLINE and not self.justification:
            raise pydantic.ValidationError.from_exception_data(
                type(self).__name__,
                [
                    InitErrorDetails(
                        type=specs.refuse("required", "Give the reason for declining."),
                        loc=("justification",),
                        input=self.justification,
                    )
                ],
            )
        return self


# --- the public self-screen's leads ----------------------------------------------------

NO_CONSENT = "Tick the box to agree, or leave this form: nothing is kept without it."
PHONE_OR_EMAIL = "Give a phone number or an email address, so that the clinic can reach you."


def _consented(value: object) -> bool:
    if value is not True:
        raise specs.refuse("consent", NO_CONSENT)
    return True


def _self_screen(value: object) -> SelfScreenAnswers:
    # The answers as clinical.selfscreen reads them (the face parsed them already).
    if not isinstance(value, SelfScreenAnswers):
        raise specs.refuse("answers", "Answer the questions of the self-screen again.")
    return value


class LeadSpec(Spec):
    """A visitor's contact details, their consent, and the self-screen they answered.

    Only with consent, and with a phone number or an email address to reach them by.
    The lead keeps the result of `answers` (never the answers themselves).
    """

    name: specs.text(200, required="Tell us your name.")  # type: ignore[valid-type]
    phone: specs.text(32) = ""  # type: ignore[valid-type]
    email: specs.text(254) = ""  # type: ignore[valid-type]
    preferred_contact_time: specs.choice(ContactTime) = ContactTime.ANY  # type: ignore[valid-type]
    consent: Annotated[bool, PlainValidator(_consented), WithJsonSchema({"const": True})]
    answers: Annotated[
        SelfScreenAnswers, PlainValidator(_self_screen), WithJsonSchema({"type": "object"})
    ]

    @model_validator(mode="after")
    def _reachable(self) -> LeadSpec:
        if not (self.phone or self.email):
            raise pydantic.ValidationError.from_exception_data(
                type(self).__name__,
                [
                    InitErrorDetails(
                        type=specs.refuse("reachable", PHONE_OR_EMAIL),
                        loc=("phone",),
                        input=self.phone,
                    )
                ],
            )
        return self


class LeadStatusSpec(Spec):
    status: specs.choice(LeadStatus)  # type: ignore[valid-type]


class LeadNoteSpec(Spec):
    """A note on a lead's follow-up (`add_lead_note`)."""

    text: specs.text(4000, required="Write the note.")  # type: ignore[valid-type]


# --- checking ------------------------------------------------------------------------


def _as_json(data: object) -> Any:
    # What the JSON column will hold (dates and decimals as text).
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _without_nulls(value: Any) -> Any:
    """Drop null values of mappings (an unanswered question), keep nulls inside lists."""
    if isinstance(value, Mapping):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _message(error: Mapping[str, Any]) -> str:
    if error["type"] == "missing":
        return REQUIRED
    return str(error["msg"]).removeprefix("Value error, ")


def _add(errors: dict[str, list[str]], path: str, message: str) -> None:
    errors.setdefault(path or "data", []).append(message)


def _model_errors(data: Any, *, complete: bool) -> tuple[IntakeData | None, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    try:
        return IntakeData.model_validate(data), errors
    except pydantic.ValidationError as exc:
        for error in exc.errors(include_url=False):
            if complete or error["type"] != "missing":
                _add(errors, ".".join(str(p) for p in error["loc"]), _message(error))
        return None, errors


def _answer_errors(
    data: Mapping[str, Any], *, complete: bool, indication: str
) -> dict[str, list[str]]:
    """Each answer against its instrument's items; with `complete`, every scored item given."""
    errors: dict[str, list[str]] = {}
    given = data.get("questionnaires")
    if not isinstance(given, Mapping):
        return errors
    if complete and indication == Indication.PTSD and "pcl5" not in given:
        _add(errors, "questionnaires.pcl5", f"{REQUIRED} The PCL-5 is the PTSD baseline.")
    for code in INSTRUMENTS:
        answers = given.get(code)
        if not isinstance(answers, list):
            continue
        items = instruments.get(code).items
        if len(answers) > len(items):
            _add(
                errors,
                f"questionnaires.{code}",
                f"{code} has {len(items)} items, not {len(answers)}.",
            )
            continue
        for index, item in enumerate(items):
            value = answers[index] if index < len(answers) else None
            path = f"questionnaires.{code}.{index}"
            if value is None:
                if complete and item.scored:
                    _add(errors, path, REQUIRED)
            elif type(value) is int and value not in item.values:
                allowed = ", ".join(str(v) for v in item.values)
                _add(errors, path, f"Item {item.number} is {value}; allowed values are {allowed}.")
    return errors


def _staff_rated(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """A score the staff rate, given in an intake: refused in plain words, whatever its value."""
    errors: dict[str, list[str]] = {}
    for path, message in STAFF_RATED.items():
        *parents, leaf = path.split(".")
        node: Any = data
        for part in parents:
            node = node.get(part) if isinstance(node, Mapping) else None
        if isinstance(node, Mapping) and leaf in node:
            errors[path] = [message]
    return errors


def _errors(
    data: Mapping[str, Any], *, complete: bool, indication: str
) -> tuple[IntakeData | None, dict[str, list[str]]]:
    """The intake read from `data`, if it can be, and every error by path."""
    cleaned = _without_nulls(data)
    intake, errors = _model_errors(cleaned, complete=complete)
    for path, messages in _answer_errors(cleaned, complete=complete, indication=indication).items():
        errors.setdefault(path, []).extend(messages)
    # In place of pydantic's "Extra inputs are not permitted" (null included: the key
    # itself is what a client must stop sending).
    errors.update(_staff_rated(data))
    return intake, errors


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def draft_errors(data: object) -> dict[str, list[str]]:
    """Each saved value of the wrong type, by path (missing ones are fine)."""
    if not isinstance(data, Mapping):
        return {"data": [NOT_SECTIONS]}
    _, errors = _errors(data, complete=False, indication="")
    if not errors:
        try:
            _as_json(data)
        except (TypeError, ValueError):
            _add(errors, "data", "The intake holds a value that is not JSON.")
    return errors


def submitted_answers(data: Mapping[str, Any]) -> IntakeData:
    """The answers of a submitted intake (checked complete when it was submitted)."""
    return IntakeData.model_validate(_without_nulls(patient_answers(data)))


def check_draft(data: object) -> None:
    """Raise ValidationError for each saved value of the wrong type (missing ones are fine)."""
    _raise(draft_errors(data))


def check_submission(data: object, *, indication: str, sex_at_birth: str) -> IntakeData:
    """The complete intake; ValidationError naming every missing or wrong answer if not.

    `data` is a stored draft: a legacy section it holds is left out (`patient_answers`).
    """
    if not isinstance(data, Mapping):
        raise ValidationError({"data": NOT_SECTIONS})
    intake, errors = _errors(patient_answers(data), complete=True, indication=indication)
    if intake is None or errors:
        raise ValidationError(errors)
    for code, answers, context in baseline_questionnaires(intake, sex_at_birth=sex_at_birth):
        try:
            instruments.score(code, answers, **context)  # rules across items (C-SSRS)
        except instruments.InvalidAnswers as error:
            _add(errors, f"questionnaires.{code}", str(error))
    _raise(errors)
    return intake
