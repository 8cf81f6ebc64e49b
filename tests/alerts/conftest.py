"""The alerts tests' fixtures: a fake Twilio on 127.0.0.1 (tests/alerts/fake_twilio.py)."""

from tests.alerts.fake_twilio import fake_twilio

__all__ = ["fake_twilio"]
