r"""`ketacare export`: a clinic's records for a range of days, as CSV files.

    ketacare export --user ada --clinic "Clinic A" --from 2026-01-01 --to 2026-03-31 \
        [--types patients,doses] [--research] --output exports/ (or exports.zip)

`--user` is the person exporting (a clinic administrator; a prescriber may make research
exports): the export is refused without one, and the audit log names them. A progress
bar goes to stderr; the summary to stdout.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from ketacare.accounts.models import Clinic, User
from ketacare.audit.context import acting
from ketacare.interop.exports.records import TYPE_KEYS
from ketacare.interop.exports.services import ExportResult, export
from ketacare.interop.exports.sinks import DirectorySink, Sink, ZipSink
from ketacare.interop.exports.specs import ExportSpec
from ketacare.kernel import policy, specs

NO_USER = (
    "Say who is exporting with --user USERNAME (one of the clinic's administrators, or a "
    "prescriber for --research): the audit log names the person behind every export."
)


def _user(username: str | None) -> User:
    if not username:
        raise CommandError(NO_USER)
    found = User.objects.filter(username=username, is_active=True).first()
    if found is None:
        raise CommandError(f"No active user is named {username!r}. {NO_USER}")
    return found


def _clinic(value: str) -> Clinic:
    found = Clinic.objects.filter(name=value).first()
    if found is None and value.isdigit():
        found = Clinic.objects.filter(pk=int(value)).first()
    if found is None:
        raise CommandError(f"No clinic is named {value!r} (give its name or its number).")
    return found


def _spec(clinic: Clinic, options: dict[str, Any]) -> ExportSpec:
    types = [t.strip() for t in str(options["types"]).split(",") if t.strip()]
    wanted = {
        "clinic_id": clinic.pk,
        "first_day": options["first_day"],
        "last_day": options["last_day"],
        "types": types,
        "research": bool(options["research"]),
    }
    try:
        return specs.read(ExportSpec, wanted)
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from None


def _allowed(user: User, research: bool) -> None:
    use_case = "export_research" if research else "export_records"
    if not policy.may(user, use_case):
        rule = policy.rule(use_case)
        raise CommandError(
            f"{user.get_username()} may not {rule.what}: only {policy.words(rule.roles)} may."
        )


def _run(user: User, spec: ExportSpec, sink: Sink) -> ExportResult:
    with (
        acting(user, label="command:export"),
        tqdm(unit="row", desc="Exporting", file=sys.stderr, disable=None) as bar,
    ):

        def progress(key: str, rows: int) -> None:
            bar.set_description(key)
            bar.update(rows)

        return export(user, spec, sink, progress)


class Command(BaseCommand):
    help = (
        "Export a clinic's records for a range of days as one CSV file per record type "
        f"({', '.join(TYPE_KEYS)}), identifying or pseudonymised (--research)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help="Your username (who exports, for the audit log).")
        parser.add_argument("--clinic", required=True, help="The clinic's name (or number).")
        parser.add_argument("--from", dest="first_day", required=True, help="First day.")
        parser.add_argument("--to", dest="last_day", required=True, help="Last day, included.")
        parser.add_argument(
            "--types", default=",".join(TYPE_KEYS), help="Record types, comma-separated."
        )
        parser.add_argument("--research", action="store_true", help="Pseudonymise.")
        parser.add_argument(
            "--output", required=True, help="A directory, or a file ending in .zip."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = _user(options["user"])
        clinic = _clinic(str(options["clinic"]))
        spec = _spec(clinic, options)
        _allowed(user, spec.research)
        output = Path(options["output"])
        try:
            result = self._export(user, spec, output)
        except (ObjectDoesNotExist, PermissionDenied) as exc:
            raise CommandError(f"{exc} Nothing was exported.") from None
        rows = ", ".join(f"{k} {n}" for k, n in result.rows.items())
        self.stdout.write(
            f"Exported {result.mode} records of {clinic.name} "
            f"({spec.first_day} to {spec.last_day}) to {output}: {rows}."
        )

    def _export(self, user: User, spec: ExportSpec, output: Path) -> ExportResult:
        if output.suffix.lower() != ".zip":
            return _run(user, spec, DirectorySink(output))
        try:
            with ZipSink(output) as sink:
                return _run(user, spec, sink)
        except BaseException:
            output.unlink(missing_ok=True)  # no half-written archive left behind
            raise
