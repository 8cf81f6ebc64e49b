"""Screening leads: visitors of the public self-screen who asked the clinic to contact them.

A lead is kept only with the visitor's explicit consent, and holds only what the
consent names: contact details, the result with its reasons, the PHQ-9 total and the
item-9 flag (never the individual answers). Its creation, every staff read of the list
or of one lead, and every status change are audited. Who may: kernel.policy, section
intake (the self-screen is public; every role working for the clinic follows up).

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
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.clinical import selfscreen
from ketacare.intake.models import LeadStatus, ScreeningLead
from ketacare.intake.specs import LeadSpec, LeadStatusSpec
from ketacare.kernel import policy, usecase
from ketacare.kernel.errors import NotFound
from ketacare.kernel.usecase import use_case

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
    return lead


def leads_for(user: User, status: LeadStatus | None = None) -> QuerySet[ScreeningLead]:
    """The leads `user` may see, those to act on first: new, then item 9 flagged, newest.

    Not yet audited: the caller records which ones it showed (`record_list_read`).
    """
    policy.require_role(user, policy.rule("read_lead"))
    leads = ScreeningLead.objects.visible_to(user).select_related("clinic")
    if status is not None:
        leads = leads.filter(status=status)
    first = Case(
        When(status=LeadStatus.NEW, then=Value(0)),
        When(status=LeadStatus.CONTACTED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return leads.order_by(first, "-suicidal_thoughts", "-created_at", "-pk")


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
    """Mark a lead new, contacted or closed; audited with the old and new status."""
    lead = ScreeningLead.objects.visible_to(actor).select_for_update().filter(pk=lead_id).first()
    if lead is None:
        raise NotFound("No such screening lead.")
    before = lead.status
    lead.status = spec.status
    lead.save(update_fields=["status"])
    usecase.note(
        Event.about(AuditAction.UPDATE, lead, detail={"status": [before, spec.status.value]})
    )
    return lead
