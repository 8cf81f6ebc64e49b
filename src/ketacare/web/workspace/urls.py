"""URLs of the workspace pages (included by ketacare.web.urls at /workspace/)."""

from django.urls import URLPattern, URLResolver, path

from ketacare.web.workspace import (
    cohort_report,
    exports,
    fill_holds,
    intake_review,
    invitations,
    notes,
    pharmacy,
    plan,
    prescribing,
    protocol,
    record,
    session_record,
    views,
)

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.panel_view, name="ws-panel"),
    path("alerts/", views.inbox_view, name="ws-alerts"),
    path("alerts/<int:alert_id>/", views.alert_view, name="ws-alert"),
    path("alerts/<int:alert_id>/acknowledge/", views.acknowledge_view, name="ws-alert-acknowledge"),
    path("alerts/<int:alert_id>/resolve/", views.resolve_view, name="ws-alert-resolve"),
    path("patients/new/", record.register_view, name="ws-patient-new"),
    path("patients/<int:patient_id>/", views.chart_view, name="ws-chart"),
    path("patients/<int:patient_id>/edit/", record.edit_view, name="ws-patient-edit"),
    path("patients/<int:patient_id>/phase/", record.move_view, name="ws-patient-move"),
    path("patients/<int:patient_id>/holds/clear/", views.clear_hold_view, name="ws-clear-hold"),
    path(
        "patients/<int:patient_id>/induction-review/record/",
        views.induction_review_view,
        name="ws-induction-review",
    ),
    path(
        "patients/<int:patient_id>/invitations/",
        invitations.invitations_view,
        name="ws-invitations",
    ),
    path(
        "patients/<int:patient_id>/sessions/<int:session_id>/record/",
        session_record.session_record_view,
        name="ws-session-record",
    ),
    path(
        "patients/<int:patient_id>/sessions/<int:session_id>/record.pdf",
        session_record.session_record_pdf_view,
        name="ws-session-record-pdf",
    ),
    # Clinician notes on the chart: drafted, signed and locked by their author; addenda.
    path("patients/<int:patient_id>/notes/", notes.notes_view, name="ws-notes"),
    path("patients/<int:patient_id>/notes/<int:note_id>/", notes.note_view, name="ws-note"),
    path(
        "patients/<int:patient_id>/notes/<int:note_id>/edit/",
        notes.note_edit_view,
        name="ws-note-edit",
    ),
    path(
        "patients/<int:patient_id>/notes/<int:note_id>/sign/",
        notes.note_sign_view,
        name="ws-note-sign",
    ),
    path(
        "patients/<int:patient_id>/notes/<int:note_id>/discard/",
        notes.note_discard_view,
        name="ws-note-discard",
    ),
    path(
        "patients/<int:patient_id>/notes/<int:note_id>/addenda/",
        notes.note_addendum_view,
        name="ws-note-addendum",
    ),
    path("protocol/", protocol.protocol_view, name="ws-protocol"),
    path("exports/", exports.exports_view, name="ws-exports"),
    # The care pages: the eligibility review, the plan, prescriptions and dispensing.
    path("reviews/", intake_review.reviews, name="ws-reviews"),
    path(
        "patients/<int:patient_id>/intake-review/",
        intake_review.intake_review,
        name="ws-intake-review",
    ),
    path(
        "patients/<int:patient_id>/intake-review/ratings/",
        intake_review.intake_rating,
        name="ws-intake-rating",
    ),
    path("patients/<int:patient_id>/plan/", plan.plan_editor, name="ws-plan"),
    path("patients/<int:patient_id>/plan/preview/", plan.plan_preview, name="ws-plan-preview"),
    path(
        "patients/<int:patient_id>/prescriptions/",
        prescribing.prescriptions,
        name="ws-prescriptions",
    ),
    path("patients/<int:patient_id>/dispense/", pharmacy.dispense, name="ws-dispense"),
    path("pharmacy/", pharmacy.pharmacy, name="ws-pharmacy"),
    path(
        "patients/<int:patient_id>/prescriptions/<int:prescription_id>/release-hold/",
        fill_holds.release_hold,
        name="ws-release-hold",
    ),
    path("reports/cohort/", cohort_report.cohort_report_view, name="ws-cohort-report"),
]
