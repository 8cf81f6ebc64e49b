"""The safety rules in force for a patient: the plan's, else the clinic's protocol's.

Before, a patient without a plan was held to the published defaults in three places (the
sitter's confirmation, the portal's blood-pressure limits, the vitals chart) even where
the clinic's protocol had changed them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from ketacare.accounts.models import Clinic, User
from ketacare.clinical import safety
from ketacare.patients.models import Patient
from ketacare.patients.protocol import change_protocol, clinic_rules
from ketacare.patients.specs import ProtocolSpec
from ketacare.treatment.models import TreatmentPlan
from ketacare.treatment.plans import plan_safety_rules, safety_rules_in_force

pytestmark = pytest.mark.django_db


def test_without_a_plan_the_clinic_s_protocol_is_in_force(
    clinic: Clinic, clinic_admin: User, approved: Patient
) -> None:
    assert safety_rules_in_force(approved, None) == safety.DEFAULT_RULES
    change_protocol(
        clinic_admin,
        clinic,
        ProtocolSpec(
            changes={"sitter_confirmation_valid_minutes": 45},
            reason="Sitters confirm closer to the dose (medical director, 2026-12).",
        ),
    )
    in_force = safety_rules_in_force(approved, None)
    assert in_force == clinic_rules(clinic.pk).safety
    assert in_force.sitter_confirmation_valid_for == timedelta(minutes=45)


def test_with_a_plan_the_plan_s_rules_are_in_force(approved: Patient, plan: TreatmentPlan) -> None:
    assert safety_rules_in_force(approved, plan) == plan_safety_rules(plan)
