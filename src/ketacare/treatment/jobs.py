"""Treatment facts that come from time passing, which the worker's tick raises as alerts.

No request raises these: a dose with no check-in by its deadline becomes a fact only
because the clock moved. So each fact is one function of `now`, called by the tick
(ketacare.jobs.worker), that
- finds its cases with a query, not a timer: a worker that was down catches up on its
  next tick;
- is idempotent: one alert per case (its dedupe key), and a case that already has an
  alert, even a resolved one, is not raised again;
- returns how many alerts it raised, for the tick's report.

Missed check-in: a dose taken with no post-dose check-in by the session's
`check_in_due_at` plus the grace (`KETACARE_CHECK_IN_GRACE_MIN`, settings.py)
-> missed_check_in, urgent, to level 1 of the roster and the session's sitter (the rule:
clinical.safety.check_in_status). Doses whose deadline passed more than
`KETACARE_MISSED_CHECK_IN_LOOKBACK_H` hours ago (settings.py) are not raised: the
first run of a new installation must not page anyone about last month.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from ketacare.alerts.queries import raised_keys
from ketacare.alerts.services import AlertCause, AlertSeverity, raise_alert
from ketacare.clinical import postdose
from ketacare.clinical.safety import Finding, check_in_status
from ketacare.patients.models import Sitter
from ketacare.treatment import alerting
from ketacare.treatment.gate import zone_of
from ketacare.treatment.models import DosingSession, SessionStatus
from ketacare.treatment.plans import plan_safety_rules
from ketacare.treatment.sessions import read

OPEN_WINDOW = (SessionStatus.DOSED, SessionStatus.CHECKED_IN)


def _grace() -> timedelta:
    return timedelta(minutes=int(settings.KETACARE_CHECK_IN_GRACE_MIN))


def _lookback_span() -> timedelta:
    return timedelta(hours=int(settings.KETACARE_MISSED_CHECK_IN_LOOKBACK_H))


def _missed_key(session: DosingSession) -> str:
    return f"{AlertCause.MISSED_CHECK_IN}:session:{session.pk}"


def _session_sitters(session: DosingSession) -> list[Sitter]:
    """The sitter who attested with their sign-in, else the patient's sitter of that name.

    A name on the checklist that matches no sitter on file reaches nobody by SMS (there is
    no number to text); the on-call clinician is paged either way.
    """
    if session.sitter is not None:
        return [session.sitter]
    name = session.sitter_name.strip()
    if not name:
        return []
    return list(session.patient.sitters.filter(name__iexact=name))


def _past_check_in_deadline(now: datetime, grace: timedelta) -> list[DosingSession]:
    """Dosed sessions whose check-in deadline (plus grace) passed within the lookback."""
    lookback = _lookback_span()
    return list(
        DosingSession.objects.filter(
            status=SessionStatus.DOSED,
            taken_at__isnull=False,
            check_in_due_at__lt=now - grace,
            check_in_due_at__gte=now - lookback,
        )
        .select_related("patient", "sitter")
        .order_by("check_in_due_at", "pk")
    )


def raise_missed_check_ins(now: datetime) -> int:
    """missed_check_in alerts raised, one per dose whose check-in is overdue."""
    grace = _grace()
    sessions = _past_check_in_deadline(now, grace)
    known = raised_keys(_missed_key(s) for s in sessions)
    return sum(_raise_missed(s, now, grace) for s in sessions if _missed_key(s) not in known)


def _missed_finding(session: DosingSession, now: datetime, grace: timedelta) -> Finding | None:
    """The clinical rule's word on a session with no check-in at `now`."""
    if session.taken_at is None or session.check_in_due_at is None:
        return None  # the database constraint rules this out for dosed sessions
    return check_in_status(
        session.taken_at,
        None,
        now,
        deadline=session.check_in_due_at - session.taken_at,
        grace=grace,
    )


def _raise_missed(session: DosingSession, now: datetime, grace: timedelta) -> bool:
    """Raise the alert of one session unless its check-in arrived meanwhile."""
    finding = _missed_finding(session, now, grace)
    if finding is None:
        return False
    with transaction.atomic():
        # The check-in may have arrived since the query: look again under the lock.
        locked = DosingSession.objects.select_for_update(no_key=True).get(pk=session.pk)
        if locked.status != SessionStatus.DOSED or raised_keys([_missed_key(session)]):
            return False  # checked in, or another worker raised it meanwhile
        raise_alert(
            patient=session.patient,
            cause=AlertCause.MISSED_CHECK_IN,
            severity=AlertSeverity(finding.severity.value),
            subject=f"session:{session.pk}",
            title="Missed post-dose check-in",
            message=finding.message,
            source=finding.source,
            detail={"session_id": session.pk},
            sitters=_session_sitters(session),
        )
    return True


# --- The observation window (CLINICAL.md D, G4) -----------------------------------------------
#
# No blood pressure by 20 min after the ~40-minute reading was due -> post_dose_bp_missed,
# urgent, to the roster and the session's sitter. A high reading not measured again by
# its re-measure time plus the same grace -> the session's bp_rise_after_dose alert,
# upgraded to urgent (the re-measure is then handed to people: it is asked no more). A
# checked-in session the sitter has not ended by the check-in deadline plus the grace ->
# sitter_not_released, a warning for review.


def _lookback(now: datetime) -> datetime:
    return now - _lookback_span()


def _window_key(cause: str, session: DosingSession) -> str:
    return f"{cause}:session:{session.pk}"


def raise_missed_readings(now: datetime) -> int:
    """post_dose_bp_missed alerts raised: a dose with no blood pressure after it in time."""
    sessions = (
        DosingSession.objects.filter(
            status__in=OPEN_WINDOW,
            bp_due_at__gte=_lookback(now),
            bp_due_at__lt=now,
            post_dose_readings__isnull=True,
        )
        .select_related("patient", "plan", "sitter")
        .order_by("bp_due_at", "pk")
    )
    known = raised_keys(_window_key(AlertCause.POST_DOSE_BP_MISSED, s) for s in sessions)
    raised = 0
    for session in sessions:
        if _window_key(AlertCause.POST_DOSE_BP_MISSED, session) in known:
            continue
        window = postdose.post_dose_window(
            read(session.taken_at),
            plan_safety_rules(session.plan),
            check_in_deadline=read(session.check_in_due_at) - read(session.taken_at),
        )
        finding = postdose.bp_reading_missed(window, now, zone_of(session.patient))
        if finding is None:
            continue
        with transaction.atomic():
            if _still(session, missing_reading=True):
                alerting.session_finding(session, finding, sitters=_session_sitters(session))
                raised += 1
    return raised


def raise_missed_remeasures(now: datetime) -> int:
    """bp_rise_after_dose alerts upgraded: a high reading not measured again in time."""
    sessions = DosingSession.objects.filter(
        status__in=OPEN_WINDOW, remeasure_due_at__isnull=False, remeasure_due_at__lt=now
    ).select_related("patient", "plan", "sitter")
    raised = 0
    for session in sessions:
        rules = plan_safety_rules(session.plan)
        high_at = read(session.remeasure_due_at) - rules.post_dose_remeasure_after
        finding = postdose.remeasure_missed(high_at, now, zone_of(session.patient), rules)
        if finding is None:
            continue
        with transaction.atomic():
            locked = DosingSession.objects.select_for_update(no_key=True).get(pk=session.pk)
            if locked.remeasure_due_at != session.remeasure_due_at:
                continue  # a reading arrived meanwhile
            locked.remeasure_due_at = None
            locked.save(update_fields=["remeasure_due_at"])
            alerting.session_finding(session, finding, sitters=_session_sitters(session))
        raised += 1
    return raised


def raise_missing_releases(now: datetime) -> int:
    """sitter_not_released warnings raised: a checked-in window the sitter did not end."""
    sessions = (
        DosingSession.objects.filter(
            status=SessionStatus.CHECKED_IN,
            check_in_due_at__gte=_lookback(now),
            check_in_due_at__lt=now,
        )
        .select_related("patient", "plan")
        .order_by("check_in_due_at", "pk")
    )
    known = raised_keys(_window_key(AlertCause.SITTER_NOT_RELEASED, s) for s in sessions)
    raised = 0
    for session in sessions:
        if _window_key(AlertCause.SITTER_NOT_RELEASED, session) in known:
            continue
        rules = plan_safety_rules(session.plan)
        finding = postdose.release_missing(
            read(session.check_in_due_at), now, zone_of(session.patient), rules
        )
        if finding is None:
            continue
        with transaction.atomic():
            if _still(session, missing_reading=False):
                alerting.session_finding(session, finding)
                raised += 1
    return raised


def _still(session: DosingSession, *, missing_reading: bool) -> bool:
    """Whether the case holds under the session's lock (a reading or release may have come).

    Call inside the transaction that raises the alert.
    """
    locked = DosingSession.objects.select_for_update(no_key=True).get(pk=session.pk)
    if missing_reading:
        return locked.status in OPEN_WINDOW and not locked.post_dose_readings.exists()
    return locked.status == SessionStatus.CHECKED_IN


def raise_window_facts(now: datetime) -> int:
    """Every fact of the observation window, for the tick: how many alerts were raised."""
    return raise_missed_readings(now) + raise_missed_remeasures(now) + raise_missing_releases(now)
