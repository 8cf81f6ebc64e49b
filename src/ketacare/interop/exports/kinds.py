"""A record type of the export: its file, its rows for a clinic and a range, its columns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from ketacare.accounts.models import Clinic, User
from ketacare.interop.exports.columns import Column, Kind

# Rows read from the database at a time: memory stays bounded whatever the clinic's size.
CHUNK = 2000


@dataclass(frozen=True)
class Window:
    """The days asked for, from the first to the last inclusive, on the clinic's clock."""

    first_day: date
    last_day: date
    start: datetime  # the first day's midnight on the clinic's clock (aware)
    end: datetime  # the midnight after the last day (exclusive)

    @classmethod
    def of(cls, first_day: date, last_day: date, zone: str) -> Window:
        tz = ZoneInfo(zone)
        start = datetime.combine(first_day, time(), tzinfo=tz)
        end = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=tz)
        return cls(first_day, last_day, start, end)

    def around(self, field: str) -> dict[str, datetime]:
        """The filter keeping rows whose `field` falls in the window."""
        return {f"{field}__gte": self.start, f"{field}__lt": self.end}


Rows = Callable[[User, Clinic, Window], QuerySet[Any]]


@dataclass(frozen=True)
class RecordType:
    key: str  # the file is <key>.csv
    words: str  # for the page and the command's help
    rows: Rows
    columns: tuple[Column, ...]
    patient_id: Callable[[Any], int]

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            msg = f"{self.key}: a column name is repeated"
            raise ValueError(msg)
        for c in self.columns:
            if c.kind is Kind.TIME and not c.name.endswith("_utc"):
                msg = f"{self.key}.{c.name}: a time column's name says _utc"
                raise ValueError(msg)


def of_patient(row: Any) -> int:
    return int(row.patient_id)


def zone_column() -> Column:
    """The patient's time zone, to read a UTC time as the patient lived it (not research)."""
    return Column("patient_timezone", lambda row: row.patient.timezone, Kind.VALUE)
