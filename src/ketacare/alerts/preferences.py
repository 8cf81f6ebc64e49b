"""How a patient or sitter wants to hear from ketacare: channels and quiet hours.

One row per person who chose (a `User` with the patient or sitter role); a person without
one has the ketacare defaults below. Quiet hours are times on the person's own clock
(the patient's time zone; for a sitter, that of the person they sit for) and only hold
back reminders: a reminder that falls inside them waits until they end. They never hold
back an alert to the care team (staff have no quiet hours here at all), nor a link the
person asked for a moment ago (an invitation, a password reset).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketacare.kernel.clock import now


class ContactChannels(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    BOTH = "both", "Text message and email"


# ketacare defaults (no published number; docs/clinical-defaults.md): a text message, which
# every patient and sitter has on file, and no reminder between 21:00 and 08:00.
DEFAULT_CHANNELS = ContactChannels.SMS
DEFAULT_QUIET_FROM = time(21, 0)
DEFAULT_QUIET_UNTIL = time(8, 0)


class ContactPreference(models.Model):
    """A person's choice; both quiet times empty means no quiet hours."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_preference"
    )
    channels = models.CharField(
        max_length=8, choices=ContactChannels.choices, default=DEFAULT_CHANNELS
    )
    quiet_from = models.TimeField(null=True, blank=True)
    quiet_until = models.TimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(channels__in=ContactChannels.values),
                name="contact_channels_known",
            ),
            models.CheckConstraint(
                condition=Q(quiet_from__isnull=True, quiet_until__isnull=True)
                | (
                    Q(quiet_from__isnull=False, quiet_until__isnull=False)
                    & ~Q(quiet_from=models.F("quiet_until"))
                ),
                name="contact_quiet_hours_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return f"Contact preference of user {self.user_id} ({self.channels})"


@dataclass(frozen=True)
class Choice:
    """What a person chose, or the defaults: the channels and the quiet hours (or None)."""

    channels: ContactChannels
    quiet: tuple[time, time] | None
    chosen: bool  # False: the ketacare defaults

    @property
    def wants_sms(self) -> bool:
        return self.channels in (ContactChannels.SMS, ContactChannels.BOTH)

    @property
    def wants_email(self) -> bool:
        return self.channels in (ContactChannels.EMAIL, ContactChannels.BOTH)


DEFAULT_CHOICE = Choice(DEFAULT_CHANNELS, (DEFAULT_QUIET_FROM, DEFAULT_QUIET_UNTIL), chosen=False)


def choice_of(row: ContactPreference | None) -> Choice:
    if row is None:
        return DEFAULT_CHOICE
    quiet = None
    if row.quiet_from is not None and row.quiet_until is not None:
        quiet = (row.quiet_from, row.quiet_until)
    return Choice(ContactChannels(row.channels), quiet, chosen=True)


def choices_of(user_ids: set[int]) -> dict[int, Choice]:
    """Every one of these people's choices, in one query (the defaults for the others)."""
    rows = ContactPreference.objects.filter(user_id__in=user_ids)
    found = {row.user_id: choice_of(row) for row in rows}
    return {uid: found.get(uid, DEFAULT_CHOICE) for uid in user_ids}


def quiet_ends(at: datetime, zone: ZoneInfo, quiet: tuple[time, time] | None) -> datetime:
    """When a reminder due at `at` may go: `at`, or the end of the quiet hours it falls in.

    On the person's wall clock: 21:00-08:00 runs over midnight; 13:00-14:00 does not. The
    end is a wall time of `zone` (fold=0: a time the clocks skip reads with the offset
    before the change, as the schedules read theirs), returned in UTC.
    """
    if quiet is None:
        return at
    start, end = quiet
    local = at.astimezone(zone)
    clock_time = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= clock_time < end
        day = local.date()
    else:  # over midnight
        inside = clock_time >= start or clock_time < end
        day = local.date() + timedelta(days=1) if clock_time >= start else local.date()
    if not inside:
        return at
    ends = datetime.combine(day, end).replace(tzinfo=zone, fold=0).astimezone(UTC)
    return max(ends, at)
