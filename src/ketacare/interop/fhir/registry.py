"""The FHIR resource types this server serves: one registry, one small plug-in interface.

A resource type is a `ResourceType` registered once, at import of its module (the
modules are imported by `ketacare.interop.fhir.types` or by the package's `__init__`,
which every user of the package runs; a new module adds its import to one of them).
The server does the rest for every type alike: reads, searches with paging,
`_include=<Type>:patient`, the CapabilityStatement and `Patient/<id>/$everything`.

The interface, kept stable:

    ResourceType(
        name="MedicationRequest",
        search_params=frozenset({"patient", "date"}),   # of SEARCH_PARAMS
        find=find,          # (patients, search) -> the rows, filtered and ordered
        render=render,      # (row, context) -> one resource as a JSON dict
        fhir_id=fhir_id,    # row -> its FHIR id (letters, digits, '-', '.'; <= 64)
        lookup=lookup,      # (patients, fhir id) -> the row, or None
        patient_of=patient_of,   # row -> its Patient (for _include); None: no patient
        description="...",  # one line for the CapabilityStatement
    )

- `patients` is always the queryset of the patients the caller may read over FHIR
  (already scoped: their clinic's for staff, themself for a patient, none for a sitter).
  `find` and `lookup` must return only rows of those patients: filter on
  `patient__in=patients` (or the row's own path to the patient). Nothing else scopes.
- `find` applies the parsed `Search` (helpers below: `patient_filter`, `date_filter`,
  `code_filter`/`wants_code`) and returns a QuerySet or a list, in a stable order (the
  pages are slices of it). `$everything` calls it with the one patient in `patients` and
  an empty `Search`.
- `lookup` gets the id as the client sent it; return None for an id that is not one of
  yours (a 404 OperationOutcome follows).
- `render` returns the resource as a dict (`resourceType`, `id`, ...) that validates
  with the fhir.resources R4B model of that type (R4B: fhir.resources 8 keeps R5 at its
  root; its `R4B` package is the 4.3 release, whose models read R4 4.0.1 JSON). Refer to
  the patient as `{"reference": f"Patient/{patient.pk}"}`; `context.base_url` is the
  server's base (`https://host/fhir`) for absolute URLs.
- `reads` names the REST API's read rows of the same data (`("read_prescriptions",)`):
  the server serves the type only to callers whose roles pass each of them.
- `patient_of` returning None for every row (Practitioner, Questionnaire) keeps the type
  out of `$everything` and `_include`; such a type sets `compartment=False`.

`Search` is what the request asked for, parsed and checked (a bad value is a 400 naming
the parameter, before `find` runs):
- `patient_ids`: `patient=12` or `patient=Patient/12`, commas for OR; None if not given.
- `codes`: `code=[system|]code`, commas for OR; a code without a system matches any.
- `dates`: `date=<prefix><value>`, repeatable (AND). Prefixes eq ne lt gt le ge sa eb ap
  (no prefix: eq); values at year (2026), month (2026-12), day (2026-12-07) or instant
  (2026-12-07T10:30:00Z, with seconds; no zone: UTC) precision, each the range
  [start, end) of its precision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from ketacare.kernel.clock import now as clock_now
from ketacare.patients.models import Patient

# The search parameters a type may take, beyond the ones every type takes (_count,
# _offset, _include): see Search.
SEARCH_PARAMS = frozenset({"patient", "code", "date"})

Rows = QuerySet[Any] | Sequence[Any]


@dataclass(frozen=True)
class Coding:
    """`system|code`; system None matches any system (`code=44261-6`)."""

    system: str | None
    code: str

    def matches(self, system: str, code: str) -> bool:
        return self.code == code and (self.system is None or self.system == system)


@dataclass(frozen=True)
class DateBound:
    """`date=ge2026-12`: the prefix and the range [start, end) its value stands for (UTC)."""

    prefix: str
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Search:
    patient_ids: frozenset[int] | None = None
    codes: tuple[Coding, ...] = ()
    dates: tuple[DateBound, ...] = ()

    def wants_code(self, system: str, code: str) -> bool:
        """No code asked for, or this one (the filter for rows coded in Python)."""
        return not self.codes or any(c.matches(system, code) for c in self.codes)


@dataclass(frozen=True)
class Context:
    """What rendering needs beyond the row."""

    base_url: str  # the FHIR base, no trailing slash: "https://clinic.example/fhir"


@dataclass(frozen=True)
class ResourceType:
    name: str
    search_params: frozenset[str]
    find: Callable[[QuerySet[Patient], Search], Rows]
    render: Callable[[Any, Context], dict[str, Any]]
    fhir_id: Callable[[Any], str]
    lookup: Callable[[QuerySet[Patient], str], Any | None]
    patient_of: Callable[[Any], Patient | None]
    description: str = ""
    compartment: bool = True  # in $everything and _include (has a patient)
    profiles: tuple[str, ...] = field(default=())  # supported profiles, for the statement
    # The REST API's reads of the same data (kernel.policy rows): a caller must pass each,
    # beside `read_fhir`, so FHIR gives no role more than the API does (a coordinator reads
    # no prescription here either; a patient no clinician note). Empty: `read_fhir` only.
    reads: tuple[str, ...] = field(default=())


_TYPES: dict[str, ResourceType] = {}


def register(resource_type: ResourceType) -> None:
    """Serve `resource_type`; a second type of the same name is an error at import."""
    unknown = resource_type.search_params - SEARCH_PARAMS
    if unknown:
        msg = f"{resource_type.name}: unknown search parameters {sorted(unknown)}"
        raise ValueError(msg)
    if resource_type.name in _TYPES:
        msg = f"FHIR type {resource_type.name} is registered twice"
        raise ValueError(msg)
    _TYPES[resource_type.name] = resource_type


def get(name: str) -> ResourceType | None:
    return _TYPES.get(name)


def registered() -> list[ResourceType]:
    """Every type, by name."""
    return [_TYPES[name] for name in sorted(_TYPES)]


# Helpers for `lookup`, `find` and `patient_of`.


def no_patient(row: object) -> None:
    """`patient_of` of a type whose rows belong to no patient (with compartment=False)."""
    del row


_MAX_ROW_ID = 2**63 - 1


def row_id(fhir_id: str, prefix: str = "") -> int | None:
    """The database id in `<prefix><digits>` ("12", or "qr-12" with prefix "qr-"), or None."""
    digits = fhir_id.removeprefix(prefix) if fhir_id.startswith(prefix) else ""
    if not digits.isascii() or not digits.isdigit() or len(digits) > 18:  # noqa: PLR2004
        return None
    value = int(digits)
    return value if 0 < value <= _MAX_ROW_ID else None


def patient_filter(search: Search, path: str = "patient_id") -> Q:
    """The rows of the patients asked for (`path` is the row's patient id field)."""
    if search.patient_ids is None:
        return Q()
    return Q(**{f"{path}__in": sorted(search.patient_ids)})


def code_filter(search: Search, system: str, codes: dict[str, str], path: str) -> Q:
    """Rows whose `path` holds a key of `codes` ({stored value: code in `system`}) asked for."""
    if not search.codes:
        return Q()
    wanted = [value for value, code in codes.items() if search.wants_code(system, code)]
    return Q(**{f"{path}__in": wanted})


def date_filter(search: Search, path: str) -> Q:
    """Rows whose instant at `path` (a DateTimeField) meets every `date=` given."""
    result = Q()
    for bound in search.dates:
        result &= _date_q(bound, path)
    return result


def date_matches(search: Search, instant: dt.datetime) -> bool:
    """The same test in Python, for rows filtered after reading."""
    return all(_date_test(bound, instant) for bound in search.dates)


# How far `ap` (approximately) reaches either side: 10% of the distance from now, at least
# a day (the FHIR search page leaves the width to the server).
AP_MINIMUM = dt.timedelta(days=1)


def approximate(bound: DateBound, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    reach = max(AP_MINIMUM, abs(now - bound.start) / 10)
    return bound.start - reach, bound.end + reach


Interval = tuple[dt.datetime | None, dt.datetime | None]  # [low, high), None: open

_INTERVALS: dict[str, Callable[[DateBound], Interval]] = {
    "eq": lambda b: (b.start, b.end),
    "ne": lambda b: (b.start, b.end),  # negated below
    "lt": lambda b: (None, b.start),
    "eb": lambda b: (None, b.start),
    "le": lambda b: (None, b.end),
    "gt": lambda b: (b.end, None),
    "sa": lambda b: (b.end, None),
    "ge": lambda b: (b.start, None),
    "ap": lambda b: approximate(b, _now()),
}


def _date_q(bound: DateBound, path: str) -> Q:
    low, high = _INTERVALS[bound.prefix](bound)
    inside = Q()
    if low is not None:
        inside &= Q(**{f"{path}__gte": low})
    if high is not None:
        inside &= Q(**{f"{path}__lt": high})
    return ~inside if bound.prefix == "ne" else inside


def _date_test(bound: DateBound, instant: dt.datetime) -> bool:
    low, high = _INTERVALS[bound.prefix](bound)
    inside = (low is None or instant >= low) and (high is None or instant < high)
    return not inside if bound.prefix == "ne" else inside


def _now() -> dt.datetime:
    return clock_now()
