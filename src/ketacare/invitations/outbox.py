"""An email into the notification outbox: the invitation's, and the password reset link.

As alerts.services.queue_text does for a text message: the row is written in the caller's
transaction and the worker sends it; the body holds the clinic's name and a sign-in link,
never health detail.
"""

from __future__ import annotations

from ketacare.accounts.models import User
from ketacare.alerts.models import Channel, Notification
from ketacare.kernel import clock


def queue_email(  # noqa: PLR0913 - keyword-only, as queue_text
    *,
    to: str,
    label: str,
    subject: str,
    body: str,
    send_key: str,
    recipient: User | None = None,
) -> Notification:
    return Notification.objects.create(
        alert=None,
        recipient=recipient,
        recipient_label=label,
        channel=Channel.EMAIL,
        address=to,
        subject=subject,
        body=body,
        next_attempt_at=clock.now(),
        send_key=send_key,
    )
