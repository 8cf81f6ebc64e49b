"""The commands of the alert use cases a person runs (the inbox on both faces)."""

from __future__ import annotations

from ketacare.kernel import specs
from ketacare.kernel.specs import Spec

NOTE_MAX = 4000


class AcknowledgeSpec(Spec):
    """Someone has seen the alert and is acting on it; the note says what they do."""

    note: specs.text(NOTE_MAX) = ""  # type: ignore[valid-type]


class ResolveSpec(Spec):
    """The alert is dealt with; the note says how (required)."""

    note: specs.text(NOTE_MAX, required="Say how the alert was resolved.")  # type: ignore[valid-type]
