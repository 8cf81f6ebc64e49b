"""The demo clinic's people and patterns: staff, names, phases, indications, consent text.

Pure data, read by the builder (`demo.builder`) and by the journeys (the order of
PHASE_PATTERN and INDICATION_PATTERN is the order of `demo.journeys.TEMPLATES`).
"""

from __future__ import annotations

from ketacare.accounts.roles import Role
from ketacare.patients.models import Indication
from ketacare.patients.phases import Phase

DEMO_CLINIC_NAME = "Demo Ketamine Clinic"
DEMO_PASSWORD = "ketacare-demo"  # noqa: S105 - printed for the demo; never used outside it

STAFF: tuple[tuple[str, str, str, tuple[Role, ...]], ...] = (
    ("admin", "Avery", "Admin", (Role.ADMIN,)),
    ("dr.rivera", "Sam", "Rivera", (Role.CLINICIAN, Role.PRESCRIBER)),
    ("dr.chen", "Lee", "Chen", (Role.CLINICIAN,)),
    ("pharmacist", "Pat", "Okafor", (Role.PHARMACIST,)),
    ("coordinator", "Jo", "Martin", (Role.COORDINATOR,)),
)

# The prescriber's identity on their prescriptions: a DEA number whose check digit
# passes (second letter R for Rivera) and an NPI whose Luhn digit passes. Made up.
PRESCRIBER_IDS = {"dr.rivera": ("AR1234563", "1234567893")}

# Home addresses of the demo patients (made up): street names and a town per time zone.
STREETS = ("Maple Avenue", "Oak Street", "Cedar Lane", "Birch Road", "Willow Court")
TOWNS = {
    "America/New_York": ("Albany", "NY", "12207"),
    "America/Chicago": ("Springfield", "IL", "62701"),
    "America/Los_Angeles": ("Sacramento", "CA", "95814"),
}

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
