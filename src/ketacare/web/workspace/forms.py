"""The workspace's forms: they read what was typed; the services judge it.

Filters, alert notes and clearances; then the care pages' forms
(intake review, prescriptions, dispensing, the ledger). Each turns the browser's strings
into the service's spec (`kernel.specs.read`) and leaves every rule (caps, refills,
witnesses...) to the spec and the service, whose errors come back next to these fields.
The protocol's form: workspace.protocol_form; the plan editor's: workspace.plan_form; the
patient record's: workspace.record_forms; the intake review's staff ratings:
workspace.rating_form.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from ketacare.alerts.models import AlertCause, AlertSeverity, AlertStatus
from ketacare.alerts.specs import NOTE_MAX
from ketacare.intake.models import ReviewDecision
from ketacare.kernel import specs
from ketacare.patients.phases import Phase
from ketacare.treatment.models import Hold, PdmpResult
from ketacare.treatment.specs.ledger import RECORDED_HERE
from ketacare.treatment.specs.pdmp import PdmpCheckSpec
from ketacare.treatment.specs.prescriptions import CorrectionSpec, PrescriptionSpec, VoidSpec
from ketacare.web.workspace.panel import SORT_LABELS, Filters, ResponseStatus

SEVERITY_CHOICES = [("", "Any severity"), *AlertSeverity.choices]


def _sort_choices() -> list[tuple[str, str]]:
    choices = []
    for key, label in SORT_LABELS.items():
        choices += [(key, f"{label}, ascending"), (f"-{key}", f"{label}, descending")]
    return choices


class PanelFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Name or record number", max_length=100)
    phase = forms.ChoiceField(
        required=False, choices=[("", "All phases"), *((p.value, p.label) for p in Phase)]
    )
    has_alerts = forms.BooleanField(required=False, label="Only with open alerts")
    severity = forms.ChoiceField(
        required=False, choices=SEVERITY_CHOICES, label="With an open alert of severity"
    )
    response = forms.ChoiceField(
        required=False,
        label="PHQ-9 outcome",
        choices=[("", "Any outcome"), *((s.value, s.label) for s in ResponseStatus)],
    )
    sort = forms.ChoiceField(required=False, choices=_sort_choices(), label="Sort by")

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            phase=data["phase"],
            q=data["q"].strip(),
            has_alerts=data["has_alerts"],
            severity=data["severity"],
            response=data["response"],
        )


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[
            ("", "Open and acknowledged"),
            *AlertStatus.choices,
        ],
    )
    severity = forms.ChoiceField(required=False, choices=SEVERITY_CHOICES, label="Severity")
    cause = forms.ChoiceField(
        required=False, choices=[("", "Any cause"), *AlertCause.choices], label="Cause"
    )
    # Set by the chart's "see in the inbox" link: one patient's alerts.
    patient = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        label="Note (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What you are doing about it.",
    )


class ResolveForm(forms.Form):
    note = forms.CharField(
        max_length=NOTE_MAX,
        label="How it was resolved",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write how the alert was resolved before resolving it."},
    )


class ClearHoldForm(forms.Form):
    """A clinician clears a hold on dosing (treatment.holds.clear_for_dosing)."""

    hold = forms.ChoiceField(choices=Hold.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label="What you reviewed and decided (required)",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what you reviewed and decided."},
    )


# The care pages' forms.

MAX_TEXT = 2000


class CareForm(forms.Form):
    """A form of the care pages (its inputs name their help and error: web.rendering)."""


class ReviewForm(CareForm):
    decision = forms.ChoiceField(
        label="Decision", choices=ReviewDecision.choices, widget=forms.RadioSelect
    )
    justification = forms.CharField(
        label="Reason or justification",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required to decline, and to approve over cautions.",
    )


def _choices(field: forms.Field, choices: list[tuple[int, str]], empty: str | None) -> None:
    assert isinstance(field, forms.TypedChoiceField)  # noqa: S101 - declared so
    blank: list[tuple[int | str, str]] = [] if empty is None else [("", empty)]
    field.choices = [*blank, *choices]


def _reason(label: str, help_text: str = "", *, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


class PrescriptionForm(CareForm):
    """A new prescription, or the correction of one (`corrects`, with its `reason`)."""

    quantity = forms.IntegerField(label="Units per fill", min_value=1, max_value=100_000)
    refills = forms.IntegerField(
        label="Refills after the first fill", min_value=0, max_value=100, initial=0
    )
    earliest_refill_on = forms.DateField(
        label="Earliest refill date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Needed when there are refills.",
    )
    directions = forms.CharField(
        label="Directions for use", max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    quantity_reason = _reason(
        "Reason for more units than the plan needs",
        "Only when the units in all (per fill x fills) are more than the plan still needs: "
        "a second prescriber then co-signs before anything is dispensed.",
    )
    corrects = forms.TypedChoiceField(
        label="Replaces prescription",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="To correct one of your prescriptions: it is voided and this one replaces it.",
    )
    reason = _reason("Reason for the correction", "Needed when it replaces a prescription.")

    def __init__(self, *args: Any, replaceable: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["corrects"], replaceable, "None: a new prescription")

    def count_in(self, words: str) -> None:
        """Say under "Units per fill" what the units are (the product's own word)."""
        self.fields["quantity"].help_text = words

    def prescription_spec(self, plan_id: int) -> PrescriptionSpec:
        """A new prescription of the plan version `plan_id`, as write_prescription takes it."""
        return specs.read(PrescriptionSpec, self._written() | {"plan_id": plan_id})

    def correction_spec(self) -> CorrectionSpec:
        """The replacement, and why, as correct_prescription takes it."""
        return specs.read(CorrectionSpec, self._written() | {"reason": self.cleaned_data["reason"]})

    def _written(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = ("quantity", "refills", "directions", "earliest_refill_on", "quantity_reason")
        return {name: data[name] for name in names}


class PrescriptionActionForm(CareForm):
    """Co-sign or void one prescription of the list (a void says why)."""

    prescription = forms.IntegerField(widget=forms.HiddenInput)
    reason = _reason("Reason to void it")

    def void_spec(self) -> VoidSpec:
        """Why the prescription is voided, as void_prescription takes it."""
        return specs.read(VoidSpec, {"reason": self.cleaned_data["reason"]})


class PdmpCheckForm(CareForm):
    """The state PDMP checked just now: what it showed (a note with concerns)."""

    result = forms.ChoiceField(
        label="What the state PDMP showed", choices=PdmpResult.choices, widget=forms.RadioSelect
    )
    note = _reason("Note", "Needed when there are concerns: what they are.")

    def spec(self) -> PdmpCheckSpec:
        """The check, as record_pdmp_check takes it."""
        data = self.cleaned_data
        return specs.read(PdmpCheckSpec, {"result": data["result"], "note": data["note"]})


def _lot_field(label: str, *, required: bool = True) -> forms.CharField:
    """A lot of the clinic's stock, chosen from those offered (the lot master knows its expiry).

    A text field drawn as a select: a lot no longer dispensable when posted is refused by
    the service, with its reason (recalled, expired, short), not as "not a valid choice".
    """
    field = forms.CharField(
        label=label,
        max_length=40,
        required=required,
        widget=forms.Select,
        help_text="Lots of the prescribed product with stock on hand, unexpired, not recalled.",
    )
    field.widget.attrs.pop("maxlength", None)  # not an attribute of a select
    return field


def _lots(field: forms.Field, lots: list[tuple[str, str]], empty: str | None) -> None:
    assert isinstance(field.widget, forms.Select)  # noqa: S101 - declared so
    field.widget.choices = ([("", empty)] if empty is not None else []) + lots


class DispenseForm(CareForm):
    prescription = forms.TypedChoiceField(label="Prescription", coerce=int)
    quantity = forms.IntegerField(label="Units dispensed", min_value=1, max_value=100_000)
    lot_number = _lot_field("Lot to dispense from")
    early_reason = _reason("Reason for an early refill", "Only before the earliest refill date.")

    def __init__(
        self,
        *args: Any,
        prescriptions: list[tuple[int, str]],
        lots: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["prescription"], prescriptions, None)
        _lots(self.fields["lot_number"], lots, None)
        self.has_lots = bool(lots)


class DispenseFixForm(CareForm):
    """Void one of your dispenses, or correct it: what was really dispensed replaces it."""

    dispense = forms.TypedChoiceField(label="Dispense", coerce=int)
    reason = _reason("Reason")
    quantity = forms.IntegerField(
        label="Units really dispensed",
        min_value=1,
        max_value=100_000,
        required=False,
        help_text="To correct it; leave it and the lot empty to void it only.",
    )
    lot_number = _lot_field("Lot really dispensed", required=False)

    def __init__(
        self,
        *args: Any,
        dispenses: list[tuple[int, str]],
        lots: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["dispense"], dispenses, None)
        _lots(self.fields["lot_number"], lots, "None: void it only")
        self.has_lots = bool(lots)

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        given = [data.get(n) not in (None, "") for n in ("quantity", "lot_number")]
        if any(given) and not all(given):
            self.add_error("quantity", "To correct it, give the units and the lot.")
        return data

    @property
    def corrects(self) -> bool:
        """A correction (the units and lot given), not a void only."""
        return self.cleaned_data.get("quantity") is not None


class LedgerEventForm(CareForm):
    kind = forms.ChoiceField(
        label="What happened", choices=[(k.value, k.label) for k in RECORDED_HERE]
    )
    quantity = forms.DecimalField(
        label="Units (counted, returned, destroyed, lost or disposed of)",
        min_value=Decimal(0),
        max_digits=9,
        decimal_places=1,
    )
    witness = forms.TypedChoiceField(label="Witness", coerce=int, required=False, empty_value=None)
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required for a loss or theft (when, where, reported to whom) and for the "
        "patient's disposal (where or how: a take-back, the FDA's advice).",
    )

    def __init__(self, *args: Any, witnesses: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["witness"], witnesses, "No witness")
