"""Who hears about an alert: the clinic's on-call roster, the sitter, the clinic admins.

Staff are notified by email (a user has an email address and no phone number); sitters
by SMS to the phone on file (required for every sitter). Patients never receive alerts.
With no roster rows for a clinic, level 1 is the clinic's clinicians, so an alert is
never silent; the roster is how a clinic says who is on call and who comes next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Q

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Role
from ketacare.alerts.models import (
    EMERGENCY_ESCALATION_MIN,
    URGENT_ESCALATION_MIN,
    AlertSeverity,
    Channel,
    OnCallRoster,
    OnCallShift,
)

if TYPE_CHECKING:
    from ketacare.patients.models import Sitter


@dataclass(frozen=True)
class Recipient:
    label: str
    channel: Channel
    address: str
    user: User | None = None
    is_sitter: bool = False


def roster_levels(clinic: Clinic, at: datetime) -> list[list[User]]:
    """The people on call at `at`, level by level; the medical director(s) last."""
    shifts = (
        OnCallShift.objects.filter(roster__clinic=clinic, user__is_active=True)
        .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=at))
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))
        .select_related("user")
        .order_by("is_medical_director", "level", "pk")
    )
    levels: dict[tuple[bool, int], list[User]] = {}
    for shift in shifts:
        key = (True, 0) if shift.is_medical_director else (False, shift.level)
        people = levels.setdefault(key, [])
        if shift.user not in people:
            people.append(shift.user)
    ordered = [levels[k] for k in sorted(levels)]
    if ordered:
        return ordered
    clinicians = list(
        User.objects.filter(clinic=clinic, is_active=True, role_grants__role=Role.CLINICIAN)
        .distinct()
        .order_by("pk")
    )
    return [clinicians] if clinicians else []


def escalation_delay_min(clinic: Clinic, severity: str) -> int | None:
    """Minutes an alert may stay unacknowledged before it escalates; None: it never does."""
    if severity not in (AlertSeverity.URGENT, AlertSeverity.EMERGENCY):
        return None
    roster = OnCallRoster.objects.filter(clinic=clinic).first()
    if severity == AlertSeverity.EMERGENCY:
        return roster.emergency_escalation_min if roster else EMERGENCY_ESCALATION_MIN
    return roster.urgent_escalation_min if roster else URGENT_ESCALATION_MIN


def staff_recipients(users: list[User]) -> list[Recipient]:
    return [
        Recipient(label=u.get_username(), channel=Channel.EMAIL, address=u.email, user=u)
        for u in users
        if u.email
    ]


def sitter_recipients(sitters: list[Sitter]) -> list[Recipient]:
    return [
        Recipient(
            label=f"sitter {s.name}",
            channel=Channel.SMS,
            address=s.phone,
            user=s.user,
            is_sitter=True,
        )
        for s in sitters
        if s.phone
    ]


def clinic_admins(clinic: Clinic) -> list[User]:
    return list(
        User.objects.filter(clinic=clinic, is_active=True, role_grants__role=Role.ADMIN)
        .distinct()
        .order_by("pk")
    )
