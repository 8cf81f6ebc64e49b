"""The portal's forms: what the patient and sitter type, parsed for the services.

The forms only parse (required answers, whole numbers); the rules (the pre-dose gate,
plausible readings, the CADSS-6 answers) belong to ketacare.treatment.sessions, whose
field errors the views put back on these forms with
`ketacare.web.refusals.show_refusal`.

One module a page: `checklist`, `session` (the dose, the readings, the check-in),
`sitter` (the codes and the sitter's release) and `reports` (adverse events, consent),
on the shared `base`.
"""

from __future__ import annotations

from ketacare.web.portal.forms.base import PortalForm
from ketacare.web.portal.forms.checklist import ChecklistForm
from ketacare.web.portal.forms.reports import AdverseEventForm, ConsentForm
from ketacare.web.portal.forms.session import CheckInForm, DoseForm, ReadingForm
from ketacare.web.portal.forms.sitter import (
    PresenceCodeForm,
    ReleaseCodeForm,
    SitterCodeForm,
    SitterReleaseForm,
)

__all__ = [
    "AdverseEventForm",
    "CheckInForm",
    "ChecklistForm",
    "ConsentForm",
    "DoseForm",
    "PortalForm",
    "PresenceCodeForm",
    "ReadingForm",
    "ReleaseCodeForm",
    "SitterCodeForm",
    "SitterReleaseForm",
]
