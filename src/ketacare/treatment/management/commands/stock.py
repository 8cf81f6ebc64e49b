"""`ketacare stock check`: the clinic's stock book against its patients' ledgers.

Prints, for each clinic (or the one `--clinic` names), every inconsistency
(treatment.stock_book) and the dispenses recorded before the lot master (apart: they drew
from no lot of the book). Exit 0 when there is no inconsistency, 1 otherwise.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketacare.accounts.models import Clinic
from ketacare.treatment.stock_book import book_against_ledgers, unlotted_dispenses


class Command(BaseCommand):
    help = (
        "The clinic's stock. `stock check` holds the stock book against the patients' "
        "ledgers and itself; exit 1 on any inconsistency."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="check")
        check = sub.add_parser("check", help="Hold the book against the ledgers; exit 1 if off.")
        check.add_argument("--clinic", type=int, help="Only this clinic (its id).")

    def handle(self, *args: Any, **options: Any) -> None:
        clinics = Clinic.objects.order_by("pk")
        if options["clinic"] is not None:
            clinics = clinics.filter(pk=options["clinic"])
            if not clinics.exists():
                raise CommandError(f"No clinic {options['clinic']}.")
        off = sum(self._check(clinic) for clinic in clinics)
        if off:
            raise CommandError(f"Stock book INCONSISTENT: {off} inconsistencies (above).")
        self.stdout.write(self.style.SUCCESS("Stock book consistent with the patients' ledgers."))

    def _check(self, clinic: Clinic) -> int:
        found = book_against_ledgers(clinic.pk)
        for line in found:
            self.stdout.write(f"{clinic.name}: {line.message}")
        for old in unlotted_dispenses(clinic.pk):
            self.stdout.write(
                f"{clinic.name}: patient {old.patient_id} has {old.dispenses} dispenses "
                f"({old.units} units net of voids) from before the lot master: not in the book."
            )
        if not found:
            self.stdout.write(f"{clinic.name}: consistent.")
        return len(found)
