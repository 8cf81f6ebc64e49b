"""What every portal form shares: errors tied to their field, and a service's refusal."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from ketacare.kernel.errors import DomainError

YES_NO = (("yes", "Yes"), ("no", "No"))


def yes_no(label: str, help_text: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text=help_text,
        error_messages={"required": "Choose yes or no."},
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


# What a service may refuse with: what `PortalForm.refused` shows on the form.
REFUSALS = (ValidationError, DomainError, PermissionDenied)


class PortalForm(forms.Form):
    """Errors point at their field: aria-invalid and aria-describedby on the input."""

    # Where a service names a path that is not one of the form's fields.
    service_fields: Mapping[str, str] = {}

    def full_clean(self) -> None:
        super().full_clean()
        self._describe_errors()

    def put_errors(self, exc: ValidationError) -> None:
        """A service's ValidationError, each message on the field it names."""
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.add_error(None, message)
            return
        for path, messages in exc.message_dict.items():
            name = self.service_fields.get(path, path)
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        self._describe_errors()

    def refused(self, exc: ValidationError | DomainError | PermissionDenied) -> int:
        """Show a service's refusal on the form; the status to answer with.

        400 for input the service found wrong (on its fields), 409 for a refusal of the
        request as it stands (wrong phase, already recorded, not allowed now).
        """
        if isinstance(exc, ValidationError):
            self.put_errors(exc)
            return 400
        self.add_error(None, str(exc))
        return 409

    def _describe_errors(self) -> None:
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"id_{name}_error"
