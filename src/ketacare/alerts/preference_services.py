"""A patient's or sitter's own contact preferences: what they chose, and changing it.

The person themself changes them (kernel.policy `change_contact_preferences`); staff of the
clinic may read them (`read_contact_preferences`). Where the person is reached comes from
their record (the patient's or the sitter's phone and email, kept by the clinic), and
their clock is the patient's time zone (a sitter's: the person they sit for).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo

from ketacare.accounts.models import User
from ketacare.accounts.roles import Role
from ketacare.alerts.contact import Person
from ketacare.alerts.errors import ContactPreferenceError
from ketacare.alerts.preferences import ContactChannels, ContactPreference, choice_of
from ketacare.alerts.specs import ContactPreferencesSpec
from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock, policy, usecase
from ketacare.kernel.errors import NotFound
from ketacare.kernel.usecase import use_case
from ketacare.patients.models import Patient, Sitter


@dataclass(frozen=True)
class ContactView:
    channels: ContactChannels
    quiet_from: time | None
    quiet_until: time | None
    chosen: bool  # False: the ketacare defaults, never changed
    zone: str  # the person's clock (an IANA zone name)
    has_phone: bool
    has_email: bool


def person_of(user: User) -> Person:
    """The patient or sitter `user` signs in as, as a message's recipient (NotFound if none)."""
    if user.has_role(Role.PATIENT):
        patient = Patient.objects.filter(user=user).first()
        if patient is not None:
            return Person(
                user.pk,
                f"patient {patient.record_number}",
                ZoneInfo(patient.timezone),
                patient.phone,
                patient.email or user.email,
            )
    if user.has_role(Role.SITTER):
        sitter = Sitter.objects.filter(user=user).first()
        if sitter is not None:
            zone = sitter.patients.order_by("pk").values_list("timezone", flat=True).first()
            clinic_zone = user.clinic.timezone if user.clinic is not None else "UTC"
            return Person(
                user.pk,
                f"sitter {sitter.name}",
                ZoneInfo(zone or clinic_zone),
                sitter.phone,
                sitter.email or user.email,
            )
    raise NotFound("No patient or sitter record goes with this sign-in.")


def _view(person: Person, row: ContactPreference | None) -> ContactView:
    choice = choice_of(row)
    quiet_from, quiet_until = choice.quiet if choice.quiet is not None else (None, None)
    return ContactView(
        channels=choice.channels,
        quiet_from=quiet_from,
        quiet_until=quiet_until,
        chosen=choice.chosen,
        zone=person.zone.key,
        has_phone=bool(person.phone),
        has_email=bool(person.email),
    )


def my_contact_preferences(actor: User) -> ContactView:
    """The actor's own preferences (the defaults until they choose)."""
    policy.require_role(actor, policy.rule("read_contact_preferences"))
    person = person_of(actor)
    return _view(person, ContactPreference.objects.filter(user=actor).first())


@use_case("change_contact_preferences")
def change_contact_preferences(actor: User, spec: ContactPreferencesSpec) -> ContactView:
    """The person's own channels and quiet hours; refused for email without an address."""
    person = person_of(actor)
    if spec.channels != ContactChannels.SMS and not person.email:
        raise ContactPreferenceError(
            "We have no email address for you. Ask your care team to add one, then choose email.",
            field="channels",
        )
    row, created = ContactPreference.objects.select_for_update().get_or_create(user=actor)
    row.channels = spec.channels
    row.quiet_from, row.quiet_until = spec.quiet_from, spec.quiet_until
    row.updated_at = clock.now()
    row.save()
    detail = {"channels": str(row.channels), "quiet_hours": row.quiet_from is not None}
    action = AuditAction.CREATE if created else AuditAction.UPDATE
    usecase.note(Event.about(action, row, clinic_id=actor.clinic_id, detail=detail))
    return _view(person, row)
