"""Plans, prescriptions, the controlled-substance ledger and at-home dosing sessions.

Rows are written only by `treatment.services`; the database constraints of these models
hold the rules they can hold (a balance never below zero, a prescription never
dispensed beyond its quantity and refills, one current plan per patient), so that a bug
or a race in Python still cannot store a broken ledger.

Ledger units. The ledger counts units of the dispensed product, as a Decimal with one
decimal place: tablets and troches (a scored tablet may be taken as a half: 0.5), nasal
sprays (whole sprays) and esketamine devices (whole devices). A patient has one ledger
account, so a plan may change the product only while the balance is zero (the old
stock is returned or destroyed first); prescriptions and dispenses are whole units.

The models live by topic in this package; Django finds them here, so every model (and
every choice and constant the other modules use) is imported below.
"""

from ketacare.pharmacy.models.product import (
    TABLET_KINDS,
    UNIT_NOUNS,
    Drug,
    FormulationKind,
    LedgerUnit,
    Product,
    Route,
)
from ketacare.treatment.models.adverse_events import AdverseEvent, AdverseEventOutcome, Severity
from ketacare.treatment.models.base import (
    DOSE_MAX_DIGITS,
    DOSE_PLACES,
    HALF,
    LEDGER_MAX_DIGITS,
    LEDGER_PLACES,
    ONE,
)
from ketacare.treatment.models.check_ins import Feeling, PostDoseCheckIn, SideEffect
from ketacare.treatment.models.dispensing import Dispense
from ketacare.treatment.models.diversion import DiversionFinding, DiversionKind
from ketacare.treatment.models.holds import DosingClearance, Hold
from ketacare.treatment.models.ledger import (
    OUTGOING_KINDS,
    LedgerAccount,
    LedgerEvent,
    LedgerEventKind,
)
from ketacare.treatment.models.pdmp import PdmpCheck, PdmpResult
from ketacare.treatment.models.plans import DEFAULT_CHECK_IN_DEADLINE_MIN, TreatmentPlan
from ketacare.treatment.models.prescriptions import (
    Prescription,
    PrescriptionState,
    RefillRequest,
)
from ketacare.treatment.models.readings import PostDoseReading
from ketacare.treatment.models.releases import FillRelease
from ketacare.treatment.models.reviews import (
    NOTE_REQUIRED,
    Benefit,
    InductionReview,
    ReviewDecision,
)
from ketacare.treatment.models.sessions import (
    DOSED_STATUSES,
    DosingSession,
    SessionStatus,
    SubstanceToday,
)
from ketacare.treatment.models.sitters import (
    CodePurpose,
    ConfirmedBy,
    SitterCode,
    SitterPresence,
)

__all__ = [
    "DEFAULT_CHECK_IN_DEADLINE_MIN",
    "DOSED_STATUSES",
    "DOSE_MAX_DIGITS",
    "DOSE_PLACES",
    "HALF",
    "LEDGER_MAX_DIGITS",
    "LEDGER_PLACES",
    "NOTE_REQUIRED",
    "ONE",
    "OUTGOING_KINDS",
    "TABLET_KINDS",
    "UNIT_NOUNS",
    "AdverseEvent",
    "AdverseEventOutcome",
    "Benefit",
    "CodePurpose",
    "ConfirmedBy",
    "Dispense",
    "DiversionFinding",
    "DiversionKind",
    "DosingClearance",
    "DosingSession",
    "Drug",
    "Feeling",
    "FillRelease",
    "FormulationKind",
    "Hold",
    "InductionReview",
    "LedgerAccount",
    "LedgerEvent",
    "LedgerEventKind",
    "LedgerUnit",
    "PdmpCheck",
    "PdmpResult",
    "PostDoseCheckIn",
    "PostDoseReading",
    "Prescription",
    "PrescriptionState",
    "Product",
    "RefillRequest",
    "ReviewDecision",
    "Route",
    "SessionStatus",
    "Severity",
    "SideEffect",
    "SitterCode",
    "SitterPresence",
    "SubstanceToday",
    "TreatmentPlan",
]
