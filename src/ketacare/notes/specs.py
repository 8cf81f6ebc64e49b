"""The commands of the note use cases, validated once for every face."""

from __future__ import annotations

from pydantic import Field

from ketacare.kernel import specs
from ketacare.kernel.specs import Spec
from ketacare.notes.models import BODY_LENGTH, TITLE_LENGTH, NoteKind


class NoteSpec(Spec):
    """A new draft note: its kind, an optional title and its words."""

    kind: specs.choice(NoteKind) = Field(description="What the note records.")  # type: ignore[valid-type]
    title: specs.text(TITLE_LENGTH) = ""  # type: ignore[valid-type]
    body: specs.text(BODY_LENGTH, required="Write the note.") = Field(  # type: ignore[valid-type]
        description="The note's words."
    )


class NoteEditSpec(Spec):
    """A change to a draft: a field not given keeps its value."""

    kind: specs.choice(NoteKind) | None = None  # type: ignore[valid-type]
    title: specs.text(TITLE_LENGTH) | None = None  # type: ignore[valid-type]
    body: specs.text(BODY_LENGTH, required="Write the note.") | None = None  # type: ignore[valid-type]


class AddendumSpec(Spec):
    """An addendum to a signed note: signed by its author as it is written."""

    body: specs.text(BODY_LENGTH, required="Write the addendum.") = Field(  # type: ignore[valid-type]
        description="The addendum's words."
    )
