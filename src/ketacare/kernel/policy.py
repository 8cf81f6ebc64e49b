"""Who may do what: one table, use case -> roles, that every service and page consults.

Each row names the staff roles (of the patient's clinic) that may run the use case,
and whether the patient themself (`own`) or one of their sitters (`sitter`) may. The
use-case wrapper (kernel.usecase) checks the roles before anything is read; the
service then checks the object (the patient is visible to the actor; their own
record; a sitter only for the people they sit for: `patients.scoping`). The web
shows a link only when `may(user, use_case)`.

Roles are written as the values of accounts.roles.Role (the kernel sits below
accounts). A use case not in the table cannot be declared (kernel.usecase refuses it
at import), so a new one is always given its row here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ketacare.kernel.errors import NotAllowed

PATIENT = "patient"
SITTER = "sitter"
CLINICIAN = "clinician"
PRESCRIBER = "prescriber"
PHARMACIST = "pharmacist"
COORDINATOR = "coordinator"
ADMIN = "admin"


@dataclass(frozen=True)
class Rule:
    what: str  # the use case in words, for a refusal: "Only pharmacist may <what>."
    staff: frozenset[str]
    own: bool = False
    sitter: bool = False
    superuser: bool = False  # the installation's superuser may too, without a role
    public: bool = False  # anyone, signed in or not (the public self-screen)
    signed_in: bool = False  # anyone signed in, whatever their roles (their own tokens)

    @property
    def roles(self) -> frozenset[str]:
        personal = {PATIENT} if self.own else set()
        return self.staff | personal | ({SITTER} if self.sitter else set())


def _rule(what: str, *staff: str, **persons: bool) -> Rule:
    """A row: the use case in words, its staff roles, and which persons beyond them may."""
    return Rule(what, frozenset(staff), **persons)


# Each app's rows, in the order of the journey. Names are the services' names.
_RECORD_EDITORS = (COORDINATOR, ADMIN, CLINICIAN, PRESCRIBER)
# The installation's superuser (superuser=True) keeps the pass the record's services gave
# it before this table; who may decide what is for the clinic's medical director.
_PATIENTS: dict[str, Rule] = {
    "register_patient": _rule("register patients", *_RECORD_EDITORS, superuser=True),
    "update_patient": _rule("edit patient records", *_RECORD_EDITORS, superuser=True),
    "add_sitter": _rule("add sitters", *_RECORD_EDITORS, superuser=True),
    "publish_consent": _rule("publish consent documents", ADMIN, superuser=True),
    "sign_consent": _rule(
        "sign consent for a patient", COORDINATOR, ADMIN, own=True, superuser=True
    ),
    # The record's own moves: open intake, send it for review. Every other move is a
    # clinical decision with a row of its own (patients.phases.DECIDED_BY).
    "move_patient": _rule(
        "change a patient's phase", CLINICIAN, PRESCRIBER, COORDINATOR, ADMIN, superuser=True
    ),
    "change_protocol": _rule("change the clinic's protocol", ADMIN),
}
# Every role working for the clinic follows up its public self-screen's leads.
_LEAD_READERS = (CLINICIAN, PRESCRIBER, PHARMACIST, COORDINATOR, ADMIN)
_INTAKE: dict[str, Rule] = {
    # The patient fills in their own intake; a coordinator of their clinic for them.
    "start_intake": _rule("fill in intake", COORDINATOR, own=True, superuser=True),
    "save_intake_draft": _rule("fill in intake", COORDINATOR, own=True, superuser=True),
    "submit_intake": _rule("fill in intake", COORDINATOR, own=True, superuser=True),
    # Scores the clinic's clinicians rate at the review (Maudsley staging, MADRS), never
    # the patient or the coordinator who fills in the intake for them.
    "rate_intake": _rule("rate the Maudsley staging and the MADRS", CLINICIAN, PRESCRIBER),
    "review_intake": _rule("review eligibility", CLINICIAN, PRESCRIBER, superuser=True),
    "return_intake": _rule("return an intake for more information", CLINICIAN, PRESCRIBER),
    # Anyone taking the public self-screen may leave their details (with consent).
    "create_lead": _rule("leave their details for the clinic", public=True),
    # The installation's superuser sees every clinic's leads.
    "read_lead": _rule("see the clinic's screening leads", *_LEAD_READERS, superuser=True),
    "set_lead_status": _rule(
        "follow up the clinic's screening leads", *_LEAD_READERS, superuser=True
    ),
    "add_lead_note": _rule(
        "note the follow-up of the clinic's screening leads", *_LEAD_READERS, superuser=True
    ),
    # "Convert to patient": a registration, so the roles that register patients.
    "register_lead": _rule("register screening leads as patients", *_RECORD_EDITORS),
}
_ASSESSMENTS: dict[str, Rule] = {
    # The patient submits their own; staff of their clinic on their behalf.
    "submit_questionnaire": _rule(
        "submit questionnaires", CLINICIAN, PRESCRIBER, COORDINATOR, own=True, superuser=True
    ),
    # Who may submit an instrument a clinician rates (MADRS).
    "rate_questionnaire": _rule("rate a clinician-rated questionnaire", CLINICIAN, PRESCRIBER),
    # The clinic's administrators (the installation's superuser for any clinic).
    "configure_questionnaire_schedule": _rule(
        "change the clinic's questionnaire schedule", ADMIN, superuser=True
    ),
}
_STAFF = (CLINICIAN, PRESCRIBER, PHARMACIST, COORDINATOR, ADMIN)
_ALERTS: dict[str, Rule] = {
    "acknowledge_alert": _rule("acknowledge an alert", *_STAFF, superuser=True),
    "resolve_alert": _rule("resolve an alert", *_STAFF, superuser=True),
}
_TREATMENT_PLANS: dict[str, Rule] = {
    "create_plan": _rule("write treatment plans", PRESCRIBER),
    "revise_plan": _rule("revise treatment plans", PRESCRIBER),
    "write_prescription": _rule("write prescriptions", PRESCRIBER),
    "cosign_prescription": _rule("co-sign prescriptions", PRESCRIBER),
    "void_prescription": _rule("void prescriptions", PRESCRIBER),
    "correct_prescription": _rule("correct prescriptions", PRESCRIBER),
    "record_pdmp_check": _rule("record state PDMP checks", PRESCRIBER),
    # Continuing a course of a controlled drug is the prescriber's decision; stopping it
    # (a pause, a discharge) any treating clinician's.
    "start_maintenance": _rule("move a patient to maintenance", PRESCRIBER),
    # Whether the induction helped, and what follows: any treating clinician judges it
    # (CLINICAL.md C: assess benefit at end of induction); dispensing waits for it.
    "record_induction_review": _rule("record the end-of-induction review", CLINICIAN, PRESCRIBER),
    "pause_treatment": _rule("pause a patient's treatment", CLINICIAN, PRESCRIBER),
    "resume_treatment": _rule("resume a patient's treatment", PRESCRIBER),
    "discharge_patient": _rule("discharge a patient", CLINICIAN, PRESCRIBER),
    # A prescriber holds the clinician role too; both may lift a hold on dosing.
    "clear_for_dosing": _rule("clear a hold on dosing", CLINICIAN, PRESCRIBER),
}
# Who handles the controlled substance itself (returns, destruction, and so a witness).
_HANDLERS = (PHARMACIST, PRESCRIBER, CLINICIAN)
_TREATMENT_PHARMACY: dict[str, Rule] = {
    "dispense": _rule("dispense", PHARMACIST),
    # Staged dispensing: a held fill goes out only on a prescriber's release (issue 17).
    "release_held_fill": _rule("release held fills", PRESCRIBER),
    "correct_dispense": _rule("correct dispenses", PHARMACIST),
    "void_dispense": _rule("void dispenses", PHARMACIST),
    # The patient asks for their own refill; staff of their clinic for them.
    "request_refill": _rule(
        "request refills", COORDINATOR, CLINICIAN, PRESCRIBER, PHARMACIST, own=True
    ),
    # The ledger by hand, one row per kind of event (dispensed and taken come with
    # dispensing and the dose). Staff at a visit or by video count the stock and take a
    # loss report; the patient reports their own loss.
    "record_returned_units": _rule("record returned units", *_HANDLERS),
    "record_destroyed_units": _rule("record destroyed units", *_HANDLERS),
    "report_units_lost": _rule("report units lost or stolen", *_HANDLERS, COORDINATOR, own=True),
    # Where the clinic takes nothing back (21 CFR 1317), the patient's own disposal.
    "record_disposed_units": _rule(
        "record units the patient disposed of", *_HANDLERS, COORDINATOR, own=True
    ),
    "record_pill_count": _rule("record a pill count", *_HANDLERS, COORDINATOR),
}
_TREATMENT_SESSIONS: dict[str, Rule] = {
    "start_session": _rule("start a dosing session", COORDINATOR, CLINICIAN, own=True, sitter=True),
    "record_dose_taken": _rule("record a dose", COORDINATOR, CLINICIAN, own=True, sitter=True),
    "record_post_dose_reading": _rule(
        "record a blood pressure after the dose", COORDINATOR, CLINICIAN, own=True, sitter=True
    ),
    "record_check_in": _rule("record a check-in", COORDINATOR, CLINICIAN, own=True, sitter=True),
    "release_session": _rule(
        "end the observation after a dose", COORDINATOR, CLINICIAN, own=True, sitter=True
    ),
    "confirm_sitter_presence": _rule("confirm being with the patient", sitter=True),
    "send_sitter_code": _rule("ask for a sitter's code", COORDINATOR, CLINICIAN, own=True),
    "confirm_presence_with_code": _rule(
        "confirm a sitter with a code", COORDINATOR, CLINICIAN, own=True
    ),
    "report_adverse_event": _rule(
        "report adverse events", CLINICIAN, PRESCRIBER, COORDINATOR, own=True, sitter=True
    ),
}

# The clinic's own stock (ketacare.pharmacy): who brings it in, counts it, sends it out,
# destroys it (a pharmacist, before two witnesses who may handle it), recalls a lot, and
# works the recall's calls. A second person verifies a receipt (the service checks who).
_STOCK_KEEPERS = (PHARMACIST, PRESCRIBER)
_PHARMACY_STOCK: dict[str, Rule] = {
    "receive_stock": _rule("record stock received", *_STOCK_KEEPERS),
    "verify_receipt": _rule("verify a receipt of stock", *_STOCK_KEEPERS),
    "reject_receipt": _rule("reject a receipt of stock", *_STOCK_KEEPERS),
    "transfer_stock": _rule("transfer stock to another registrant", PHARMACIST),
    "return_stock_to_supplier": _rule("return stock to its supplier", PHARMACIST),
    "reconcile_stock": _rule("count the clinic's stock", *_STOCK_KEEPERS),
    "explain_stock_discrepancy": _rule("explain a stock discrepancy", *_STOCK_KEEPERS, ADMIN),
    "report_stock_lost": _rule("report clinic stock lost or stolen", *_STOCK_KEEPERS),
    "destroy_stock": _rule("destroy clinic stock", PHARMACIST),
    "witness_destruction": _rule("witness a destruction", *_HANDLERS),
    "recall_lot": _rule("recall a lot", *_STOCK_KEEPERS),
    "complete_recall_task": _rule(
        "record a recall call", COORDINATOR, CLINICIAN, PRESCRIBER, PHARMACIST
    ),
    "read_stock": _rule("see the clinic's stock", *_STOCK_KEEPERS, ADMIN, superuser=True),
    # "Who received lot X" names patients and how to reach them: the people who call them.
    "read_recalls": _rule(
        "see who received a lot", COORDINATOR, CLINICIAN, PRESCRIBER, PHARMACIST, superuser=True
    ),
    "read_inspection_records": _rule(
        "see the records for an inspector", *_STOCK_KEEPERS, ADMIN, superuser=True
    ),
}

# A person's own API tokens: whoever signed in with their password (the API checks it).
_ACCOUNTS: dict[str, Rule] = {
    "issue_token": _rule("get an API token", signed_in=True),
    "revoke_token": _rule("revoke an API token", signed_in=True),
    # A person's own second factor (web.signin): set up, new recovery codes, turn off.
    "set_up_second_factor": _rule("set up a second factor", signed_in=True),
    "renew_recovery_codes": _rule("get new recovery codes", signed_in=True),
    "turn_off_second_factor": _rule("turn off a second factor", signed_in=True),
}
# Portal invitations: staff of the clinic who register patients and sitters invite them
# to sign in; the invitee accepts with the link (signed out, so public: the link's token is
# the check), and anyone may ask for a password reset link (it goes to the address on file).
_INVITERS = (COORDINATOR, CLINICIAN, ADMIN)
_INVITATIONS: dict[str, Rule] = {
    "invite_patient": _rule("invite patients to the portal", *_INVITERS),
    "invite_sitter": _rule("invite sitters to the portal", *_INVITERS),
    "resend_invitation": _rule("resend portal invitations", *_INVITERS),
    "revoke_invitation": _rule("revoke portal invitations", *_INVITERS),
    "read_invitations": _rule("see portal invitations", *_INVITERS),
    "accept_invitation": _rule("accept an invitation", public=True),
    "request_password_reset": _rule("ask for a password reset link", public=True),
    "reset_password": _rule("set a new password with a reset link", public=True),
}
# How a patient or sitter is reminded (channels, quiet hours): theirs to change; the
# clinic's staff may read them (who gets what, when).
_CONTACT: dict[str, Rule] = {
    "change_contact_preferences": _rule("choose how they are contacted", own=True, sitter=True),
    "read_contact_preferences": _rule(
        "see how a person is contacted", *_STAFF, own=True, sitter=True, superuser=True
    ),
}
# The staff work queues: a page and its link are for these roles.
_PAGES: dict[str, Rule] = {
    "see_intake_reviews": _rule("see eligibility reviews", CLINICIAN, PRESCRIBER),
    "see_pharmacy_queue": _rule("see the pharmacy queue", PHARMACIST, PRESCRIBER),
}
# Reads of a patient's record, by the API and the pages alike. The patient reads their
# own record. A sitter reads only where a session stands (`read_sitting`: its times and
# status, the check-in's deadline and whether it is done, the emergency numbers), never
# answers, scores, readings, plans or medicines.
_READS: dict[str, Rule] = {
    "read_record": _rule("see patient records", *_STAFF, own=True, superuser=True),
    "read_intake": _rule("see intakes", *_STAFF, own=True, superuser=True),
    "read_questionnaires": _rule(
        "see questionnaire answers and outcomes", *_STAFF, own=True, superuser=True
    ),
    "read_sessions": _rule(
        "see dosing sessions, check-ins and readings", *_STAFF, own=True, superuser=True
    ),
    "read_adverse_events": _rule("see adverse events", *_STAFF, own=True, superuser=True),
    "read_patient_alerts": _rule("see a patient's alerts", *_STAFF, superuser=True),
    "read_plans": _rule("see treatment plans", CLINICIAN, PRESCRIBER, own=True),
    "read_prescriptions": _rule("see prescriptions", CLINICIAN, PRESCRIBER, PHARMACIST, own=True),
    "read_ledger": _rule("see dispensing and the ledger", *_HANDLERS, COORDINATOR, own=True),
    # A sitter's list of the people they sit for (the sitter's page, GET /sitting).
    "list_sittings": _rule("see the people they sit for", sitter=True),
    # The audit log in the admin: the clinic's administrators (the superuser for all).
    "see_audit_log": _rule("see the audit log", ADMIN, superuser=True),
    "read_sitting": _rule(
        "see where a session stands", *_STAFF, own=True, sitter=True, superuser=True
    ),
}

# Clinician notes (ketacare.notes): the clinical team writes them; each signs their own
# (the author check is the service's); every member of staff reads them.
_NOTE_WRITERS = (CLINICIAN, PRESCRIBER, COORDINATOR)
_NOTES: dict[str, Rule] = {
    "draft_note": _rule("write clinical notes", *_NOTE_WRITERS),
    "edit_note": _rule("edit their draft notes", *_NOTE_WRITERS),
    "discard_note": _rule("discard their draft notes", *_NOTE_WRITERS),
    "sign_note": _rule("sign their notes", *_NOTE_WRITERS),
    "add_note_addendum": _rule("add addenda to signed notes", *_NOTE_WRITERS),
    "read_notes": _rule("see clinical notes", *_STAFF, superuser=True),
}
# The record, outbound: the cohort report (numbers, no names), exports of a clinic's
# records (identifying or pseudonymised), printable session records, FHIR reads and a
# patient's download of their own record.
_OUTBOUND: dict[str, Rule] = {
    "read_cohort_report": _rule(
        "see the cohort outcome report", CLINICIAN, PRESCRIBER, ADMIN, superuser=True
    ),
    "export_records": _rule("export the clinic's records", ADMIN, superuser=True),
    "export_research": _rule("export pseudonymised records", ADMIN, PRESCRIBER, superuser=True),
    "read_session_record": _rule(
        "see printable session records", *_STAFF, own=True, superuser=True
    ),
    "read_fhir": _rule("read records over FHIR", *_STAFF, own=True, superuser=True),
    "download_own_record": _rule("download their own record", own=True),
}

RULES: dict[str, Rule] = {
    **_NOTES,
    **_OUTBOUND,
    **_ACCOUNTS,
    **_CONTACT,
    **_INVITATIONS,
    **_PAGES,
    **_READS,
    **_PATIENTS,
    **_INTAKE,
    **_ASSESSMENTS,
    **_ALERTS,
    **_TREATMENT_PLANS,
    **_TREATMENT_PHARMACY,
    **_TREATMENT_SESSIONS,
    **_PHARMACY_STOCK,
}


def rule(use_case: str) -> Rule:
    try:
        return RULES[use_case]
    except KeyError:
        msg = f"{use_case!r} has no row in kernel.policy.RULES: say who may run it"
        raise LookupError(msg) from None


def words(roles: Iterable[str]) -> str:
    return ", ".join(sorted(str(r) for r in roles))


def _signed_in(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def _roles_of(user: Any) -> frozenset[str]:
    return frozenset(str(r) for r in user.roles) if _signed_in(user) else frozenset()


def _passes(user: Any, rule: Rule) -> bool:
    """The rule lets `user` in without holding one of its roles."""
    return (
        rule.public
        or (rule.signed_in and _signed_in(user))
        or (rule.superuser and bool(getattr(user, "is_superuser", False)))
    )


def require_role(user: Any, rule: Rule) -> None:
    """Refuse (NotAllowed) unless `user` holds one of the roles `rule` names."""
    if _passes(user, rule):
        return
    if not _roles_of(user) & rule.roles:
        raise NotAllowed(f"Only {words(rule.roles)} may {rule.what}.")


def may(user: Any, use_case: str) -> bool:
    """Whether `user`'s roles allow `use_case` (a page's link; the object is checked later)."""
    row = rule(use_case)
    return _passes(user, row) or bool(_roles_of(user) & row.roles)
