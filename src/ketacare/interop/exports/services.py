"""Exporting a clinic's records: one use case per mode, one audit entry per export.

`export_records` writes the records as they are (for the clinic's own use: a copy, a
move to another system); `export_research` pseudonymises them (pseudonyms.py) and keeps
only each record type's research columns (columns.py). Either way the export is one use
case: the actor's roles are checked (kernel.policy), the rows read through the actor's
scoped querysets, and one audit entry (AuditAction.EXPORT) names the clinic, the record
types, the days, the mode and how many rows each file holds.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass

from ketacare.accounts.models import Clinic, User
from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.interop.exports.columns import Writer
from ketacare.interop.exports.kinds import CHUNK, RecordType, Window
from ketacare.interop.exports.pseudonyms import Pseudonymiser, research_key
from ketacare.interop.exports.records import RECORD_TYPES
from ketacare.interop.exports.sinks import Sink
from ketacare.interop.exports.specs import ExportSpec
from ketacare.kernel.errors import NotFound
from ketacare.kernel.usecase import note, use_case

IDENTIFYING = "identifying"
RESEARCH = "research"

# Called with (record type, rows written since the last call) as the files are written.
Progress = Callable[[str, int], object]
PROGRESS_EVERY = 500


@dataclass(frozen=True)
class ExportResult:
    clinic: Clinic
    window: Window
    mode: str
    rows: dict[str, int]  # record type -> rows written


def _no_progress(_key: str, _rows: int) -> None:
    return None


def export(
    actor: User, spec: ExportSpec, sink: Sink, progress: Progress = _no_progress
) -> ExportResult:
    """The export `spec` asks for, written to `sink`, in the mode it names."""
    if spec.research:
        return export_research(actor, spec, sink, progress)
    return export_records(actor, spec, sink, progress)


@use_case("export_records")
def export_records(
    actor: User, spec: ExportSpec, sink: Sink, progress: Progress = _no_progress
) -> ExportResult:
    return _export(actor, spec, sink, progress, None)


@use_case("export_research")
def export_research(
    actor: User, spec: ExportSpec, sink: Sink, progress: Progress = _no_progress
) -> ExportResult:
    return _export(actor, spec, sink, progress, Pseudonymiser(research_key()))


def _clinic(actor: User, clinic_id: int) -> Clinic:
    """The clinic, if the actor works for it (the installation's superuser: any)."""
    if not actor.is_superuser and actor.clinic_id != clinic_id:
        raise NotFound("No such clinic.")
    found = Clinic.objects.filter(pk=clinic_id).first()
    if found is None:
        raise NotFound("No such clinic.")
    return found


@dataclass(frozen=True)
class _Run:
    """One export under way: whose scope, which clinic and days, where, and how."""

    actor: User
    clinic: Clinic
    window: Window
    sink: Sink
    progress: Progress
    pseudonyms: Pseudonymiser | None

    def write(self, kind: RecordType) -> int:
        """The rows of `kind` to its file, one at a time; how many."""
        writer = Writer.of(kind.columns, kind.patient_id, self.pseudonyms)
        rows = kind.rows(self.actor, self.clinic, self.window)
        count = 0
        with self.sink.file(f"{kind.key}.csv") as handle:
            out = csv.writer(handle)
            out.writerow(writer.header)
            for row in rows.iterator(chunk_size=CHUNK):
                out.writerow(writer.cells(row))
                count += 1
                if count % PROGRESS_EVERY == 0:
                    self.progress(kind.key, PROGRESS_EVERY)
        self.progress(kind.key, count % PROGRESS_EVERY)
        return count


def _export(
    actor: User, spec: ExportSpec, sink: Sink, progress: Progress, p: Pseudonymiser | None
) -> ExportResult:
    clinic = _clinic(actor, spec.clinic_id)
    window = Window.of(spec.first_day, spec.last_day, str(clinic.timezone))
    run = _Run(actor, clinic, window, sink, progress, p)
    rows = {key: run.write(RECORD_TYPES[key]) for key in spec.types}
    result = ExportResult(clinic, window, RESEARCH if p else IDENTIFYING, rows)
    note(_event(result))
    return result


def _event(result: ExportResult) -> Event:
    return Event(
        action=AuditAction.EXPORT,
        object_type="accounts.Clinic",
        object_id=str(result.clinic.pk),
        clinic_id=result.clinic.pk,
        detail={
            "mode": result.mode,
            "types": list(result.rows),
            "first_day": result.window.first_day.isoformat(),
            "last_day": result.window.last_day.isoformat(),
            "rows": result.rows,
        },
    )
