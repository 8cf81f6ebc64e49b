"""`ketacare report cohort`: the cohort outcome report of a clinic, as text, JSON, CSV or HTML.

    ketacare report cohort --clinic 1 --from 2026-01-01 --to 2026-06-30 \
        [--indication trd] [--route sublingual] [--product troche] \
        [--format text|json|csv|html] [--output FILE] [--user USERNAME]

Patients whose first at-home dose fell in the range (days of the clinic's zone, both
included), numbers only. Without --user the read is the installation operator's and the
audit entry names the command; with --user it is that account's, its role checked
(kernel.policy `read_cohort_report`) and its clinic's patients only. The HTML is one
self-contained file (inline CSS and SVG). One audit entry per run; nothing is written
unless every option is valid.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketacare.accounts.models import User
from ketacare.audit.context import acting
from ketacare.kernel import specs
from ketacare.reports.cohort import formats
from ketacare.reports.cohort.present import cohort_view
from ketacare.reports.cohort.queries import cohort_report_for
from ketacare.reports.cohort.specs import CohortSpec

FORMATS = ("text", "json", "csv", "html")
OPTIONS = {  # the spec's field -> the option that gives it
    "first_dose_from": "--from",
    "first_dose_to": "--to",
    "indication": "--indication",
    "route": "--route",
    "product": "--product",
    "window_days": "--window-days",
    "clinic_id": "--clinic",
}


def parse_output(value: str | None) -> Path | None:
    if value is None:
        return None
    path = Path(value)
    if path.is_dir():
        raise CommandError(f"--output {value!r} is a folder; give a file name such as report.html.")
    if not path.parent.is_dir():
        raise CommandError(f"--output {value!r}: the folder {str(path.parent)!r} does not exist.")
    return path


def read_spec(options: dict[str, Any]) -> CohortSpec:
    wanted = {field: options[field] for field in OPTIONS if options.get(field) not in {None, ""}}
    try:
        return specs.read(CohortSpec, wanted)
    except ValidationError as exc:
        problems = "; ".join(
            f"{OPTIONS.get(field, field)}: {' '.join(messages)}"
            for field, messages in exc.message_dict.items()
        )
        raise CommandError(problems) from None


def find_user(username: str | None) -> User | None:
    if username is None:
        return None
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"--user {username!r}: no account has this username.")
    return user


class Command(BaseCommand):
    help = "Reports of a clinic: `report cohort` writes the cohort outcome report."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="cohort")
        cohort = sub.add_parser("cohort", help="The cohort outcome report (numbers, no names).")
        cohort.add_argument("--clinic", dest="clinic_id", help="The clinic's id.")
        cohort.add_argument("--from", dest="first_dose_from", required=True,
                            help="First dose on or after this day (YYYY-MM-DD).")  # fmt: skip
        cohort.add_argument("--to", dest="first_dose_to", required=True,
                            help="First dose on or before this day (YYYY-MM-DD).")  # fmt: skip
        cohort.add_argument("--indication", help="mdd, trd or ptsd (default: every one).")
        cohort.add_argument("--route", help="sublingual, oral or intranasal (default: every one).")
        cohort.add_argument("--product", help="The formulation, e.g. troche (default: every one).")
        cohort.add_argument(
            "--window-days", dest="window_days", help="Days a score counts after a session."
        )
        cohort.add_argument("--format", default="text", choices=FORMATS, help="Default text.")
        cohort.add_argument("-o", "--output", help="The file to write (default: the screen).")
        cohort.add_argument("--user", help="Read as this account (its role and clinic).")

    def handle(self, *args: Any, **options: Any) -> None:
        spec = read_spec(options)
        output = parse_output(options["output"])
        user = find_user(options["user"])
        if user is None and spec.clinic_id is None:
            raise CommandError("--clinic: give the clinic's id (or --user of its staff).")
        try:
            with acting(user, label="command:report cohort"):
                result = cohort_report_for(user, spec, via="command")
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        except ObjectDoesNotExist as exc:
            raise CommandError(f"--clinic: {exc}") from None
        view = cohort_view(result.report)
        written = self._render(options["format"], result, view)
        if output is None:
            self.stdout.write(written, ending="")
            return
        output.write_text(written, encoding="utf-8")
        self.stderr.write(f"Wrote {output} ({len(written.encode()) // 1024} kB).")

    def _render(self, kind: str, result: Any, view: Any) -> str:
        if kind == "json":
            return json.dumps(formats.as_dict(result), indent=2, default=str) + "\n"
        if kind == "csv":
            return formats.as_csv(view)
        if kind == "html":
            return formats.as_html(result, view)
        return formats.as_text(result, view)
