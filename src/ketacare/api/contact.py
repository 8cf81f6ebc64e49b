"""The signed-in patient's or sitter's own contact preferences: channels and quiet hours.

Under /me: there is no one else's to ask for. Staff have no reminders: a 404 on reading
(no record to read them from), a 403 on changing.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from ketacare.alerts.preference_services import (
    ContactView,
    change_contact_preferences,
    my_contact_preferences,
)
from ketacare.alerts.preferences import ContactChannels
from ketacare.alerts.specs import ContactPreferencesSpec
from ketacare.api.access import actor
from ketacare.api.schemas import ERRORS, WRITE_ERRORS

router = Router(tags=["contact preferences"])


class ContactPreferencesOut(Schema):
    channels: ContactChannels = Field(description="How reminders reach you: sms, email, both.")
    quiet_from: dt.time | None = Field(description="Quiet hours start, on your clock.")
    quiet_until: dt.time | None = Field(description="Quiet hours end, on your clock.")
    chosen: bool = Field(description="False: ketacare's defaults, which you have not changed.")
    timezone: str = Field(description="Your clock (IANA time zone) the quiet hours are read on.")
    has_phone: bool = Field(description="The clinic has a phone number for you.")
    has_email: bool = Field(description="The clinic has an email address for you.")


def _out(view: ContactView) -> ContactPreferencesOut:
    return ContactPreferencesOut(
        channels=view.channels,
        quiet_from=view.quiet_from,
        quiet_until=view.quiet_until,
        chosen=view.chosen,
        timezone=view.zone,
        has_phone=view.has_phone,
        has_email=view.has_email,
    )


@router.get(
    "/contact-preferences",
    response={200: ContactPreferencesOut, **ERRORS},
    summary="How you are reminded",
)
def read_contact_preferences(request: HttpRequest) -> ContactPreferencesOut:
    """Your channels and quiet hours. Quiet hours hold back reminders, never safety alerts."""
    return _out(my_contact_preferences(actor(request)))


@router.put(
    "/contact-preferences",
    response={200: ContactPreferencesOut, **WRITE_ERRORS},
    summary="Change how you are reminded",
)
def update_contact_preferences(
    request: HttpRequest, payload: ContactPreferencesSpec
) -> ContactPreferencesOut:
    """Choose channels and quiet hours (both times, or neither for none).

    409 for email without an email address on file.
    """
    return _out(change_contact_preferences(actor(request), payload))
