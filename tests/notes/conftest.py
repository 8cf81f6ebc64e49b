"""The notes tests run on the treatment tests' frozen clock (a plan's first day is today)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from tests.treatment.helpers import NOW


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
