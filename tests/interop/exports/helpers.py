"""A small clinic with one treated patient, for the export tests.

The patient of clinic A goes through one session on Monday 3 March 2025 (New York):
a PHQ-9, the dose, the 40-minute reading, the check-in, the sitter's release, an
adverse event, a count of their stock, an alert. Every free text is a value the research
export must never hold.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.models import Alert, AlertCause, AlertSeverity
from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.kernel.clock import now
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment import services
from ketacare.treatment.models import DosingSession
from ketacare.treatment.specs.sessions import (
    AdverseEventSpec,
    CheckInSpec,
    DoseSpec,
    ReadingSpec,
    ReleaseSpec,
)
from tests.factories import PatientFactory
from tests.treatment.helpers import (
    CHECK_IN_BP,
    SCHEDULE,
    after_observation,
    fill,
    ledger_spec,
    plan_for,
    prescribe,
    ready_session,
)

CHECK_IN_NOTE = "Felt floaty near the window"
OTHER_EFFECT = "Tingling fingertips"
RELEASE_NOTE = "Chatting and steady by eight"
EVENT_TEXT = "Dizzy spell on the stairs"
COUNT_NOTE = "Counted at the kitchen table"
ALERT_TITLE = "Dizzy after the dose"
ALERT_MESSAGE = "Patient called about stairs"
FREE_TEXTS = (
    CHECK_IN_NOTE,
    OTHER_EFFECT,
    RELEASE_NOTE,
    EVENT_TEXT,
    COUNT_NOTE,
    ALERT_TITLE,
    ALERT_MESSAGE,
)


def treated(
    clock: Any, clinic: Clinic, prescriber: User, pharmacist: User, **fields: Any
) -> Patient:
    """A patient of `clinic` through one whole session, starting at the clock's now."""
    pat = PatientFactory(clinic=clinic, with_account=True, phase=Phase.APPROVED.value, **fields)
    submit_questionnaire(
        pat.user, pat, questionnaire(instrument="phq9", answers=[2, 1, 1, 1, 1, 1, 1, 1, 0])
    )
    today = now().astimezone(ZoneInfo(pat.timezone)).date()
    plan_for(prescriber, pat, schedule=SCHEDULE | {"first_day": today.isoformat()})
    fill(pharmacist, prescribe(prescriber, pat, earliest_refill_on=today + timedelta(days=21)))
    session = services.record_dose_taken(
        pat.user, ready_session(pat.user, pat), DoseSpec(dose_mg=100)
    )
    clock.shift(timedelta(minutes=40))
    services.record_post_dose_reading(
        pat.user, session, ReadingSpec(systolic_mmhg=132, diastolic_mmhg=84)
    )
    _after(clock, pat, session)
    services.record_ledger_event(pharmacist, pat, ledger_spec("counted", 6, note=COUNT_NOTE))
    Alert.objects.create(
        clinic=clinic,
        patient=pat,
        cause=AlertCause.WORSENING,
        severity=AlertSeverity.WARNING,
        dedupe_key=f"export-test-{pat.pk}",
        title=ALERT_TITLE,
        message=ALERT_MESSAGE,
        raised_at=now(),
    )
    return pat


def _after(clock: Any, pat: Patient, session: DosingSession) -> None:
    after_observation(clock, session)
    effects = CheckInSpec(
        feeling="well",
        blood_pressure=CHECK_IN_BP,
        side_effects=("other",),
        side_effect_other=OTHER_EFFECT,
        notes=CHECK_IN_NOTE,
    )
    services.record_check_in(pat.user, session, effects)
    sitter = pat.sitters.get()
    services.release_session(sitter.user, session, ReleaseSpec(stable=True, note=RELEASE_NOTE))
    services.report_adverse_event(
        pat.user,
        pat,
        AdverseEventSpec(
            description=EVENT_TEXT,
            severity="mild",
            serious=False,
            outcome="resolved",
            session_id=session.pk,
        ),
    )


def zip_files(data: bytes) -> dict[str, list[dict[str, str]]]:
    """The CSV files of a zip archive, each as its rows (dicts by column)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode())))
            for name in archive.namelist()
        }
