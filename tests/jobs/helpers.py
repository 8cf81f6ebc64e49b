"""Running `ketacare worker --once` at a given moment, as cron would."""

from __future__ import annotations

from io import StringIO

import time_machine
from django.core.management import call_command


def run_worker(at: object) -> str:
    out = StringIO()
    with time_machine.travel(at, tick=False):
        call_command("worker", "--once", stdout=out)
    return out.getvalue()
