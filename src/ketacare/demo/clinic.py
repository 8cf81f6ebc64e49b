"""The demo clinic: staff, patients in every phase, sitters and consents.

Built with bulk inserts so `ketacare demo --patients 10000` takes seconds, not
minutes: one password hash is computed once and shared by every demo account.

The first `journeys` patients are different: they are registered in screening at the
start of the demo's history (JOURNEY_HISTORY before the load), and `ketacare demo`
then walks each one to their phase through the real services
(`ketacare.demo.journeys`). The others
are placed directly in their phase with a made-up history, as bulk records.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from django.contrib.auth.hashers import make_password
from django.db import transaction

from ketacare.accounts.models import Clinic, RoleGrant, User
from ketacare.accounts.roles import Role
from ketacare.audit.log import Event, record_many
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock
from ketacare.patients.models import (
    Consent,
    ConsentDocument,
    Indication,
    Patient,
    PhaseChange,
    SexAtBirth,
    Sitter,
)
from ketacare.patients.phases import Phase

DEMO_CLINIC_NAME = "Demo Ketamine Clinic"
DEMO_PASSWORD = "ketacare-demo"  # noqa: S105 - printed for the demo; never used outside it
BATCH = 1000

STAFF: tuple[tuple[str, str, str, tuple[Role, ...]], ...] = (
    ("admin", "Avery", "Admin", (Role.ADMIN,)),
    ("dr.rivera", "Sam", "Rivera", (Role.CLINICIAN, Role.PRESCRIBER)),
    ("dr.chen", "Lee", "Chen", (Role.CLINICIAN,)),
    ("pharmacist", "Pat", "Okafor", (Role.PHARMACIST,)),
    ("coordinator", "Jo", "Martin", (Role.COORDINATOR,)),
)

# How 20 demo patients spread over the phases (repeated for larger demos).
PHASE_PATTERN: tuple[Phase, ...] = (
    *(Phase.SCREENING,) * 2,
    *(Phase.INTAKE,) * 2,
    *(Phase.UNDER_REVIEW,) * 3,
    *(Phase.APPROVED,) * 2,
    Phase.DECLINED,
    *(Phase.INDUCTION,) * 4,
    *(Phase.MAINTENANCE,) * 4,
    Phase.PAUSED,
    Phase.DISCHARGED,
)

# The indication of each of those 20 (half TRD, a quarter each MDD and PTSD), in the
# order of the journeys (demo.journeys.TEMPLATES).
INDICATION_PATTERN: tuple[Indication, ...] = (
    Indication.TRD,
    Indication.PTSD,
    Indication.TRD,
    Indication.PTSD,
    Indication.TRD,
    Indication.PTSD,
    Indication.MDD,
    Indication.TRD,
    Indication.MDD,
    Indication.TRD,
    Indication.TRD,
    Indication.MDD,
    Indication.PTSD,
    Indication.TRD,
    Indication.TRD,
    Indication.TRD,
    Indication.PTSD,
    Indication.MDD,
    Indication.TRD,
    Indication.MDD,
)
# Patients walked through their journey are registered this long before the load (the
# clinic's go-live); every journey fits after it (the longest, a completed course, takes
# about 16 weeks from consent to discharge).
JOURNEY_HISTORY = timedelta(weeks=20)

# The path each phase was reached by, for the phase history.
PATHS: dict[Phase, tuple[Phase, ...]] = {
    Phase.SCREENING: (),
    Phase.INTAKE: (Phase.INTAKE,),
    Phase.UNDER_REVIEW: (Phase.INTAKE, Phase.UNDER_REVIEW),
    Phase.APPROVED: (Phase.INTAKE, Phase.UNDER_REVIEW, Phase.APPROVED),
    Phase.DECLINED: (Phase.INTAKE, Phase.UNDER_REVIEW, Phase.DECLINED),
    Phase.INDUCTION: (Phase.INTAKE, Phase.UNDER_REVIEW, Phase.APPROVED, Phase.INDUCTION),
    Phase.MAINTENANCE: (
        Phase.INTAKE,
        Phase.UNDER_REVIEW,
        Phase.APPROVED,
        Phase.INDUCTION,
        Phase.MAINTENANCE,
    ),
    Phase.PAUSED: (
        Phase.INTAKE,
        Phase.UNDER_REVIEW,
        Phase.APPROVED,
        Phase.INDUCTION,
        Phase.MAINTENANCE,
        Phase.PAUSED,
    ),
    Phase.DISCHARGED: (
        Phase.INTAKE,
        Phase.UNDER_REVIEW,
        Phase.APPROVED,
        Phase.INDUCTION,
        Phase.MAINTENANCE,
        Phase.DISCHARGED,
    ),
}
# Everyone who is or was dosed at home had a sitter (discharged patients' sessions too).
NEEDS_SITTER = frozenset(
    {Phase.APPROVED, Phase.INDUCTION, Phase.MAINTENANCE, Phase.PAUSED, Phase.DISCHARGED}
)
REASONS = {
    Phase.DECLINED: "Psychotic disorder in history (absolute exclusion).",
    Phase.PAUSED: "Travelling for three weeks.",
    Phase.DISCHARGED: "Course completed; remission sustained.",
}

FIRST = (
    "Alex",
    "Jordan",
    "Taylor",
    "Morgan",
    "Casey",
    "Riley",
    "Jamie",
    "Quinn",
    "Robin",
    "Drew",
    "Sky",
    "Dana",
)
LAST = (
    "Garcia",
    "Smith",
    "Nguyen",
    "Johnson",
    "Brown",
    "Lopez",
    "Patel",
    "Kim",
    "Walker",
    "Young",
    "Allen",
    "Wright",
)

CONSENT_TITLE = "Informed consent to at-home ketamine treatment"
CONSENT_BODY = """\
I understand that ketamine is a controlled medicine prescribed off-label for depression and PTSD.
I will take it at home only as prescribed, by mouth (dissolved under the tongue) or as a nasal
spray, with an adult sitter present for at least two hours. I will not drive until the next day
after sleep. Ketamine can raise blood pressure and cause dissociation, nausea, vomiting and
dizziness; it can be misused. I will store it locked away and report every dose, missing tablet
and side effect. I can stop at any time."""

T = TypeVar("T")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    roles: str
    password: str = DEMO_PASSWORD


@dataclass(frozen=True)
class PlannedJourney:
    """A patient registered in screening, to be walked to `phase` by the services."""

    index: int  # the patient's place in the demo (patient01 is 0): it picks their journey
    patient: Patient
    phase: Phase


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
            builder = _Builder.start(clinic_name, seed)
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


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())[:20]


def _phone(rng: random.Random) -> str:
    return f"+1 555 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}"


@dataclass
class _Builder:
    clinic: Clinic
    rng: random.Random
    password: str  # one hash shared by every demo account: hashing 10,000 would take minutes
    prefix: str  # usernames of a second demo clinic are prefixed with its name
    clinician: User
    document: ConsentDocument

    @classmethod
    def start(cls, clinic_name: str, seed: int) -> _Builder:
        clinic = Clinic.objects.create(
            name=clinic_name, timezone="America/New_York", on_call_phone="+1 555 010 0199"
        )
        password = make_password(DEMO_PASSWORD)
        prefix = "" if clinic_name == DEMO_CLINIC_NAME else f"{_slug(clinic_name)}."
        staff = {}
        for username, first, last, roles in STAFF:
            staff[username] = user = User.objects.create(
                username=f"{prefix}{username}",
                first_name=first,
                last_name=last,
                clinic=clinic,
                password=password,
                is_staff=True,
                email=f"{username}@demo.invalid",
            )
            RoleGrant.objects.bulk_create([RoleGrant(user=user, role=r) for r in roles])
        document = ConsentDocument.objects.create(
            clinic=clinic, version=1, title=CONSENT_TITLE, body=CONSENT_BODY
        )
        rng = random.Random(seed)  # noqa: S311 - demo data, not security
        return cls(clinic, rng, password, prefix, staff["dr.rivera"], document)

    def add_patients(self, indexes: list[int]) -> None:
        """Patients placed directly in their phase, with a made-up phase history."""
        phases = [PHASE_PATTERN[i % len(PHASE_PATTERN)] for i in indexes]
        records = self._create(indexes, phases, since=clock.now() - timedelta(days=3))
        self._history_consents_sitters(records, phases)

    def add_walked_patients(self, indexes: list[int]) -> list[PlannedJourney]:
        """Patients registered in screening now, for the journeys to walk to their phase.

        Sitters are registered now for those whose phase needs one (and only for them,
        as for the bulk records); consent, intake and the rest come with the journey.
        """
        phases = [PHASE_PATTERN[i % len(PHASE_PATTERN)] for i in indexes]
        records = self._create(indexes, [Phase.SCREENING] * len(indexes), since=clock.now())
        self._registered(records, phases)
        return [
            PlannedJourney(index, patient, phase)
            for index, patient, phase in zip(indexes, records, phases, strict=True)
        ]

    def _create(self, indexes: list[int], phases: list[Phase], since: datetime) -> list[Patient]:
        names = [(self.rng.choice(FIRST), self.rng.choice(LAST)) for _ in indexes]
        users = User.objects.bulk_create(
            [
                User(
                    username=f"{self.prefix}patient{i + 1:02d}",
                    first_name=first,
                    last_name=last,
                    clinic=self.clinic,
                    password=self.password,
                    email=f"{self.prefix}patient{i + 1}@demo.invalid",
                )
                for i, (first, last) in zip(indexes, names, strict=True)
            ]
        )
        RoleGrant.objects.bulk_create([RoleGrant(user=u, role=Role.PATIENT) for u in users])
        return Patient.objects.bulk_create(
            [
                self._patient(u, phase, INDICATION_PATTERN[i % len(INDICATION_PATTERN)], since)
                for i, u, phase in zip(indexes, users, phases, strict=True)
            ]
        )

    def _patient(
        self, user: User, phase: Phase, indication: Indication, since: datetime
    ) -> Patient:
        rng = self.rng
        return Patient(
            clinic=self.clinic,
            user=user,
            legal_name=f"{user.first_name} {user.last_name}",
            date_of_birth=date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 40)),
            sex_at_birth=rng.choice([SexAtBirth.FEMALE, SexAtBirth.MALE]),
            weight_kg=Decimal(rng.randrange(480, 1100)) / 10,
            timezone=rng.choice(["America/New_York", "America/Chicago", "America/Los_Angeles"]),
            phone=_phone(rng),
            email=user.email,
            emergency_contact_name=f"{rng.choice(FIRST)} {user.last_name}",
            emergency_contact_phone=_phone(rng),
            indication=indication,
            phase=phase,
            phase_since=since,
            paused_from=Phase.MAINTENANCE.value if phase is Phase.PAUSED else "",
        )

    def _history_consents_sitters(self, records: list[Patient], phases: list[Phase]) -> None:
        now = clock.now()
        history, consents, events = [], [], []
        sitters: list[tuple[Sitter, Patient]] = []
        for patient, phase in zip(records, phases, strict=True):
            path = PATHS[phase]
            steps = [("", Phase.SCREENING), *zip((Phase.SCREENING, *path), path, strict=False)]
            start = now - timedelta(days=7 * (len(path) + 1))
            history += [
                PhaseChange(
                    patient=patient,
                    from_phase=src,
                    to_phase=dst,
                    actor=self.clinician,
                    reason=REASONS.get(dst, ""),
                    at=start + timedelta(days=7 * k),
                )
                for k, (src, dst) in enumerate(steps)
            ]
            if Phase.UNDER_REVIEW in path:
                consents.append(
                    Consent(
                        patient=patient,
                        document=self.document,
                        signed_by=patient.user,
                        signature_name=patient.legal_name,
                        signed_at=start + timedelta(days=6),
                    )
                )
            if phase in NEEDS_SITTER:
                sitters.append((self._sitter(patient), patient))
            events.append(Event.about(AuditAction.CREATE, patient, detail={"via": "demo"}))
        PhaseChange.objects.bulk_create(history)
        Consent.objects.bulk_create(consents)
        self._save_sitters(sitters)
        record_many(events)

    def _registered(self, records: list[Patient], phases: list[Phase]) -> None:
        """What registering writes (as `services.register_patient`), with their sitters."""
        history = [
            PhaseChange(
                patient=p,
                from_phase="",
                to_phase=Phase.SCREENING,
                actor=self.clinician,
                reason="registered",
            )
            for p in records
        ]
        PhaseChange.objects.bulk_create(history)
        self._save_sitters(
            [
                (self._sitter(p), p)
                for p, phase in zip(records, phases, strict=True)
                if phase in NEEDS_SITTER
            ]
        )
        record_many([Event.about(AuditAction.CREATE, p, detail={"via": "demo"}) for p in records])

    def _sitter(self, patient: Patient) -> Sitter:
        return Sitter(
            clinic_id=patient.clinic_id,
            name=f"{self.rng.choice(FIRST)} {patient.legal_name.split()[1]}",
            phone=_phone(self.rng),
            relationship=self.rng.choice(["partner", "parent", "friend", "sibling"]),
            adult_confirmed=True,  # the clinic checked at registration (CLINICAL.md D)
        )

    def _save_sitters(self, pairs: list[tuple[Sitter, Patient]]) -> None:
        if not pairs:
            return
        users = User.objects.bulk_create(
            [
                User(
                    # The sitter of patient07 signs in as sitter07.
                    username=p.user.username.replace("patient", "sitter"),  # type: ignore[union-attr]
                    first_name=s.name.split()[0],
                    last_name=s.name.split()[1],
                    clinic_id=s.clinic_id,
                    password=self.password,
                )
                for s, p in pairs
            ]
        )
        RoleGrant.objects.bulk_create([RoleGrant(user=u, role=Role.SITTER) for u in users])
        for (sitter, _), user in zip(pairs, users, strict=True):
            sitter.user = user
        saved = Sitter.objects.bulk_create([s for s, _ in pairs])
        links = [
            Sitter.patients.through(sitter_id=s.pk, patient_id=p.pk)
            for s, (_, p) in zip(saved, pairs, strict=True)
        ]
        # Sitters may sit for several people: the batch's first sitter also sits
        # for the second patient who needs one.
        if len(pairs) > 1:
            links.append(Sitter.patients.through(sitter_id=saved[0].pk, patient_id=pairs[1][1].pk))
        Sitter.patients.through.objects.bulk_create(links)


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
