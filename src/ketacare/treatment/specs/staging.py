"""The command of a prescriber releasing a held fill: why, in a note."""

from __future__ import annotations

from ketacare.kernel import specs
from ketacare.kernel.specs import Spec


class FillReleaseSpec(Spec):
    """Let the prescription's next fill be dispensed despite its holds."""

    note: specs.text(  # type: ignore[valid-type]
        2000, required="Say why the fill may be dispensed despite its holds."
    )
