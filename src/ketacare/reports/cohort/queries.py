"""The cohort report as a read use case: the policy row, the scope, one audit entry.

Staff of a clinic see their own clinic's patients only (`Patient.objects.visible_to`);
a platform superuser, or the installation's operator at the command line (no user),
names the clinic. The read is audited once, as an aggregate: which clinic, which range
and filters, how many patients were counted and their record ids (so that a patient's
record can say it was counted), never a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ketacare.accounts.models import Clinic
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.clinical.outcomes.report import CohortReport, cohort_report
from ketacare.kernel import policy
from ketacare.kernel.errors import NotFound
from ketacare.patients.models import Patient
from ketacare.patients.protocol import outcome_rules
from ketacare.reports.cohort.definitions import definitions
from ketacare.reports.cohort.gather import INSTRUMENTS, gather_courses
from ketacare.reports.cohort.specs import CohortSpec

if TYPE_CHECKING:
    from ketacare.accounts.models import User

OBJECT_TYPE = "reports.CohortReport"
NO_CLINIC = (
    "Name the clinic whose cohort to report on: an account of no clinic sees no clinic's "
    "patients unless it names one."
)


@dataclass(frozen=True)
class CohortResult:
    """The report, with what it was asked for, of which clinic, and its numbers in words."""

    clinic: Clinic
    spec: CohortSpec
    report: CohortReport
    definitions: tuple[str, ...]  # how each number is defined, from the rules it used


def _clinic_for(actor: User | None, spec: CohortSpec) -> Clinic:
    """The actor's own clinic; a superuser's or the operator's named one (404 if none)."""
    wanted = spec.clinic_id
    if actor is not None and actor.clinic_id is not None:
        if wanted is not None and wanted != actor.clinic_id:
            raise NotFound("No clinic of yours has this id.")
        wanted = actor.clinic_id
    if wanted is None:
        raise NotFound(NO_CLINIC)
    clinic = Clinic.objects.filter(pk=wanted).first()
    if clinic is None:
        raise NotFound(f"No clinic has the id {wanted}.")
    return clinic


def cohort_report_for(actor: User | None, spec: CohortSpec, *, via: str) -> CohortResult:
    """The clinic's cohort report (read_cohort_report), audited once as `via` read it.

    `actor` None is the installation's operator at the command line: the audit entry
    names the command (audit.context.acting), and the clinic must be named.
    """
    if actor is not None:
        policy.require_role(actor, policy.rule("read_cohort_report"))
    clinic = _clinic_for(actor, spec)
    patients = Patient.objects.filter(clinic_id=clinic.pk)
    if actor is not None:
        patients = patients & Patient.objects.visible_to(actor)
    scoped = spec.model_copy(update={"clinic_id": clinic.pk})
    courses = gather_courses(patients, scoped)
    rules, endpoints = outcome_rules(clinic.pk), spec.report_rules()
    report = cohort_report(courses, rules=rules, endpoints=endpoints, instruments=INSTRUMENTS)
    detail = {
        "via": via,
        "first_dose_from": spec.first_dose_from.isoformat(),
        "first_dose_to": spec.first_dose_to.isoformat(),
        "filters": spec.filters(),
        "patients": len(courses),
        "ids": [int(course.key) for course in courses],
    }
    record(Event(AuditAction.LIST, OBJECT_TYPE, clinic_id=clinic.pk, detail=detail), actor=actor)
    words = definitions(rules, endpoints)
    return CohortResult(clinic=clinic, spec=scoped, report=report, definitions=words)
