"""The sitter proves being with the patient: from their own sign-in, or with a texted code.

CLINICAL.md C and D: a sober adult sitter is present for every session and stays at least
2 hours after the dose. A typed name proves nothing; so the sitter must be a registered,
adult sitter of this patient (never the patient's own account), and confirm from their
own ketacare sign-in, or, without one, by reading out a one-time code that ketacare
texts to their phone, typed on the patient's device. The missed-check-in page then
reaches that sitter.
"""

from __future__ import annotations

import functools
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import F
from django.utils.crypto import constant_time_compare, salted_hmac

from ketacare.alerts.services import queue_text
from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.clinical import safety
from ketacare.kernel import clock, usecase
from ketacare.kernel.usecase import use_case
from ketacare.patients.access import require, sitter_of
from ketacare.patients.models import Patient, Sitter
from ketacare.treatment.access import TREATING, require_phase
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


@use_case("confirm_sitter_presence")
def confirm_sitter_presence(actor: User, patient: Patient) -> SitterPresence:
    """The sitter, signed in as themself, confirms being with the patient now.

    Only a registered adult sitter of the patient (not the patient themself) may
    (NotAllowed / WrongSitter; a patient they cannot see: 404), while the patient is
    being treated. Every confirmation is kept; the gate counts the latest, for the
    time the clinic sets (2 h by default).
    """
    require(actor, patient, "confirm_sitter_presence")
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
    locked = _locked_treating(patient)
    presence = SitterPresence.objects.create(
        patient=locked,
        sitter=sitter,
        confirmed_by=actor,
        method=method,
        confirmed_at=clock.now(),
    )
    usecase.note(Event.about(AuditAction.CREATE, presence, detail={"method": method}))
    return presence


def _hash(patient: Patient, sitter: Sitter, code: str) -> str:
    return salted_hmac("ketacare.sitter-code", f"{patient.pk}:{sitter.pk}:{code}").hexdigest()


@use_case("send_sitter_code")
def send_sitter_code(
    actor: User,
    patient: Patient,
    sitter: Sitter,
    *,
    purpose: CodePurpose = CodePurpose.PRESENCE,
    session: DosingSession | None = None,
) -> SitterCode:
    """Text a one-time code to the sitter's phone (through the outbox), for the patient's device.

    The patient (or staff with them) asks for it; the sitter reads it out. Refused for a
    sitter who may not sit for the patient, and more than once a minute.
    """
    require(actor, patient, "send_sitter_code")
    require_eligible(sitter, patient)
    what = CodePurpose(purpose)
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
    usecase.note(Event.about(AuditAction.CREATE, row, detail={"purpose": what.value}))
    return row


def spend_code(
    patient: Patient,
    sitter: Sitter,
    purpose: CodePurpose,
    code: str,
    *,
    session: DosingSession | None = None,
) -> None:
    """Spend the sitter's latest unused code for `purpose`, in the running use case.

    Refused (WrongSitter) when there is none, it has expired, its tries are used, or the
    code does not match. A wrong code's try is counted after the refusal's rollback
    (`usecase.after_refusal`), so that it still counts: five wrong guesses and the code
    is dead.
    """
    rows = SitterCode.objects.select_for_update(no_key=True).filter(
        patient=patient, sitter=sitter, purpose=purpose, used_at__isnull=True
    )
    if session is not None:
        rows = rows.filter(session=session)
    row = rows.order_by("-sent_at", "-pk").first()
    now = clock.now()
    if row is None or row.expires_at <= now or row.attempts >= CODE_TRIES:
        raise refuse_code(sitter)
    if not constant_time_compare(row.code_hash, _hash(patient, sitter, str(code).strip())):
        usecase.after_refusal(functools.partial(_count_try, row.pk))
        raise refuse_code(sitter)
    row.used_at = now
    row.save(update_fields=["used_at"])


def _count_try(code_id: int) -> None:
    SitterCode.objects.filter(pk=code_id).update(attempts=F("attempts") + 1)


def refuse_code(sitter: Sitter) -> WrongSitter:
    return WrongSitter(
        f"That is not a code waiting for {sitter.name}: check it, or ask for a new one "
        "(a code works once, for 10 minutes)."
    )


@use_case("confirm_presence_with_code")
def confirm_presence_with_code(
    actor: User, patient: Patient, sitter: Sitter, *, code: str
) -> SitterPresence:
    """The patient types the code texted to their sitter: the sitter is confirmed present.

    A wrong code is refused (WrongSitter), its try counted.
    """
    require(actor, patient, "confirm_presence_with_code")
    require_eligible(sitter, patient)
    spend_code(patient, sitter, CodePurpose.PRESENCE, code)
    return _present(actor, patient, sitter, ConfirmedBy.CODE)
