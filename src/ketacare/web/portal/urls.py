"""URLs of the portal pages (included at /portal/ by ketacare.web.urls)."""

from django.urls import URLPattern, URLResolver, include, path

from ketacare.web.portal import checklist, contact, own_record, session, sitter, views
from ketacare.web.portal import session_record as printable

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.today, name="portal-today"),
    path("session/start/", checklist.session_start, name="portal-session-start"),
    path("sitter-code/", checklist.sitter_code, name="portal-sitter-code"),
    path("sitter-code/confirm/", checklist.sitter_code_confirm, name="portal-sitter-code-confirm"),
    path("session/<int:session_id>/", session.session_page, name="portal-session"),
    path(
        "session/<int:session_id>/record/",
        printable.session_record_view,
        name="portal-session-record",
    ),
    path(
        "session/<int:session_id>/record.pdf",
        printable.session_record_pdf_view,
        name="portal-session-record-pdf",
    ),
    path("session/<int:session_id>/status/", session.session_status, name="portal-session-status"),
    path("session/<int:session_id>/dose/", session.dose_taken, name="portal-dose-taken"),
    path("session/<int:session_id>/reading/", session.reading, name="portal-reading"),
    path("session/<int:session_id>/check-in/", session.check_in, name="portal-check-in"),
    path(
        "session/<int:session_id>/release/code/",
        session.release_code,
        name="portal-release-code",
    ),
    path("session/<int:session_id>/release/", session.release, name="portal-release"),
    path(
        "session/<int:session_id>/adverse-event/",
        views.adverse_event,
        name="portal-adverse-event",
    ),
    path("adverse-event/", views.adverse_event, name="portal-adverse-event-any"),
    path(
        "adverse-event/<int:event_id>/",
        views.adverse_event_done,
        name="portal-adverse-event-done",
    ),
    path("sessions/", views.my_sessions, name="portal-sessions"),
    path("medication/", views.medication, name="portal-medication"),
    path("consent/", views.consent, name="portal-consent"),
    path("contact/", contact.contact, name="portal-contact"),
    path("record/", own_record.own_record_page, name="portal-own-record"),
    path("record/pdf/", own_record.own_record_pdf, name="portal-own-record-pdf"),
    path("record/fhir/", own_record.own_record_fhir, name="portal-own-record-fhir"),
    path("sitter/", sitter.home, name="sitter-home"),
    path("sitter/<int:patient_id>/", sitter.patient_page, name="sitter-session"),
    path("sitter/<int:patient_id>/confirm/", sitter.confirm, name="sitter-confirm"),
    path("sitter/<int:patient_id>/release/", sitter.release, name="sitter-release"),
    # Helper C's patient forms: intake, questionnaires, progress.
    path("", include("ketacare.web.portal.urls_forms")),
]
