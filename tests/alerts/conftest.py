from __future__ import annotations

import pytest

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.models import OnCallRoster, OnCallShift
from tests.factories import UserFactory


@pytest.fixture
def on_call(clinic: Clinic) -> User:
    """Olive: the level-1 on-call clinician."""
    return UserFactory(clinic=clinic, clinician=True, username="olive", email="olive@example.org")


@pytest.fixture
def second_line(clinic: Clinic) -> User:
    return UserFactory(clinic=clinic, clinician=True, username="sean", email="sean@example.org")


@pytest.fixture
def director(clinic: Clinic) -> User:
    return UserFactory(clinic=clinic, prescriber=True, username="dora", email="dora@example.org")


@pytest.fixture
def roster(clinic: Clinic, on_call: User, second_line: User, director: User) -> OnCallRoster:
    roster = OnCallRoster.objects.create(clinic=clinic)
    OnCallShift.objects.create(roster=roster, user=on_call, level=1)
    OnCallShift.objects.create(roster=roster, user=second_line, level=2)
    OnCallShift.objects.create(roster=roster, user=director, is_medical_director=True)
    return roster
