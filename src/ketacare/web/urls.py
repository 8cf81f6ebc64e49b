from collections.abc import Callable

from django.contrib.auth import views as auth_views
from django.http import HttpResponseBase
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

from ketacare.web import accounts, views


def moved(to: str) -> Callable[..., HttpResponseBase]:
    """A page that moved for good (301) to the page named `to`, keeping its query."""
    return RedirectView.as_view(pattern_name=to, permanent=True, query_string=True)


urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Invitations and password reset (Django's reset views, the outbox for the message).
    path("invite/<str:uid>/<str:token>/", accounts.accept_invitation, name="invitation-accept"),
    path("password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", accounts.password_reset_done, name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("reset/done/", accounts.password_reset_complete, name="password_reset_complete"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on any page (the admin's, the API docs', a JSON answer).
    path("favicon.ico", RedirectView.as_view(url=static("ketacare/favicon.ico"), permanent=True)),
    # The second factor: the sign-in's second step, setting it up, a person's security page.
    path("", include("ketacare.web.signin.urls")),
    # Pages that moved into the workspace and the portal: their old addresses redirect
    # there (no name: not linked).
    path("patients/", moved("ws-panel")),
    path("patients/new/", moved("ws-patient-new")),
    path("patients/<int:patient_id>/", moved("ws-chart")),
    path("patients/<int:patient_id>/edit/", moved("ws-patient-edit")),
    path("patients/<int:patient_id>/phase/", moved("ws-patient-move")),
    path("me/", moved("portal-today")),
    path("sitting/", moved("sitter-home")),
    # The care pages (intake review, plans, prescriptions, dispensing) joined the workspace.
    path("care/reviews/", moved("ws-reviews")),
    path("care/patients/<int:patient_id>/intake-review/", moved("ws-intake-review")),
    path("care/patients/<int:patient_id>/plan/", moved("ws-plan")),
    path("care/patients/<int:patient_id>/plan/preview/", moved("ws-plan-preview")),
    path("care/patients/<int:patient_id>/prescriptions/", moved("ws-prescriptions")),
    path("care/patients/<int:patient_id>/dispense/", moved("ws-dispense")),
    path("care/pharmacy/", moved("ws-pharmacy")),
    # The public site, the patient portal (and sitter view) and the clinician workspace.
    path("", include("ketacare.web.public.urls")),
    path("portal/", include("ketacare.web.portal.urls")),
    path("workspace/", include("ketacare.web.workspace.urls")),
]
