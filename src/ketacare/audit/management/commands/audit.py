"""`ketacare audit verify`: walk the audit hash chain and name the first broken entry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketacare.audit.log import verify


class Command(BaseCommand):
    help = "Audit log tools. `audit verify` checks the hash chain from the first entry."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="verify")
        sub.add_parser("verify", help="Walk the chain; exit 1 naming the first broken entry.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify()
        if not result.ok:
            raise CommandError(
                f"Audit log BROKEN at entry #{result.broken_seq}: {result.reason}. "
                f"{result.checked} entries before it are intact."
            )
        self.stdout.write(
            self.style.SUCCESS(f"Audit log intact: {result.checked} entries verified.")
        )
