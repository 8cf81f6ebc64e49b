"""Columns of the export files: how each cell is read, written, and whether research keeps it.

Research mode is a whitelist: a column is in a research file only when it says
`research=True`, and free text (`Kind.TEXT`) can never say so. Cells are written as:

- ids (`PATIENT`, `USER`, `REF`): the database id; in research, its keyed hash;
- times (`TIME`): ISO 8601 in UTC (the column's name ends in `_utc`); in research,
  moved by the patient's shift; dates (`DATE`) likewise;
- values: as stored (booleans as true/false, lists joined with ";").
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ketacare.interop.exports.pseudonyms import Pseudonymiser


class Kind(enum.Enum):
    PATIENT = "patient"  # the patient's id
    USER = "user"  # a person who acted (staff, the patient, a sitter): their user id
    REF = "ref"  # the id of a record of the export (a session, a response...)
    TIME = "time"
    DATE = "date"
    VALUE = "value"
    TEXT = "text"  # free text or a name, phone, email: never in a research file


@dataclass(frozen=True)
class Column:
    name: str
    read: Callable[[Any], object]
    kind: Kind = Kind.VALUE
    research: bool = False

    def __post_init__(self) -> None:
        if self.research and self.kind is Kind.TEXT:
            msg = f"{self.name} is free text: it cannot be in a research export"
            raise ValueError(msg)


def attr(path: str) -> Callable[[Any], object]:
    """A reader of `row.a.b` (None when a link on the way is empty)."""
    parts = path.split(".")

    def read(row: Any) -> object:
        value = row
        for part in parts:
            if value is None:
                return None
            value = getattr(value, part)
        return value

    return read


def col(name: str, path: str | None = None, kind: Kind = Kind.VALUE, *, r: bool = True) -> Column:
    """A column reading `path` (its name by default); `r`: in the research whitelist."""
    return Column(name, attr(path or name), kind, research=r)


def text(name: str, path: str | None = None) -> Column:
    return Column(name, attr(path or name), Kind.TEXT)


def plain(value: object) -> str:
    """A value as a cell: booleans true/false, lists joined with ";", None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date | Decimal | int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return ";".join(plain(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class Writer:
    """Turns a row into its cells, identifying or pseudonymised."""

    columns: tuple[Column, ...]
    patient_id: Callable[[Any], int]
    pseudonyms: Pseudonymiser | None = None  # None: identifying

    @classmethod
    def of(
        cls, columns: Iterable[Column], patient_id: Callable[[Any], int], p: Pseudonymiser | None
    ) -> Writer:
        kept = tuple(c for c in columns if p is None or c.research)
        return cls(kept, patient_id, p)

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    def cells(self, row: Any) -> list[str]:
        if self.pseudonyms is None:
            return [plain(c.read(row)) for c in self.columns]
        patient = self.patient_id(row)
        return [_research(self.pseudonyms, c, c.read(row), patient) for c in self.columns]


def _research(p: Pseudonymiser, column: Column, value: object, patient: int) -> str:
    """A research cell: ids as keyed hashes, dates moved by the patient's shift."""
    if column.kind is Kind.PATIENT:
        return p.token("patient", value)
    if column.kind is Kind.USER:
        return p.token("user", value)
    if column.kind is Kind.REF:
        return p.token(column.name, value)
    if column.kind in {Kind.TIME, Kind.DATE} and isinstance(value, date):
        return plain(p.moved(value, patient))
    return plain(value)
