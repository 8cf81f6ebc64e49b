"""The API object: authentication, error handlers and the routers, mounted at /api/v1/."""

from __future__ import annotations

from ninja import NinjaAPI

from ketacare.api import (
    alerts,
    assessments,
    auth,
    contact,
    errors,
    intake,
    invitations,
    notes,
    observation,
    patients,
    reports,
)
from ketacare.api.security import bearer_auth, session_auth
from ketacare.api.sessions import adverse_events, check_in, dosing, sitting
from ketacare.api.stock import counts as stock_counts
from ketacare.api.stock import destruction, recalls
from ketacare.api.stock import lots as stock_lots
from ketacare.api.treatment import dispensing, ledger, pdmp, plans, prescriptions, reviews

DESCRIPTION = """\
ketacare's JSON API.

**Authentication**: `POST /api/v1/auth/token` with a username and password returns a
bearer token (sent as `Authorization: Bearer <token>`; revoke it with
`DELETE /api/v1/auth/token`). A signed-in browser may use its session instead, with the
CSRF token in `X-CSRFToken` for unsafe methods.

**Visibility**: everything is scoped to the caller. Staff see their clinic, a patient
themself, a sitter the people they sit for; anything else is a 404.

**Errors** are JSON: `{"code", "message", "field", "errors": [{"field", "message"}]}`.
Validation errors are 422 and store nothing; refusals of a use case are 409 with a code.
A body that is not JSON is 400 `bad_request`. When the database is too busy with other
changes to the same record (a deadlock met twice: each change is retried once first),
the answer is 503 `busy` with `Retry-After`: nothing was stored, send the same request
again (with its `Idempotency-Key`, if it has one).

**Retries**: patient-side POSTs accept an `Idempotency-Key` header; a retry with the
same key and body replays the first answer (header `Idempotent-Replayed: true`).

**Times** are ISO 8601 with an offset, in UTC; patient payloads carry the patient's time
zone for display.
"""

api = NinjaAPI(
    title="ketacare API",
    version="1",
    description=DESCRIPTION,
    auth=[bearer_auth, session_auth],
    urls_namespace="api-v1",
)
errors.install(api)
api.add_router("/auth", auth.router)
api.add_router("/patients", patients.router)
api.add_router("/patients", assessments.router)
api.add_router("/patients", intake.router)
api.add_router("/patients", plans.router)
api.add_router("/patients", prescriptions.router)
api.add_router("/patients", pdmp.router)
api.add_router("/patients", dispensing.router)
api.add_router("/patients", ledger.router)
api.add_router("/patients", reviews.router)
api.add_router("/patients", dosing.router)
api.add_router("/patients", check_in.router)
api.add_router("/patients", adverse_events.router)
api.add_router("/patients", observation.router)
api.add_router("/patients", alerts.patient_router)
api.add_router("/patients", sitting.patient_router)
api.add_router("/patients", invitations.router)
api.add_router("/patients", notes.router)
api.add_router("/sitting", sitting.router)
api.add_router("/alerts", alerts.router)
api.add_router("/me", contact.router)
api.add_router("/reports", reports.router)
api.add_router("/stock", stock_lots.router)
api.add_router("/stock", stock_counts.router)
api.add_router("/stock", destruction.router)
api.add_router("/stock", recalls.router)
