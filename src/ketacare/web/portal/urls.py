"""URLs of the portal pages (included at /portal/ by ketacare.web.urls)."""

from django.urls import URLPattern, URLResolver, include, path

from ketacare.web.portal import sitter, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.today, name="portal-today"),
    path("session/start/", views.session_start, name="portal-session-start"),
    path("session/<int:session_id>/", views.session_page, name="portal-session"),
    path("session/<int:session_id>/status/", views.session_status, name="portal-session-status"),
    path("session/<int:session_id>/dose/", views.dose_taken, name="portal-dose-taken"),
    path("session/<int:session_id>/check-in/", views.check_in, name="portal-check-in"),
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
    path("sitter/", sitter.home, name="sitter-home"),
    path("sitter/<int:patient_id>/", sitter.patient_page, name="sitter-session"),
    path("sitter/<int:patient_id>/confirm/", sitter.confirm, name="sitter-confirm"),
    # Helper C's patient forms: intake, questionnaires, progress.
    path("", include("ketacare.web.portal.urls_forms")),
]
