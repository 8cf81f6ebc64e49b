"""Alert facts that come from time passing: an urgent alert nobody acknowledged in time.

The worker's tick (ketacare.jobs) calls `escalate_due`: urgent and emergency alerts not
acknowledged by their `next_escalation_at` go to the next level of the roster. It needs
nothing but the alerts app, so it lives here, below every app that raises alerts.
"""

from __future__ import annotations

from datetime import datetime

from ketacare.alerts.models import Alert, AlertStatus
from ketacare.alerts.services import escalate_alert


def escalate_due(now: datetime) -> int:
    """How many open alerts reached a further level of the roster."""
    due = Alert.objects.filter(
        status=AlertStatus.OPEN, next_escalation_at__isnull=False, next_escalation_at__lte=now
    ).order_by("next_escalation_at", "pk")
    count = 0
    for alert in due:
        before = alert.escalation_level
        if escalate_alert(alert).escalation_level > before:
            count += 1
    return count
