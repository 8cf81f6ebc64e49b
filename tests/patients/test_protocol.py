"""A clinic's protocol: only its administrators change it, with a reason, within range."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from ketacare.accounts.models import Clinic, User
from ketacare.audit.log import verify
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinical import rules
from ketacare.kernel import specs
from ketacare.kernel.errors import NotAllowed
from ketacare.patients.models import ClinicProtocol
from ketacare.patients.protocol import (
    change_protocol,
    clinic_rules,
    current_protocol,
    outcome_rules,
)
from ketacare.patients.specs import ProtocolSpec
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_clinic_without_a_protocol_runs_the_defaults(clinic: Clinic) -> None:
    assert current_protocol(clinic.pk) is None
    assert clinic_rules(clinic.pk) == rules.DEFAULT
    assert clinic_rules(None) == rules.DEFAULT


def test_the_outcome_rules_are_the_clinics_without_reading_its_protocol(
    clinic: Clinic, clinic_admin: User, django_assert_num_queries: Any
) -> None:
    change_protocol(
        clinic_admin,
        clinic,
        ProtocolSpec(changes={"min_hours_between_doses": 48}, reason="Medical director, 2026-12."),
    )
    with django_assert_num_queries(0):
        judged_by = outcome_rules(clinic.pk)
    assert judged_by == clinic_rules(clinic.pk).outcomes


def test_a_clinic_loosens_a_setting_with_a_reason_and_it_is_audited(
    clinic: Clinic, clinic_admin: User
) -> None:
    first = change_protocol(
        clinic_admin,
        clinic,
        ProtocolSpec(
            changes={"min_hours_between_doses": 48, "checklist_valid_minutes": 45},
            reason="Medical director's sign-off, 2026-12: 48 h spacing (G1).",
        ),
    )
    assert (first.version, first.is_current) == (1, True)
    assert first.changes == {"min_hours_between_doses": 48, "checklist_valid_minutes": 45}
    assert first.loosened == ["min_hours_between_doses"]  # 45 min is stricter than 60
    safety = clinic_rules(clinic.pk).safety
    assert safety.min_interval_between_doses == timedelta(hours=48)
    assert safety.checklist_valid_for == timedelta(minutes=45)
    entry = AuditEntry.objects.get(object_type="patients.ClinicProtocol")
    assert entry.action == AuditAction.CREATE
    assert entry.detail["loosened"] == ["min_hours_between_doses"]
    assert entry.detail["changed"]["min_hours_between_doses"] == [72, 48]
    # A second change keeps the first's other settings; None puts one back to its default.
    second = change_protocol(
        clinic_admin,
        clinic,
        ProtocolSpec(changes={"min_hours_between_doses": None}, reason="Back to 72 h."),
    )
    assert (second.version, second.changes) == (2, {"checklist_valid_minutes": 45})
    first.refresh_from_db()
    assert first.is_current is False
    assert ClinicProtocol.objects.count() == 2  # nothing is edited: versions
    assert verify().ok


@pytest.mark.parametrize(
    ("changes", "reason", "field"),
    [
        ({"min_hours_between_doses": 24}, "Faster", "changes"),  # G1: 48 h at the least
        ({"observation_minutes": 60}, "Shorter", "changes"),  # D: never under 2 h
        ({"no_such_setting": 1}, "x", "changes"),
        ({"bp_tries_per_day": 3}, "Same", "changes"),  # nothing changes
        ({"bp_tries_per_day": 2}, " ", "reason"),
    ],
)
def test_a_protocol_change_out_of_range_without_a_reason_or_changing_nothing_is_refused(
    clinic: Clinic, clinic_admin: User, changes: dict, reason: str, field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        change_protocol(
            clinic_admin, clinic, specs.read(ProtocolSpec, {"changes": changes, "reason": reason})
        )
    assert field in err.value.message_dict
    assert not ClinicProtocol.objects.exists()


@pytest.mark.parametrize("trait", ["clinician", "prescriber", "coordinator", "pharmacist"])
def test_only_the_clinics_administrators_change_its_protocol(
    clinic: Clinic, trait: str, other_clinic: Clinic
) -> None:
    with pytest.raises(NotAllowed):
        change_protocol(
            UserFactory(clinic=clinic, **{trait: True}),
            clinic,
            ProtocolSpec(changes={"bp_tries_per_day": 2}, reason="Stricter"),
        )
    with pytest.raises(NotAllowed):
        change_protocol(
            UserFactory(clinic=other_clinic, clinic_admin=True),
            clinic,
            ProtocolSpec(changes={"bp_tries_per_day": 2}, reason="Not ours"),
        )
    assert not ClinicProtocol.objects.exists()
