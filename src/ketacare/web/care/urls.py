"""URLs of the care pages (included by ketacare.web.urls at /care/)."""

from django.urls import URLPattern, URLResolver, path

from ketacare.web.care import intake, pharmacy, plan, prescribing

urlpatterns: list[URLPattern | URLResolver] = [
    path("reviews/", intake.reviews, name="care-reviews"),
    path(
        "patients/<int:patient_id>/intake-review/",
        intake.intake_review,
        name="care-intake-review",
    ),
    path("patients/<int:patient_id>/plan/", plan.plan_editor, name="care-plan"),
    path("patients/<int:patient_id>/plan/preview/", plan.plan_preview, name="care-plan-preview"),
    path(
        "patients/<int:patient_id>/prescriptions/",
        prescribing.prescriptions,
        name="care-prescriptions",
    ),
    path("patients/<int:patient_id>/dispense/", pharmacy.dispense, name="care-dispense"),
    path("pharmacy/", pharmacy.pharmacy, name="care-pharmacy"),
]
