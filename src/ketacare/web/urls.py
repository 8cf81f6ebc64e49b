from collections.abc import Callable

from django.contrib.auth import views as auth_views
from django.http import HttpResponseBase
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

from ketacare.web import views


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
    path("healthz", views.healthz, name="healthz"),
    # The first staff pages, the patient's record and the sitter's list moved into the
    # workspace and the portal; their old addresses redirect there (no name: not linked).
    path("patients/", moved("ws-panel")),
    path("patients/new/", moved("ws-patient-new")),
    path("patients/<int:patient_id>/", moved("ws-chart")),
    path("patients/<int:patient_id>/edit/", moved("ws-patient-edit")),
    path("patients/<int:patient_id>/phase/", moved("ws-patient-move")),
    path("me/", moved("portal-today")),
    path("sitting/", moved("sitter-home")),
    # The public site, the patient portal (and sitter view), the clinician workspace and
    # the care screens (intake review, plans, prescriptions, dispensing).
    path("", include("ketacare.web.public.urls")),
    path("portal/", include("ketacare.web.portal.urls")),
    path("workspace/", include("ketacare.web.workspace.urls")),
    path("care/", include("ketacare.web.care.urls")),
]
