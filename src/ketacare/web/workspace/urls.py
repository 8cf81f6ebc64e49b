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
from ketacare.web.workspace.stock import counts as stock_counts
from ketacare.web.workspace.stock import destruction, inspection, recalls
from ketacare.web.workspace.stock import lots as stock_lots
from ketacare.web.workspace.stock import receipts as stock_receipts

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
    # The records an inspector asks for (reports.inspection), each a page and a PDF.
    path("inspection/", inspection.index, name="ws-inspection"),
    path("inspection/inventory/", inspection.inventory_view, name="ws-inspection-inventory"),
    path(
        "inspection/destructions/",
        inspection.destructions_view,
        name="ws-inspection-destructions",
    ),
    path("inspection/loss/<int:movement_id>/", inspection.loss_view, name="ws-inspection-loss"),
    path(
        "inspection/loss/count/<int:discrepancy_id>/",
        inspection.discrepancy_loss_view,
        name="ws-inspection-discrepancy-loss",
    ),
    path("inspection/dispensing/", inspection.dispensing_view, name="ws-inspection-dispensing"),
    path(
        "patients/<int:patient_id>/prescriptions/<int:prescription_id>/print/",
        inspection.prescription_print,
        name="ws-prescription-print",
    ),
    path("recalls/", recalls.recalls_page, name="ws-recalls"),
    path("recalls/lots/<int:lot_id>/", recalls.recall_lot_page, name="ws-recall-lot"),
    path("recalls/tasks/<int:task_id>/done/", recalls.recall_task_done, name="ws-recall-task-done"),
    # Destruction of the clinic's stock, before two witnesses who each confirm it.
    path("stock/lots/<int:lot_id>/destroy/", destruction.destroy_view, name="ws-stock-destroy"),
    path("stock/destructions/", destruction.destructions_view, name="ws-destructions"),
    path(
        "stock/destructions/<int:destruction_id>/",
        destruction.destruction_view,
        name="ws-destruction",
    ),
    path(
        "stock/destructions/<int:destruction_id>/confirm/",
        destruction.confirm_view,
        name="ws-destruction-confirm",
    ),
    # The clinic's stock: lots on hand, receipts verified by a second person, a lot's book.
    path("stock/", stock_lots.stock, name="ws-stock"),
    path("stock/receipts/new/", stock_receipts.receive, name="ws-stock-receive"),
    path(
        "stock/receipts/<int:receipt_id>/verify/",
        stock_receipts.verify,
        name="ws-stock-receipt-verify",
    ),
    path(
        "stock/receipts/<int:receipt_id>/reject/",
        stock_receipts.reject,
        name="ws-stock-receipt-reject",
    ),
    path("stock/lots/<int:lot_id>/", stock_lots.lot, name="ws-stock-lot"),
    # Counts of the shelf, their discrepancies, and a loss of a lot (issue 17).
    path("stock/count/", stock_counts.count_view, name="ws-stock-count"),
    path("stock/discrepancies/", stock_counts.discrepancies_view, name="ws-stock-discrepancies"),
    path(
        "stock/discrepancies/<int:discrepancy_id>/explain/",
        stock_counts.explain_view,
        name="ws-stock-discrepancy-explain",
    ),
    path("stock/lots/<int:lot_id>/loss/", stock_counts.loss_view, name="ws-stock-loss"),
]
