from django.contrib.auth import views as auth_views
from django.urls import include, path

from ketacare.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("patients/", views.patient_list, name="patient-list"),
    path("patients/new/", views.patient_new, name="patient-new"),
    path("patients/<int:patient_id>/", views.patient_detail, name="patient-detail"),
    path("patients/<int:patient_id>/edit/", views.patient_edit, name="patient-edit"),
    path("patients/<int:patient_id>/phase/", views.patient_move, name="patient-move"),
    path("me/", views.my_record, name="my-record"),
    path("sitting/", views.sitting_for, name="sitting-for"),
    path("healthz", views.healthz, name="healthz"),
    # The public site, the patient portal (and sitter view), the clinician workspace and
    # the care screens (intake review, plans, prescriptions, dispensing).
    path("", include("ketacare.web.public.urls")),
    path("portal/", include("ketacare.web.portal.urls")),
    path("workspace/", include("ketacare.web.workspace.urls")),
    path("care/", include("ketacare.web.care.urls")),
]
