"""The clock every service and model reads: `now()`, overridable per context.

The demo replays a clinic's past through the services, at the moments the journeys
happened, and tests may fix a moment. Both set the clock of their own context (a
context variable: one thread, or one asyncio task) with `frozen_at`; every other
thread of the process, a server's requests among them, keeps reading the real time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date, datetime, tzinfo

from django.utils import timezone

_moment: ContextVar[datetime | None] = ContextVar("ketacare_clock_moment", default=None)


def now() -> datetime:
    """The current moment (aware, UTC): the context's fixed moment when one is set."""
    moment = _moment.get()
    return timezone.now() if moment is None else moment


def localdate(zone: tzinfo | None = None) -> date:
    """Today's date by `now()`, in `zone` (the active time zone when not given)."""
    return timezone.localdate(now(), timezone=zone)


def is_frozen() -> bool:
    return _moment.get() is not None


@contextlib.contextmanager
def frozen_at(moment: datetime) -> Iterator[datetime]:
    """Fix `now()` at `moment` in this context until the block ends (blocks nest)."""
    if timezone.is_naive(moment):
        msg = "the clock is set with an aware datetime"
        raise ValueError(msg)
    token = _moment.set(moment)
    try:
        yield moment
    finally:
        _moment.reset(token)
