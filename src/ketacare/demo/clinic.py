"""The demo clinic: staff, patients in every phase, sitters and consents.

Built with bulk inserts so `ketacare demo --patients 10000` takes seconds, not
minutes: one password hash is computed once and shared by every demo account.

The first `journeys` patients are different: they are registered in screening at the
start of the demo's history (JOURNEY_HISTORY before the load), and `ketacare demo`
then walks each one to their phase through the real services
(`ketacare.demo.journeys`). The others
are placed directly in their phase with a made-up history, as bulk records.

The bulk records are written by `demo.builder`; the people and patterns they follow
(staff, names, the phases and indications of each round of 20, the consent text) are
in `demo.people`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import transaction

from ketacare.accounts.models import Clinic, User
from ketacare.demo.builder import Builder, PlannedJourney
from ketacare.demo.people import DEMO_CLINIC_NAME, DEMO_PASSWORD, PHASE_PATTERN
from ketacare.demo.second_factor import set_up_demo_second_factor
from ketacare.kernel import clock
from ketacare.patients.models import Patient, Sitter
from ketacare.patients.phases import Phase

__all__ = [
    "BATCH",
    "DEMO_CLINIC_NAME",
    "DEMO_PASSWORD",
    "JOURNEY_HISTORY",
    "PHASE_PATTERN",
    "DemoLogin",
    "DemoResult",
    "PlannedJourney",
    "demo_logins",
    "load_demo",
]

BATCH = 1000
# Patients walked through their journey are registered this long before the load (the
# clinic's go-live); every journey fits after it (the longest, a completed course, takes
# about 16 weeks from consent to discharge).
JOURNEY_HISTORY = timedelta(weeks=20)

T = TypeVar("T")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    roles: str
    password: str = DEMO_PASSWORD


@dataclass(frozen=True)
class DemoResult:
    clinic: Clinic
    created: bool
    patients: int
    journeys: tuple[PlannedJourney, ...] = ()


def _batches(items: list[T], size: int = BATCH) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_demo(
    patients: int = 20,
    *,
    clinic_name: str = DEMO_CLINIC_NAME,
    seed: int = 2026,
    progress: Callable[[int], object] | None = None,
    journeys: int = 0,
) -> DemoResult:
    """Create the demo clinic once; a second call finds it and changes nothing.

    The first `journeys` patients are registered in screening at the clinic's go-live
    (JOURNEY_HISTORY ago, with the clinic, its staff and its consent text) and returned
    as `DemoResult.journeys` for the caller to walk; the others are bulk records.
    """
    existing = Clinic.objects.filter(name=clinic_name).first()
    if existing is not None:
        return DemoResult(existing, created=False, patients=existing.patients.count())
    tick = progress or (lambda _n: None)
    indexes = list(range(patients))
    walked, bulk = indexes[:journeys], indexes[journeys:]
    planned: list[PlannedJourney] = []
    with transaction.atomic():
        with _travel(clock.now() - JOURNEY_HISTORY if walked else None):
            builder = Builder.start(clinic_name, seed)
            set_up_demo_second_factor(builder.clinic)
            for chunk in _batches(walked):
                planned += builder.add_walked_patients(chunk)
                tick(len(chunk))
        for chunk in _batches(bulk):
            builder.add_patients(chunk)
            tick(len(chunk))
    return DemoResult(builder.clinic, created=True, patients=patients, journeys=tuple(planned))


def _travel(moment: datetime | None) -> AbstractContextManager[object]:
    """The demo's clock at `moment` (services and model stamps read it), or left alone."""
    if moment is None:
        return nullcontext()
    return clock.frozen_at(moment.replace(minute=0, second=0, microsecond=0))


def demo_logins(clinic: Clinic) -> list[DemoLogin]:
    """Staff, plus one patient (and their sitter) in each of the phases worth a look."""
    logins = [
        DemoLogin(user.username, "+".join(sorted(user.roles)))
        for user in User.objects.filter(clinic=clinic, is_staff=True)
        .prefetch_related("role_grants")
        .order_by("pk")
    ]
    for phase in (Phase.INTAKE, Phase.INDUCTION, Phase.MAINTENANCE):
        patient = (
            Patient.objects.filter(clinic=clinic, phase=phase, user__isnull=False)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if patient is None or patient.user is None:
            continue
        logins.append(DemoLogin(patient.user.username, f"patient ({phase.label.lower()})"))
        sitter = (
            Sitter.objects.filter(patients=patient, user__isnull=False)
            .select_related("user")
            .first()
        )
        if sitter is not None and sitter.user is not None:
            logins.append(DemoLogin(sitter.user.username, f"sitter of {patient.user.username}"))
    return logins
