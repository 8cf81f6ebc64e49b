"""The Twilio SMS backend against a fake Twilio on 127.0.0.1, and its settings failing closed."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from twilio.base.exceptions import TwilioRestException

from ketacare.alerts.models import Notification, NotificationStatus
from ketacare.alerts.outbox import drain
from ketacare.alerts.services import queue_text
from ketacare.alerts.sms import IDEMPOTENCY_HEADER, TwilioSmsBackend, get_sms_backend
from ketacare.env import TWILIO_BACKEND, env_twilio
from tests.alerts.fake_twilio import SENDER, SID, TOKEN, FakeTwilio
from tests.alerts.helpers import DOSE_AT

TO = "+15557654321"


def test_a_message_reaches_twilio_with_its_fields_auth_and_send_key(fake_twilio: FakeTwilio):
    get_sms_backend().send(to=TO, body="ketacare: hello", send_key="reminder:abc:sms")
    [request] = fake_twilio.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request.form == {"To": TO, "From": SENDER, "Body": "ketacare: hello"}
    expected = base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"
    assert request.headers[IDEMPOTENCY_HEADER.lower()] == "reminder:abc:sms"


def test_a_messaging_service_replaces_the_sender(fake_twilio: FakeTwilio):
    with override_settings(TWILIO_FROM="", TWILIO_MESSAGING_SERVICE_SID="MG" + "1" * 32):
        get_sms_backend().send(to=TO, body="x", send_key="k")
    form = fake_twilio.requests[0].form
    assert form["MessagingServiceSid"] == "MG" + "1" * 32
    assert "From" not in form


def test_the_same_send_key_goes_with_every_try(fake_twilio: FakeTwilio):
    backend = TwilioSmsBackend()
    backend.send(to=TO, body="x", send_key="alert:1:raised:sms:f00")
    backend.send(to=TO, body="x", send_key="alert:1:raised:sms:f00")
    keys = {r.headers[IDEMPOTENCY_HEADER.lower()] for r in fake_twilio.requests}
    assert keys == {"alert:1:raised:sms:f00"}


@pytest.mark.parametrize("status", [400, 401, 429, 500])
def test_an_error_answer_raises(fake_twilio: FakeTwilio, status: int):
    fake_twilio.fail_next(status, 21211, "The 'To' number is not a valid phone number.")
    with pytest.raises(TwilioRestException) as raised:
        TwilioSmsBackend().send(to="+1", body="x", send_key="k")
    assert raised.value.status == status


@pytest.mark.django_db
def test_the_outbox_retries_a_refused_message_then_sends_it(fake_twilio: FakeTwilio):
    with time_machine.travel(DOSE_AT, tick=False):
        queue_text(to=TO, label="sitter Sam", body="ketacare: code 123456", send_key="code:1")
        fake_twilio.fail_next(400, 21211, "The 'To' number is not a valid phone number.")
        result = drain("w1")
    assert (result.sent, result.retried) == (0, 1)
    row = Notification.objects.get()
    assert row.status == NotificationStatus.PENDING
    assert "21211" in row.last_error or "not a valid phone number" in row.last_error
    with time_machine.travel(DOSE_AT + timedelta(minutes=2), tick=False):
        assert drain("w1").sent == 1
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT
    assert len(fake_twilio.requests) == 2


@pytest.mark.django_db
def test_the_outbox_dead_letters_after_the_last_try(fake_twilio: FakeTwilio):
    with override_settings(KETACARE_OUTBOX_MAX_ATTEMPTS=2), time_machine.travel(DOSE_AT) as t:
        queue_text(to=TO, label="sitter Sam", body="ketacare: code 1", send_key="code:2")
        for _ in range(2):
            fake_twilio.fail_next(503, 20500, "Service unavailable")
            drain("w1")
            t.shift(timedelta(hours=1))
    assert Notification.objects.get().status == NotificationStatus.DEAD


def test_the_backend_refuses_to_run_without_credentials():
    with (
        override_settings(TWILIO_ACCOUNT_SID="", TWILIO_AUTH_TOKEN="", TWILIO_FROM=""),
        pytest.raises(ImproperlyConfigured, match="TWILIO_ACCOUNT_SID"),
    ):
        TwilioSmsBackend()


# --- The settings fail closed --------------------------------------------------------------

FULL = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_FROM": SENDER}


def test_another_backend_needs_no_twilio_settings():
    assert env_twilio("ketacare.alerts.sms.ConsoleSmsBackend", environ={}) == {}


def test_twilio_settings_are_read_from_the_environment():
    found = env_twilio(TWILIO_BACKEND, environ=FULL)
    assert found["TWILIO_ACCOUNT_SID"] == SID
    assert found["TWILIO_FROM"] == SENDER
    assert found["TWILIO_API_BASE_URL"] == ""


def test_the_auth_token_may_come_from_a_file(tmp_path):
    secret = tmp_path / "token"
    secret.write_text(TOKEN + "\n")
    environ = {**FULL, "TWILIO_AUTH_TOKEN": "", "TWILIO_AUTH_TOKEN_FILE": str(secret)}
    environ.pop("TWILIO_AUTH_TOKEN")
    assert env_twilio(TWILIO_BACKEND, environ=environ)["TWILIO_AUTH_TOKEN"] == TOKEN


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("TWILIO_ACCOUNT_SID", "TWILIO_ACCOUNT_SID"),
        ("TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN"),
        ("TWILIO_FROM", "TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID"),
    ],
)
def test_the_twilio_backend_without_a_credential_refuses_to_start(missing: str, named: str):
    environ = {k: v for k, v in FULL.items() if k != missing}
    with pytest.raises(ImproperlyConfigured) as raised:
        env_twilio(TWILIO_BACKEND, environ=environ)
    message = str(raised.value)
    assert named in message
    assert "\n" not in message  # one line at start-up
    assert TOKEN not in message


def test_a_sender_and_a_messaging_service_together_are_refused():
    environ = {**FULL, "TWILIO_MESSAGING_SERVICE_SID": "MG1"}
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env_twilio(TWILIO_BACKEND, environ=environ)


def test_the_real_settings_refuse_twilio_without_credentials(tmp_path):
    drop = {"DJANGO_SETTINGS_MODULE", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(DEBUG="1", KETACARE_SMS_BACKEND=TWILIO_BACKEND, TWILIO_ACCOUNT_SID=SID)
    done = subprocess.run(
        [sys.executable, "-c", "import ketacare.settings"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        "django.core.exceptions.ImproperlyConfigured: KETACARE_SMS_BACKEND is Twilio: set "
        "TWILIO_AUTH_TOKEN and TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID too."
    )
