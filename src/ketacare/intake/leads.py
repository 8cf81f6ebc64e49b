"""Screening leads: visitors of the public self-screen who asked the clinic to contact them.

A lead is kept only with the visitor's explicit consent, and holds only what the
consent names: contact details, the result with its reasons, the PHQ-9 total and the
item-9 flag (never the individual answers). Its creation, every staff read of the list
or of one lead, every note and every status change are audited. Who may: kernel.policy,
section intake (the self-screen is public; every role working for the clinic follows up).

A lead with PHQ-9 item 9 above 0 (CLINICAL.md A1: same-day follow-up) raises an urgent
alert to the on-call clinician in the use case that keeps it ("suicidal_lead:<id>"), is
"call today" at the top of the list until someone reaches them, and its alert is
resolved when staff mark it reached. "Convert to patient" registers the lead as a
patient (`register_lead`): the record and the lead's link to it in one use case.

Which clinic receives the leads of the public site: the setting KETACARE_PUBLIC_CLINIC
(a clinic id); when it is unset and exactly one clinic exists, that one; otherwise none,
and the public site offers no contact form (the self-screen itself still works).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, IntegerField, QuerySet, Value, When

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.services import AlertCause, AlertSeverity, raise_alert, resolve_alerts
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.clinical import selfscreen
from ketacare.intake.errors import LeadConverted
from ketacare.intake.models import NOT_YET_REACHED, LeadNote, LeadStatus, ScreeningLead
from ketacare.intake.specs import LeadNoteSpec, LeadSpec, LeadStatusSpec
from ketacare.kernel import policy, usecase
from ketacare.kernel.errors import NotFound
from ketacare.kernel.usecase import use_case
from ketacare.patients.models import Patient
from ketacare.patients.services import create_patient
from ketacare.patients.specs import RegistrationSpec

logger = logging.getLogger(__name__)

# The consent a visitor ticks to leave their details. Change the version with the text:
# each lead records the version its visitor agreed to.
CONSENT_VERSION = "lead-consent-1"
CONSENT_TEXT = (
    "I agree that {clinic} keeps my name, my contact details and my self-screen result "
    "(the result, its reasons and my PHQ-9 score, not my individual answers) and contacts "
    "me about ketamine treatment."
)


def public_clinic() -> Clinic | None:
    """The clinic of the public site, or None when there is no single one to name."""
    configured: object = settings.KETACARE_PUBLIC_CLINIC
    if configured is None or configured == "":
        clinics = list(Clinic.objects.order_by("pk")[:2])
        return clinics[0] if len(clinics) == 1 else None
    try:
        clinic_id = int(str(configured))
    except ValueError:
        # The public page must still show its crisis numbers: log loudly, offer no form.
        logger.error("KETACARE_PUBLIC_CLINIC must be a clinic id, not %r.", configured)  # noqa: TRY400 - no traceback to show
        return None
    clinic = Clinic.objects.filter(pk=clinic_id).first()
    if clinic is None:
        logger.error("KETACARE_PUBLIC_CLINIC=%s: no clinic has this id.", clinic_id)
    return clinic


def consent_text(clinic: Clinic) -> str:
    return CONSENT_TEXT.format(clinic=clinic.name)


@use_case("create_lead")
def create_lead(
    actor: User | AnonymousUser | None, clinic: Clinic, spec: LeadSpec
) -> ScreeningLead:
    """Keep a visitor's details and self-screen result for `clinic`; audited.

    The visitor is anonymous (`actor` None or AnonymousUser): the audit entry names who
    acts in this context (the request's user, or the command). ValidationError naming
    the field when a value is not valid; nothing is stored then.
    """
    result = selfscreen.assess(spec.answers)
    lead = ScreeningLead(
        clinic=clinic,
        name=spec.name,
        phone=spec.phone,
        email=spec.email,
        preferred_contact_time=spec.preferred_contact_time,
        result=result.outcome.value,
        reasons=[reason.text for reason in result.reasons],
        phq9_total=result.phq9_total,
        suicidal_thoughts=result.suicidal_thoughts,
        consent_version=CONSENT_VERSION,
    )
    lead.full_clean()
    lead.save()
    usecase.note(
        Event.about(
            AuditAction.CREATE,
            lead,
            detail={
                "via": "public self-screen",
                "result": lead.result,
                "suicidal_thoughts": lead.suicidal_thoughts,
                "consent_version": CONSENT_VERSION,
            },
        )
    )
    if lead.suicidal_thoughts:
        _raise_call_today(lead)
    return lead


def _raise_call_today(lead: ScreeningLead) -> None:
    """The urgent alert to the on-call clinician: someone to call today, with no record yet.

    CLINICAL.md A1: PHQ-9 item 9 above 0 needs same-day clinical follow-up (urgent, as
    for a patient). The notification says only that an urgent alert needs them.
    """
    raise_alert(
        lead=lead,
        cause=AlertCause.SUICIDAL_LEAD,
        severity=AlertSeverity.URGENT,
        subject=str(lead.pk),
        title="Self-screen visitor to call today",
        message=(
            "A visitor of the public self-screen answered PHQ-9 item 9 above 0 (thoughts of "
            "death or self-harm) and left their contact details: call them today."
        ),
        source="CLINICAL.md A1",
        detail={"lead_id": lead.pk},
    )


def leads_for(user: User, status: LeadStatus | None = None) -> QuerySet[ScreeningLead]:
    """The leads `user` may see, those to act on first, newest first within each group.

    First "call today" (item 9 above 0, not reached yet), then new, then those still
    being reached, then booked, then the rest (declined, converted, closed).

    Not yet audited: the caller records which ones it showed (`record_list_read`).
    """
    policy.require_role(user, policy.rule("read_lead"))
    leads = ScreeningLead.objects.visible_to(user).select_related("clinic")
    if status is not None:
        leads = leads.filter(status=status)
    first = Case(
        When(suicidal_thoughts=True, status__in=NOT_YET_REACHED, then=Value(0)),
        When(status=LeadStatus.NEW, then=Value(1)),
        When(status__in=[LeadStatus.NOT_REACHABLE, LeadStatus.CONTACTED], then=Value(2)),
        When(status=LeadStatus.BOOKED, then=Value(3)),
        default=Value(4),
        output_field=IntegerField(),
    )
    return leads.order_by(first, "-created_at", "-pk")


def record_list_read(user: User, shown: list[ScreeningLead]) -> None:
    record(
        Event(
            AuditAction.LIST,
            ScreeningLead._meta.label,
            clinic_id=user.clinic_id,
            detail={"ids": [lead.pk for lead in shown]},
        ),
        actor=user,
    )


@use_case("read_lead")
def read_lead(actor: User, lead_id: int) -> ScreeningLead:
    """One lead of the actor's clinic, audited; NotFound for another clinic's (or none)."""
    lead = (
        ScreeningLead.objects.visible_to(actor).select_related("clinic").filter(pk=lead_id).first()
    )
    if lead is None:
        raise NotFound("No such screening lead.")
    usecase.note(Event.about(AuditAction.READ, lead))
    return lead


@use_case("set_lead_status")
def set_lead_status(actor: User, lead_id: int, spec: LeadStatusSpec) -> ScreeningLead:
    """Mark a lead's follow-up (contacted, not reachable, booked...); audited, old and new.

    Converted only by registering the lead (`register_lead`); a converted lead is
    followed up on the patient's chart. Reached (any status but new or not reachable),
    its "call today" alert is resolved.
    """
    leads = ScreeningLead.objects.visible_to(actor).select_for_update(no_key=True)
    lead = leads.filter(pk=lead_id).first()
    if lead is None:
        raise NotFound("No such screening lead.")
    _require_open(lead)
    if spec.status == LeadStatus.CONVERTED:
        raise LeadConverted(
            "A lead becomes a patient by registering them: use Convert to patient.",
            field="status",
        )
    before = lead.status
    lead.status = spec.status
    lead.save(update_fields=["status"])
    usecase.note(
        Event.about(AuditAction.UPDATE, lead, detail={"status": [before, spec.status.value]})
    )
    _resolve_if_reached(actor, lead)
    return lead


def _require_open(lead: ScreeningLead) -> None:
    if lead.status == LeadStatus.CONVERTED:
        raise LeadConverted(
            "This lead is a patient now: follow them up on their chart.", field="status"
        )


def _resolve_if_reached(actor: User, lead: ScreeningLead) -> None:
    if lead.status not in NOT_YET_REACHED:
        resolve_alerts(
            cause=AlertCause.SUICIDAL_LEAD,
            subject=str(lead.pk),
            note=f"The lead was marked {lead.get_status_display().lower()}.",
            actor=actor,
        )


@use_case("add_lead_note")
def add_lead_note(actor: User, lead_id: int, spec: LeadNoteSpec) -> LeadNote:
    """A note on a lead's follow-up (a call, a message left); audited (not its text)."""
    lead = ScreeningLead.objects.visible_to(actor).filter(pk=lead_id).first()
    if lead is None:
        raise NotFound("No such screening lead.")
    note = LeadNote.objects.create(lead=lead, author=actor, text=spec.text)
    usecase.note(
        Event.about(AuditAction.CREATE, note, clinic_id=lead.clinic_id, detail={"lead": lead.pk})
    )
    return note


def notes_of(lead: ScreeningLead) -> list[LeadNote]:
    """The lead's notes, oldest first, with their authors (read with the lead)."""
    return list(lead.notes.select_related("author").order_by("at", "pk"))


def registration_initial(lead: ScreeningLead) -> dict[str, str]:
    """What the registration form starts with for "Convert to patient".

    Who, and how to reach them; the rest (date of birth, address...) the clinic asks them.
    """
    return {"legal_name": lead.name, "phone": lead.phone, "email": lead.email}


@use_case("register_lead")
def register_lead(actor: User, lead_id: int, spec: RegistrationSpec) -> Patient:
    """Register the lead as a patient and link them (status converted): one use case.

    The registration's own checks apply (an adult; a possible duplicate is confirmed).
    """
    lead = ScreeningLead.objects.visible_to(actor).select_related("clinic").filter(pk=lead_id)
    found = lead.select_for_update(no_key=True, of=("self",)).first()
    if found is None:
        raise NotFound("No such screening lead.")
    _require_open(found)
    patient = create_patient(actor, found.clinic, spec)
    before = found.status
    found.status = LeadStatus.CONVERTED
    found.patient = patient
    found.save(update_fields=["status", "patient"])
    detail = {"status": [before, LeadStatus.CONVERTED.value], "patient": patient.pk}
    usecase.note(Event.about(AuditAction.UPDATE, found, detail=detail))
    _resolve_if_reached(actor, found)
    return patient
