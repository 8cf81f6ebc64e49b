"""Running `ketacare demo` in tests, and loading it once for a whole module."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditEntry
from ketacare.patients.models import Patient, PhaseChange, Sitter


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def printed_logins(output: str) -> list[str]:
    """The usernames listed under "Demo logins" in the command's output."""
    _, _, listing = output.partition("Demo logins")
    return re.findall(r"^  (\S+)\s", listing, flags=re.MULTILINE)


def counts() -> dict[str, int]:
    return {
        "clinics": Clinic.objects.count(),
        "users": User.objects.count(),
        "patients": Patient.objects.count(),
        "sitters": Sitter.objects.count(),
        "history": PhaseChange.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def demo_once(*args: str, at: datetime | None = None) -> Callable[..., Any]:
    """A module-scoped fixture: the demo loaded once (at `at`) for a module's tests.

    The demo replays its journeys through the services, seconds rather than the
    milliseconds of a factory, so the module's tests share one load. It runs in a
    transaction rolled back after the module; each test runs in a savepoint inside it
    (pytest-django's `db`, which the tests request), so what a test adds is undone after
    it. The fixture gives the command's output. With `at`, the clock stays there for the
    module's tests too, so what they see does not depend on the day they run.
    """

    @pytest.fixture(scope="module")
    def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
        # Marked as Django's TestCase marks its own: the command's durable batch runs in it.
        module = transaction.atomic()
        module._from_testcase = True  # type: ignore[attr-defined]
        with django_db_blocker.unblock(), module:
            if at is None:
                yield run_demo(*args)
            else:
                with time_machine.travel(at, tick=False):
                    yield run_demo(*args)
            transaction.set_rollback(True)

    return loaded
