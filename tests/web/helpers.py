"""Small helpers shared by the web tests (fixtures live in conftest.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.html import escape

from ketacare.audit.models import AuditEntry


def audit(**filters: Any) -> list[AuditEntry]:
    """The audit entries matching `filters`, oldest first."""
    return list(AuditEntry.objects.filter(**filters).order_by("seq"))


def valid_patient_data(**overrides: str) -> dict[str, str]:
    """What a coordinator types to register a patient, as the browser posts it."""
    data = {
        "legal_name": "Jordan Newpatient",
        "date_of_birth": "1980-02-03",
        "sex_at_birth": "male",
        "weight_kg": "72.5",
        "timezone": "Europe/London",
        "phone": "+44 20 7946 0000",
        "email": "jordan@example.org",
        "emergency_contact_name": "Casey Newpatient",
        "emergency_contact_phone": "+44 20 7946 0001",
        "indication": "trd",
        "address_line1": "1 Baker Street",
        "address_line2": "",
        "address_city": "London",
        "address_region": "Greater London",
        "address_postal_code": "NW1 6XE",
    }
    data.update(overrides)
    return data


def page_text(response: HttpResponse) -> str:
    return response.content.decode()


def assert_field_error(response: HttpResponse, field: str, label: str, message: str) -> None:
    """The form names `field` in its errors, and the page shows label and message together."""
    form = response.context["form"]
    assert field in form.errors, f"no error on {field}: {form.errors.as_data()}"
    matching = [e for e in form.errors[field] if message in e]
    assert matching, form.errors[field]
    html = page_text(response)
    # The summary at the top says "Label: message" and links to the field...
    assert f'<a href="#id_{field}">{escape(label)}: {escape(matching[0])}</a>' in html
    # ...and the message also sits under the field itself.
    assert f'id="id_{field}_error">Error: {escape(matching[0])}</p>' in html
