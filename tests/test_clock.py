"""The clock module: a moment fixed in one context leaves every other thread on real time.

The demo replays its journeys on it (ketacare.demo), so a server running beside a demo
load keeps the real time; time-machine, which moves the clock of the whole process, is
a test tool only.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from ketacare.demo.clinic import JOURNEY_HISTORY
from ketacare.intake import services as intake_services
from ketacare.kernel import clock
from ketacare.patients.models import Patient

PAST = datetime(2025, 3, 4, 5, 6, tzinfo=UTC)
# A guard against a test that would otherwise hang, not a wait for work: every wait
# below ends as soon as the other thread signals.
GUARD_SECONDS = 600


def _real_now() -> datetime:
    return datetime.now(UTC)


def test_the_clock_reads_the_real_time_when_nothing_is_fixed() -> None:
    before = _real_now()
    read = clock.now()
    assert before <= read <= _real_now()
    assert not clock.is_frozen()


def test_a_fixed_moment_holds_until_its_block_ends_and_blocks_nest() -> None:
    later = PAST + timedelta(days=1)
    with clock.frozen_at(PAST):
        assert clock.now() == PAST
        assert clock.is_frozen()
        with clock.frozen_at(later):
            assert clock.now() == later
        assert clock.now() == PAST
    assert not clock.is_frozen()
    assert clock.now() > PAST


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"), clock.frozen_at(datetime(2025, 3, 4)):  # noqa: DTZ001
        pass


def test_today_is_the_fixed_moment_s_date_in_the_zone_asked_for() -> None:
    with clock.frozen_at(datetime(2025, 3, 4, 3, 0, tzinfo=UTC)):
        assert clock.localdate(ZoneInfo("America/New_York")) == date(2025, 3, 3)
        assert clock.localdate(ZoneInfo("Europe/Berlin")) == date(2025, 3, 4)


def test_another_thread_keeps_the_real_time_while_one_is_fixed() -> None:
    seen: dict[str, Any] = {}
    fixed, checked = threading.Event(), threading.Event()

    def fixed_thread() -> None:
        with clock.frozen_at(PAST):
            fixed.set()
            checked.wait(GUARD_SECONDS)
            seen["inside"] = clock.now()

    worker = threading.Thread(target=fixed_thread)
    worker.start()
    assert fixed.wait(GUARD_SECONDS)
    seen["outside"] = clock.now()
    checked.set()
    worker.join(GUARD_SECONDS)
    assert seen["inside"] == PAST
    assert seen["outside"] - _real_now() < timedelta(minutes=1)


@pytest.mark.django_db(transaction=True)
def test_the_server_keeps_the_real_time_while_a_demo_journey_replays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`ketacare demo` in one thread, paused inside a journey's step at a past moment."""
    reached, release = threading.Event(), threading.Event()
    seen: dict[str, Any] = {}
    start_intake = intake_services.start_intake

    def paused_start_intake(*args: Any, **kwargs: Any) -> Any:
        if not reached.is_set():
            seen["demo"] = clock.now()
            reached.set()
            release.wait(GUARD_SECONDS)
        return start_intake(*args, **kwargs)

    monkeypatch.setattr(intake_services, "start_intake", paused_start_intake)

    def load() -> None:
        try:
            # Three patients: the third is walked as far as intake (demo.clinic).
            call_command("demo", "--patients", "3", stdout=StringIO())
        except BaseException as error:  # reported to the test's thread  # noqa: BLE001
            seen["error"] = error
        finally:
            reached.set()
            connection.close()

    demo = threading.Thread(target=load)
    demo.start()
    try:
        assert reached.wait(GUARD_SECONDS)
        seen["server"], seen["django"] = clock.now(), timezone.now()
        seen["server_frozen"] = clock.is_frozen()
    finally:
        release.set()
        demo.join(GUARD_SECONDS)
    assert "error" not in seen, seen.get("error")
    real = _real_now()
    # The demo's step stood days in its history (the intake patient started lately).
    assert timedelta(days=1) < real - seen["demo"] <= JOURNEY_HISTORY + timedelta(hours=1)
    assert real - seen["server"] < timedelta(minutes=1)  # the server's present
    assert real - seen["django"] < timedelta(minutes=1)
    assert not seen["server_frozen"]
    assert Patient.objects.count() == 3
