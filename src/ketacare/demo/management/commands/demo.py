"""`ketacare demo [--patients N]`: load the demo clinic once and print its logins.

The journeys it replays run on the clock module, in this command's own context.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from ketacare.audit.context import acting
from ketacare.demo.clinic import DEMO_CLINIC_NAME, demo_logins, load_demo
from ketacare.demo.journeys import JOURNEY_LIMIT, walk_journeys
from ketacare.demo.second_factor import current_demo_code, demo_key_base32
from ketacare.kernel import usecase

MAX_PATIENTS = 1_000_000


def _patient_count(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        raise CommandError(f"--patients {value!r} is not a whole number.") from None
    if not 1 <= count <= MAX_PATIENTS:
        raise CommandError(f"--patients {count} is outside 1-{MAX_PATIENTS:,}.")
    return count


class Command(BaseCommand):
    help = (
        "Load the demo clinic (staff, patients in every phase, sitters) unless it exists; "
        f"the first {JOURNEY_LIMIT} patients' treatment journeys are replayed through the "
        "services."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", default="20", help="How many patients (default 20).")
        parser.add_argument(
            "--clinic", default=DEMO_CLINIC_NAME, help="Clinic name (another name, another clinic)."
        )
        parser.add_argument("--seed", default=2026, type=int, help="Random seed of the data.")

    def handle(self, *args: Any, **options: Any) -> None:
        count = _patient_count(str(options["patients"]))
        name = str(options["clinic"]).strip()
        if not name:
            raise CommandError("--clinic must not be empty.")
        seed = options["seed"]
        started = time.perf_counter()
        # One transaction (a use-case batch: each use case a savepoint of it): a journey
        # that fails leaves no half-loaded clinic behind (a second run would take it for
        # loaded).
        with acting(label="command:demo"), usecase.batch():
            with tqdm(total=count, unit="patient", desc="Demo patients", disable=None) as bar:
                result = load_demo(
                    count,
                    clinic_name=name,
                    seed=seed,
                    progress=bar.update,
                    journeys=min(count, JOURNEY_LIMIT),
                )
            if result.journeys:
                with tqdm(
                    total=len(result.journeys), unit="journey", desc="Demo journeys", disable=None
                ) as bar:
                    walk_journeys(result.journeys, seed=seed, progress=bar.update)
        elapsed = time.perf_counter() - started
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {result.clinic.name}: {result.patients} patients in {elapsed:.1f} s "
                    f"({len(result.journeys)} with their treatment journey replayed)."
                )
            )
        else:
            self.stdout.write(
                f"{result.clinic.name} is already loaded ({result.patients} patients); "
                "nothing changed."
            )
        self.stdout.write("\nDemo logins (password for all: ketacare-demo):")
        for login in demo_logins(result.clinic):
            self.stdout.write(f"  {login.username:<24} {login.roles}")
        self.stdout.write(
            "The prescriber and the pharmacist give a code after the password: add the key "
            f"{demo_key_base32()} to an authenticator app (the code now: {current_demo_code()})."
        )
