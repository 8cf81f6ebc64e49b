"""A fake Twilio Messages API on 127.0.0.1, in a thread; never the internet.

It records each request and answers what the test tells it to (201 with a message, or
an error).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.test import override_settings

SID = "AC" + "0" * 32
TOKEN = "fake-auth-token"
SENDER = "+15550001111"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class FakeTwilio:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    # The answers to give, in turn; when empty, 201 with a queued message.
    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def fail_next(self, status: int, code: int, message: str) -> None:
        self.answers.append((status, {"code": code, "message": message, "status": status}))


def _handler(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length).decode()
            form = {k: v[0] for k, v in parse_qs(raw).items()}
            headers = {k.lower(): v for k, v in self.headers.items()}
            fake.requests.append(Recorded("POST", self.path, headers, form))
            status, body = (
                fake.answers.pop(0)
                if fake.answers
                else (201, {"sid": f"SM{len(fake.requests):032d}", "status": "queued", **form})
            )
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:  # quiet test output
            pass

    return Handler


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    """The fake on a free port, and the settings that send SMS to it through Twilio's client."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(FakeTwilio(url="")))
    fake = FakeTwilio(url=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(fake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with override_settings(
        KETACARE_SMS_BACKEND="ketacare.alerts.sms.TwilioSmsBackend",
        TWILIO_ACCOUNT_SID=SID,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_FROM=SENDER,
        TWILIO_MESSAGING_SERVICE_SID="",
        TWILIO_API_BASE_URL=fake.url,
    ):
        yield fake
    server.shutdown()
    server.server_close()
    thread.join()
