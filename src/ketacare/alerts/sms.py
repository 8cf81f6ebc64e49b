"""Pluggable SMS delivery: `KETACARE_SMS_BACKEND` names a class with `send(to, body, send_key)`.

The default, `ConsoleSmsBackend`, writes the message to stdout and the log (development and
demo). A real provider's backend passes `send_key` as the provider's idempotency key, so a
message resent after a worker crash is delivered once; providers without one may deliver it
twice (at-least-once). A backend raises any exception to say the message was not accepted.
"""

from __future__ import annotations

import logging
import sys
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("ketacare.alerts.sms")


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str, send_key: str) -> None: ...


class ConsoleSmsBackend:
    """Writes each text message to stdout and to the log instead of sending it."""

    def send(self, *, to: str, body: str, send_key: str) -> None:
        sys.stdout.write(f"SMS to {to} [{send_key}]: {body}\n")
        log.info("SMS to %s [%s]", to, send_key)


class MemorySmsBackend:
    """Keeps the messages in `MemorySmsBackend.outbox` (tests)."""

    outbox: ClassVar[list[tuple[str, str, str]]] = []

    def send(self, *, to: str, body: str, send_key: str) -> None:
        self.outbox.append((to, body, send_key))


def get_sms_backend() -> SmsBackend:
    path = str(settings.KETACARE_SMS_BACKEND)
    backend: SmsBackend = import_string(path)()
    return backend
