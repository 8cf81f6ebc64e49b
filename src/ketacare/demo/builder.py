"""The demo clinic's bulk records: its staff, patients, sitters, consents and histories.

`Builder` writes them with bulk inserts so `ketacare demo --patients 10000` takes
seconds, not minutes: one password hash is computed once and shared by every demo
account. It draws every made-up detail (names, birth dates, weights, phones, sitters)
from one random generator seeded with the demo's seed, in the order the patients are
added, so the same seed gives the same clinic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password

from ketacare.accounts.models import Clinic, RoleGrant, User
from ketacare.accounts.roles import Role
from ketacare.audit.log import Event, record_many
from ketacare.audit.models import AuditAction
from ketacare.demo.people import (
    CONSENT_BODY,
    CONSENT_TITLE,
    DEMO_CLINIC_NAME,
    DEMO_PASSWORD,
    FIRST,
    INDICATION_PATTERN,
    LAST,
    NEEDS_SITTER,
    PATHS,
    PHASE_PATTERN,
    PRESCRIBER_IDS,
    REASONS,
    STAFF,
    STREETS,
    TOWNS,
)
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


@dataclass(frozen=True)
class PlannedJourney:
    """A patient registered in screening, to be walked to `phase` by the services."""

    index: int  # the patient's place in the demo (patient01 is 0): it picks their journey
    patient: Patient
    phase: Phase


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())[:20]


def _phone(rng: random.Random) -> str:
    return f"+1 555 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}"


@dataclass
class Builder:
    """The demo clinic's records, written in batches, with one random generator for all."""

    clinic: Clinic
    rng: random.Random
    password: str  # one hash shared by every demo account: hashing 10,000 would take minutes
    prefix: str  # usernames of a second demo clinic are prefixed with its name
    clinician: User
    document: ConsentDocument

    @classmethod
    def start(cls, clinic_name: str, seed: int) -> Builder:
        clinic = Clinic.objects.create(
            name=clinic_name,
            timezone="America/New_York",
            on_call_phone="+1 555 010 0199",
            # A made-up registration whose check digit is valid (accounts.identifiers).
            dea_registration_number="FD1234563",
            registered_address="100 Harbor Way, Suite 4\nPortland, ME 04101",
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
                dea_number=PRESCRIBER_IDS.get(username, ("", ""))[0],
                npi=PRESCRIBER_IDS.get(username, ("", ""))[1],
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
        patient = Patient(
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
        # The address draws nothing from the generator: the rest of the demo stays as seeded.
        number = sum(map(ord, user.username))
        patient.address_line1 = f"{100 + number % 900} {STREETS[number % len(STREETS)]}"
        town = TOWNS[patient.timezone]
        patient.address_city, patient.address_region, patient.address_postal_code = town
        return patient

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
