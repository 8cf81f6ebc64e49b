"""The patient's own intake, one section a page, saved as a draft after each.

The shape of the answers is `ketacare.intake.answers.IntakeData`: each page's form is
built from its section's pydantic model and gives that section's JSON. Starting,
saving and submitting are `ketacare.intake.services`' (the checks, the phase moves,
the eligibility assessment); errors come back by path ("trials.0.dose",
"questionnaires.phq9.2") and are put next to the field they name. A suicidal answer
in the baseline PHQ-9 or C-SSRS shows the clinic's crisis numbers at once, on every
page of the intake.

The modules: `labels` (the questions in the patient's words), `sections` (the forms
built from the schema), `steps` (the pages and their forms), `checks` (the errors by
path) and `views` (the pages themselves).
"""

from __future__ import annotations

from ketacare.web.portal.intake.views import intake, submitted

__all__ = ["intake", "submitted"]
