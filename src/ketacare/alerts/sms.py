"""Pluggable SMS delivery: `KETACARE_SMS_BACKEND` names a class with `send(to, body, send_key)`.

The default, `ConsoleSmsBackend`, writes the message to stdout and the log (development and
demo). `TwilioSmsBackend` sends through Twilio's official client, configured by the
environment (settings.py; ketacare.env.env_twilio refuses to start without credentials). A
real provider's backend passes `send_key` as the provider's idempotency key, so a message
resent after a worker crash is delivered once; providers without one may deliver it twice
(at-least-once). A backend raises any exception to say the message was not accepted.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

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


# How long one request to the provider may take before the try counts as failed (ketacare
# default): the outbox retries it, so a slow provider never holds the worker for long.
PROVIDER_TIMEOUT_S = 10.0
# Twilio's idempotency header. Twilio documents it on the requests it sends to webhooks;
# that its Messages API drops a repeated create carrying the same token is not in the
# documentation we could read, so it is sent for what it is worth (harmless if ignored)
# and the outbox stays at-least-once either way.
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"


class _KetacareHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio has no hints
    """Twilio's HTTP client, adding the message's send key and, in tests, another host.

    `base_url` (TWILIO_API_BASE_URL) replaces the scheme and host of every request: tests
    point it at a fake server on 127.0.0.1; production leaves it empty.
    """

    def __init__(self, *, send_key: str, base_url: str) -> None:
        super().__init__(timeout=PROVIDER_TIMEOUT_S)
        self.send_key = send_key
        self.base_url = base_url.rstrip("/")

    def request(  # noqa: PLR0913, PLR0917 - TwilioHttpClient's own signature
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if self.base_url:
            parts = urlsplit(url)
            url = self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {**(headers or {}), IDEMPOTENCY_HEADER: self.send_key}
        return super().request(
            method, url, params, data, headers, auth, timeout, allow_redirects=allow_redirects
        )


class TwilioSmsBackend:
    """Sends each text message with Twilio's Messages API (from a number or a service).

    A 4xx or 5xx answer raises twilio's TwilioRestException, a network failure its own
    error: the outbox retries with backoff and dead-letters after the last try.
    """

    def __init__(self) -> None:
        sid = str(settings.TWILIO_ACCOUNT_SID or "")
        token = str(settings.TWILIO_AUTH_TOKEN or "")
        self.sender = str(settings.TWILIO_FROM or "")
        self.service = str(settings.TWILIO_MESSAGING_SERVICE_SID or "")
        self.base_url = str(settings.TWILIO_API_BASE_URL or "")
        if not (sid and token and (self.sender or self.service)):
            # settings.py refuses to start like this; a test's override may not.
            msg = "The Twilio SMS backend needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
            raise ImproperlyConfigured(msg + "TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID.")
        self.sid, self.token = sid, token

    def send(self, *, to: str, body: str, send_key: str) -> None:
        http = _KetacareHttpClient(send_key=send_key, base_url=self.base_url)
        # Twilio's client also reads TWILIO_REGION and TWILIO_EDGE, its own documented ones.
        client = Client(self.sid, self.token, http_client=http)
        sender: dict[str, Any] = (
            {"messaging_service_sid": self.service} if self.service else {"from_": self.sender}
        )
        message = client.messages.create(to=to, body=body, **sender)
        log.info("SMS to %s [%s] accepted by Twilio as %s", to, send_key, message.sid)


def get_sms_backend() -> SmsBackend:
    path = str(settings.KETACARE_SMS_BACKEND)
    backend: SmsBackend = import_string(path)()
    return backend
