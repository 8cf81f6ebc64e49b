"""The clinician workspace: the panel, the alert inbox, the patient chart and its care pages.

Staff only, and only their clinic's records (another clinic's patient or alert is a 404).
Each view parses the request, calls a scoped query or a service, audits the read and
renders; with htmx, the panel and inbox answer with the fragment they replace.

One module a page: `panel_page` (the panel), `inbox` (the alert inbox and its actions),
`chart` (the patient chart, clearing a hold, recording the end-of-induction review) and
`record` (registering a patient, editing the record, moving the phase), on the shared
`common`. The care pages have a module each: `intake_review`, `plan`, `prescribing` and
`pharmacy` (the queue and dispensing). The URLconf finds the views here and in `record`,
`protocol` and those.
"""

from __future__ import annotations

from ketacare.web.workspace.chart import chart_view, clear_hold_view, induction_review_view
from ketacare.web.workspace.inbox import (
    acknowledge_view,
    age_words,
    alert_view,
    inbox_view,
    resolve_view,
)
from ketacare.web.workspace.panel_page import panel_view

__all__ = [
    "acknowledge_view",
    "age_words",
    "alert_view",
    "chart_view",
    "clear_hold_view",
    "inbox_view",
    "induction_review_view",
    "panel_view",
    "resolve_view",
]
