"""A journey's first steps: consent and intake, then the eligibility review.

The intake's answers are made up in `answers`; here they are saved and submitted
through the intake services, and reviewed by a clinician (or the prescriber), who
clears a suicidality hold when the intake raised one (CLINICAL.md G3).
"""

from __future__ import annotations

from ketacare.demo.journeys.state import JourneyState, Steps
from ketacare.demo.journeys.templates import Variant
from ketacare.intake import services as intake
from ketacare.intake import specs as intake_specs
from ketacare.intake.models import Intake
from ketacare.intake.specs import ReviewSpec
from ketacare.kernel.specs import read
from ketacare.patients import services as patients
from ketacare.patients.phases import Phase
from ketacare.patients.specs import SignatureSpec
from ketacare.treatment import services as treatment
from ketacare.treatment.queries import suicidality_hold
from ketacare.treatment.specs.plans import ClearanceSpec

BY_PRESCRIBER = 0.3  # the prescriber, not the clinician, reviews the intake
# What the clinician writes when clearing a suicidality hold (CLINICAL.md G3).
CLEARANCE_NOTES = {
    "review": "Reviewed at the eligibility review: passive thoughts of death, no plan or "
    "intent, no behaviour; safety plan agreed with the patient and sitter.",
    "follow_up": "Phoned the same morning: passive thoughts only, no plan or intent; safety "
    "plan reviewed; cleared for the next session.",
}
DECLINE_REASON = "Psychotic disorder in history (absolute exclusion)."
JUSTIFICATIONS = {
    Variant.BENZODIAZEPINE: "Lorazepam 0.5 mg only as needed, a few times a month; agreed "
    "to take none on dosing days.",
}


class IntakeSteps(JourneyState):
    """Consent, intake and its review."""

    def _intake(self) -> Steps:
        """Consent and intake in the evening; completed and submitted another evening."""
        if self.template.variant is Variant.BY_COORDINATOR:  # on the phone, in office hours
            moment = self.at(self.dates.consent, 11, (0, 90))
            yield moment
            draft = intake.start_intake(self.cast.coordinator, self.patient())
            yield self.later(moment, 10, 20)
            demographics = {"demographics": self.answers["demographics"]}
            intake.save_intake_draft(
                self.cast.coordinator, _intake(draft.pk), intake_specs.draft(demographics)
            )
            return
        moment = self.at(self.dates.consent, 19, (0, 120))
        yield moment
        name = self.record.legal_name
        signature = SignatureSpec(signature_name=name)
        patients.sign_consent(self.user, self.record, self.cast.consent, signature)
        yield self.later(moment, 2, 5)
        draft = intake.start_intake(self.user, self.patient())
        yield self.later(moment, 15, 30)
        sections = {k: self.answers[k] for k in ("demographics", "medical_history", "trials")}
        intake.save_intake_draft(self.user, _intake(draft.pk), intake_specs.draft(sections))
        if self.template.phase is Phase.INTAKE:
            return
        moment = self.at(self.dates.submit, 20, (0, 90))
        yield moment
        intake.save_intake_draft(self.user, _intake(draft.pk), intake_specs.draft(self.answers))
        yield self.later(moment, 10, 25)
        self.intake_pk = intake.submit_intake(self.user, _intake(draft.pk)).pk

    def _review(self) -> Steps:
        assert self.dates.review is not None  # noqa: S101 - set for every reviewed journey
        assert self.intake_pk is not None  # noqa: S101 - submitted before
        yield self.at(self.dates.review, 10, (0, 300))
        submitted = _intake(self.intake_pk)
        reviewer = self.cast.clinician
        if self.rng.random() < BY_PRESCRIBER:
            reviewer = self.cast.prescriber
        if self.template.phase is Phase.DECLINED:
            decision, justification = "decline", DECLINE_REASON
        else:
            findings = (submitted.eligibility or {})["findings"]
            cautions = any(f["severity"] == "caution" for f in findings)
            decision = "approve"
            justification = JUSTIFICATIONS.get(self.template.variant, "") if cautions else ""
        intake.review_intake(
            reviewer,
            submitted,
            read(ReviewSpec, {"decision": decision, "justification": justification}),
        )
        yield from self._clear_suicidality("review")

    def _clear_suicidality(self, when: str) -> Steps:
        """A clinician reviews a suicidality hold and clears the patient for dosing (G3)."""
        if not suicidality_hold(self.record):
            return
        yield from ()
        clearance = {"hold": "suicidality", "note": CLEARANCE_NOTES[when]}
        treatment.clear_for_dosing(self.cast.clinician, self.record, read(ClearanceSpec, clearance))


def _intake(pk: int) -> Intake:
    """The intake as stored now (`start_intake` may return it with a stale patient)."""
    return Intake.objects.select_related("patient").get(pk=pk)
