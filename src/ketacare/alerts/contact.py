"""Messages to a patient or sitter that are not alerts: reminders, and links they ask for.

The apps that know when something is due (treatment: sessions; assessments: questionnaires)
describe each reminder as a `Reminder`; `queue_reminders` turns a batch of them into outbox
rows (Notification, alert=None) on each person's chosen channels, waiting out their quiet
hours, in a fixed number of queries. A reminder is queued once: its send key is a hash of
what it is about (never a name, a questionnaire or a time in clear: the key goes to the
providers), so a second tick, or a second worker, finds it there.

No message says more than that something is due, when, and a sign-in link: no medicine,
no dose, no questionnaire's name, no score (tests/alerts/test_reminders.py checks every
body against a list of forbidden words).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ketacare.alerts.models import Channel, Notification
from ketacare.alerts.preferences import DEFAULT_CHOICE, Choice, choices_of, quiet_ends
from ketacare.kernel import clock

REMINDER_SUBJECT = "ketacare: a reminder"


@dataclass(frozen=True)
class Person:
    """Whom a message goes to, and where: their sign-in, clock, phone and email."""

    user_id: int | None
    label: str  # for the outbox's list: "patient KC-000012", "sitter Robin"
    zone: ZoneInfo
    phone: str
    email: str


@dataclass(frozen=True)
class Reminder:
    person: Person
    key: str  # what it is about, unique per reminder; hashed into the send key
    due_at: datetime
    # The text, given the moment it will go (a reminder held by quiet hours says "today").
    body: Callable[[datetime], str]
    # Pointless from then on (the session has started): not queued if held past it.
    latest: datetime | None = None


def addresses(person: Person, choice: Choice) -> list[tuple[Channel, str]]:
    """Where to send: the chosen channels the person has an address for.

    Email chosen with no email address on file falls back to a text message (every
    patient and sitter has a phone on file): a reminder is never silently dropped.
    """
    found: list[tuple[Channel, str]] = []
    if choice.wants_sms and person.phone:
        found.append((Channel.SMS, person.phone))
    if choice.wants_email and person.email:
        found.append((Channel.EMAIL, person.email))
    if not found and person.phone:
        found.append((Channel.SMS, person.phone))
    return found


def send_key(key: str, channel: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"reminder:{digest}:{channel}"


def _rows(reminder: Reminder, choice: Choice, now: datetime) -> list[Notification]:
    at = quiet_ends(max(reminder.due_at, now), reminder.person.zone, choice.quiet)
    if reminder.latest is not None and at >= reminder.latest:
        return []
    body = reminder.body(at)
    return [
        Notification(
            alert=None,
            recipient_id=reminder.person.user_id,
            recipient_label=reminder.person.label[:200],
            channel=channel,
            address=address,
            subject=REMINDER_SUBJECT,
            body=body,
            next_attempt_at=at,
            created_at=now,
            send_key=send_key(reminder.key, channel),
        )
        for channel, address in addresses(reminder.person, choice)
    ]


def queue_reminders(reminders: list[Reminder]) -> int:
    """Outbox rows for the reminders not queued before; how many messages were queued.

    Three queries whatever the number: the people's choices, the send keys already
    queued, one insert (a key another worker inserted meanwhile is skipped).
    """
    if not reminders:
        return 0
    now = clock.now()
    ids = {r.person.user_id for r in reminders if r.person.user_id is not None}
    choices = choices_of(ids)
    rows = [
        row
        for r in reminders
        for row in _rows(r, choices.get(r.person.user_id or 0, DEFAULT_CHOICE), now)
    ]
    if not rows:
        return 0
    keys = [row.send_key for row in rows]
    known = set(Notification.objects.filter(send_key__in=keys).values_list("send_key", flat=True))
    new = [row for row in rows if row.send_key not in known]
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def queue_link(person: Person, *, subject: str, body: str, key: str) -> list[Notification]:
    """A link the person asked for now (an invitation, a password reset), on their channels.

    Quiet hours do not hold it back: they asked for it a moment ago. Call inside the
    caller's transaction; the same `key` twice queues nothing more.
    """
    choice = DEFAULT_CHOICE
    if person.user_id is not None:
        choice = choices_of({person.user_id})[person.user_id]
    now = clock.now()
    queued = []
    for channel, address in addresses(person, choice):
        row, _ = Notification.objects.get_or_create(
            send_key=send_key(key, channel),
            defaults={
                "alert": None,
                "recipient_id": person.user_id,
                "recipient_label": person.label[:200],
                "channel": channel,
                "address": address,
                "subject": subject,
                "body": body,
                "next_attempt_at": now,
                "created_at": now,
            },
        )
        queued.append(row)
    return queued


# --- Words for a time, on the person's clock --------------------------------------------------


def day_words(at: datetime, sent_at: datetime, zone: ZoneInfo) -> str:
    """The day of `at` as the person reads it when the message arrives at `sent_at`."""
    day: date = at.astimezone(zone).date()
    today = sent_at.astimezone(zone).date()
    if day == today:
        return "today"
    if (day - today).days == 1:
        return "tomorrow"
    local = at.astimezone(zone)
    return f"on {local:%A} {local.day} {local:%B}"


def clock_words(at: datetime, zone: ZoneInfo) -> str:
    return f"{at.astimezone(zone):%H:%M}"
