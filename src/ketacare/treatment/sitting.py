"""The sitter proves being with the patient: from their own sign-in, or with a texted code.

CLINICAL.md C and D: a sober adult sitter is present for every session and stays at least
2 hours after the dose. A typed name proves nothing; so the sitter must be a registered,
adult sitter of this patient (never the patient's own account), and confirm from their
own ketacare sign-in, or, without one, by reading out a one-time code that ketacare
texts to their phone, typed on the patient's device. The missed-check-in page then
reaches that sitter.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from ketacare.alerts.services import queue_text
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.clinical import safety
from ketacare.kernel import clock
from ketacare.patients.models import Patient, Sitter
from ketacare.treatment.access import SESSION_STAFF, TREATING, require, require_phase, sitter_of
from ketacare.treatment.errors import WrongSitter
from ketacare.treatment.gate import zone_of
from ketacare.treatment.models import (
    CodePurpose,
    ConfirmedBy,
    DosingSession,
    SitterCode,
    SitterPresence,
)

if TYPE_CHECKING:
    from ketacare.accounts.models import User

# ketacare's own security choices for the texted code (no clinical number): six digits,
# good for 10 minutes, 5 tries, one new code a minute.
CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
CODE_TRIES = 5
CODE_RESEND_AFTER = timedelta(minutes=1)


def require_eligible(sitter: Sitter, patient: Patient) -> Sitter:
    """The sitter if they may sit for this patient, else WrongSitter saying why."""
    if sitter.user_id is not None and sitter.user_id == patient.user_id:
        raise WrongSitter("A patient cannot be their own sitter: another adult must stay.")
    if not sitter.patients.filter(pk=patient.pk).exists():
        raise WrongSitter(f"{sitter.name} is not registered as this patient's sitter.")
    if not sitter.adult_confirmed:
        raise WrongSitter(
            f"The clinic has not confirmed that {sitter.name} is an adult (18 or older). "
            "Call the clinic."
        )
    return sitter


def confirm_sitter_presence(actor: User, patient: Patient) -> SitterPresence:
    """The sitter, signed in as themself, confirms being with the patient now.

    Only a registered adult sitter of the patient (not the patient themself) may
    (NotAllowed / WrongSitter; a patient they cannot see: 404), while the patient is
    being treated. Every confirmation is kept; the gate counts the latest, for the
    time the clinic sets (2 h by default).
    """
    require(actor, patient, frozenset(), "confirm being with the patient", sitter=True)
    sitter = sitter_of(actor, patient)
    if sitter is None:  # require() admitted only the patient's sitters
        raise WrongSitter("Only the patient's sitter confirms being with them.")
    require_eligible(sitter, patient)
    return _present(actor, patient, sitter, ConfirmedBy.ACCOUNT)


def _locked_treating(patient: Patient) -> Patient:
    """The patient's row, locked, read afresh: presence counts only while they are treated."""
    locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
    require_phase(locked, TREATING, "confirm a sitter's presence")
    return locked


def _present(actor: User, patient: Patient, sitter: Sitter, method: str) -> SitterPresence:
    with transaction.atomic():
        locked = _locked_treating(patient)
        presence = SitterPresence.objects.create(
            patient=locked,
            sitter=sitter,
            confirmed_by=actor,
            method=method,
            confirmed_at=clock.now(),
        )
        record(Event.about(AuditAction.CREATE, presence, detail={"method": method}), actor=actor)
    return presence


def _hash(patient: Patient, sitter: Sitter, code: str) -> str:
    return salted_hmac("ketacare.sitter-code", f"{patient.pk}:{sitter.pk}:{code}").hexdigest()


def send_sitter_code(
    actor: User,
    patient: Patient,
    sitter: Sitter,
    *,
    purpose: str = CodePurpose.PRESENCE,
    session: DosingSession | None = None,
) -> SitterCode:
    """Text a one-time code to the sitter's phone (through the outbox), for the patient's device.

    The patient (or staff with them) asks for it; the sitter reads it out. Refused for a
    sitter who may not sit for the patient, and more than once a minute.
    """
    require(actor, patient, SESSION_STAFF, "ask for a sitter's code", own=True)
    require_eligible(sitter, patient)
    what = CodePurpose(purpose)
    with transaction.atomic():
        _locked_treating(patient)
        now = clock.now()
        last = SitterCode.objects.filter(patient=patient, sitter=sitter).first()
        if last is not None and now - last.sent_at < CODE_RESEND_AFTER:
            at = safety.clock_time(last.sent_at, zone_of(patient), now)
            raise WrongSitter(
                f"A code was sent to {sitter.name} at {at}. It can take a minute to arrive; "
                "ask for a new one after that."
            )
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        row = SitterCode.objects.create(
            patient=patient,
            sitter=sitter,
            session=session,
            purpose=what,
            code_hash=_hash(patient, sitter, code),
            requested_by=actor,
            sent_at=now,
            expires_at=now + CODE_LIFETIME,
        )
        queue_text(
            to=sitter.phone,
            label=f"sitter {sitter.name}",
            body=f"ketacare: your code is {code}. Read it out to the person you are sitting "
            f"for, to {what.label}. It works for {CODE_LIFETIME.seconds // 60} minutes. If you "
            "did not expect it, ignore this message.",
            send_key=f"sitter-code:{row.pk}",
        )
        record(Event.about(AuditAction.CREATE, row, detail={"purpose": what.value}), actor=actor)
    return row


def spend_code(
    patient: Patient,
    sitter: Sitter,
    purpose: CodePurpose,
    code: str,
    *,
    session: DosingSession | None = None,
) -> bool:
    """Spend the sitter's latest unused code for `purpose`, in the caller's transaction.

    False when there is none, it has expired, its tries are used, or the code does not
    match; a wrong code counts a try. The caller commits before refusing (`refuse_code`),
    so that the try still counts: five wrong guesses and the code is dead.
    """
    rows = SitterCode.objects.select_for_update().filter(
        patient=patient, sitter=sitter, purpose=purpose, used_at__isnull=True
    )
    if session is not None:
        rows = rows.filter(session=session)
    row = rows.order_by("-sent_at", "-pk").first()
    now = clock.now()
    if row is None or row.expires_at <= now or row.attempts >= CODE_TRIES:
        return False
    if not constant_time_compare(row.code_hash, _hash(patient, sitter, str(code).strip())):
        row.attempts += 1
        row.save(update_fields=["attempts"])
        return False
    row.used_at = now
    row.save(update_fields=["used_at"])
    return True


def refuse_code(sitter: Sitter) -> WrongSitter:
    return WrongSitter(
        f"That is not a code waiting for {sitter.name}: check it, or ask for a new one "
        "(a code works once, for 10 minutes)."
    )


def confirm_presence_with_code(
    actor: User, patient: Patient, sitter: Sitter, *, code: str
) -> SitterPresence:
    """The patient types the code texted to their sitter: the sitter is confirmed present.

    A wrong code is refused after its try is stored (WrongSitter).
    """
    require(actor, patient, SESSION_STAFF, "confirm a sitter with a code", own=True)
    require_eligible(sitter, patient)
    presence = None
    with transaction.atomic():
        if spend_code(patient, sitter, CodePurpose.PRESENCE, code):
            presence = _present(actor, patient, sitter, ConfirmedBy.CODE)
    if presence is None:
        raise refuse_code(sitter)
    return presence
