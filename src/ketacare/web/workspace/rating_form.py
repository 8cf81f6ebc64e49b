"""The staff ratings form of the intake review: the Maudsley domains and the MADRS.

It reads what was chosen into `intake.ratings.StaffRatingSpec`'s shape; the spec and
`intake.services.rate_intake` judge it (all three domains or none, all ten items or
none), and their errors come back next to these fields (`FIELDS`). The ranges are the
clinical core's: `clinical.eligibility.MAUDSLEY_RANGES` and the MADRS definition.
"""

from __future__ import annotations

from typing import Any

from django import forms

from ketacare.clinical import instruments
from ketacare.clinical.eligibility import MAUDSLEY_RANGES
from ketacare.intake.ratings import MADRS
from ketacare.web.workspace.forms import CareForm

NOT_RATED = "Not rated"
MADRS_ITEMS = instruments.get(MADRS).items

# What each Maudsley domain rates, in words; its range is added from the clinical core.
DOMAINS = {
    "duration": ("Duration", "How long the current episode has lasted"),
    "severity": ("Severity", "How severe the symptoms are now"),
    "treatment_failures": (
        "Treatment failures",
        "How many treatments have failed in this episode",
    ),
}


def _madrs_field(number: int) -> str:
    return f"madrs_{number}"


# The spec's paths -> this form's fields (web.refusals.show_refusal).
FIELDS: dict[str, str] = {
    **{f"maudsley.{name}": name for name in MAUDSLEY_RANGES},
    "maudsley": "duration",
    **{f"madrs.{item.number - 1}": _madrs_field(item.number) for item in MADRS_ITEMS},
    "madrs": _madrs_field(1),
}


def _rated(label: str, choices: list[tuple[int, str]], help_text: str = "") -> forms.Field:
    return forms.TypedChoiceField(
        label=label,
        choices=[("", NOT_RATED), *choices],
        coerce=int,
        required=False,
        empty_value=None,
        help_text=help_text,
    )


class StaffRatingForm(CareForm):
    """Each Maudsley domain and MADRS item, "Not rated" unless chosen."""

    prefix = "rating"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (low, high) in MAUDSLEY_RANGES.items():
            label, rates = DOMAINS[name]
            self.fields[name] = _rated(
                f"Maudsley: {label.lower()}",
                [(v, str(v)) for v in range(low, high + 1)],
                f"{rates}: from {low} (the least) to {high} (the most).",
            )
        for item in MADRS_ITEMS:
            self.fields[_madrs_field(item.number)] = _rated(
                f"MADRS {item.number}. {item.text}",
                [(c.value, f"{c.value}: {c.label}") for c in item.choices],
            )

    def maudsley_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in MAUDSLEY_RANGES]

    def madrs_fields(self) -> list[forms.BoundField]:
        return [self[_madrs_field(item.number)] for item in MADRS_ITEMS]

    def spec_data(self) -> dict[str, Any]:
        """The ratings chosen, as the spec reads them (call after is_valid())."""
        data = self.cleaned_data
        domains = {n: data[n] for n in MAUDSLEY_RANGES if data[n] is not None}
        items = [data[_madrs_field(item.number)] for item in MADRS_ITEMS]
        given: dict[str, Any] = {}
        if domains:
            given["maudsley"] = domains
        if any(v is not None for v in items):
            given["madrs"] = items
        return given
