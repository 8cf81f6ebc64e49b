"""The patient forms: intake, questionnaires, progress (included at /portal/)."""

from django.urls import URLPattern, URLResolver, path

from ketacare.web.portal import progress, questionnaires
from ketacare.web.portal.intake import intake, submitted

urlpatterns: list[URLPattern | URLResolver] = [
    path("intake/", intake, name="portal-intake"),
    path("intake/submitted/", submitted, name="portal-intake-submitted"),
    path(
        "questionnaire/<str:instrument>/",
        questionnaires.questionnaire,
        name="portal-questionnaire",
    ),
    path(
        "questionnaires/<int:response_id>/",
        questionnaires.questionnaire_result,
        name="portal-questionnaire-result",
    ),
    path("progress/", progress.progress, name="portal-progress"),
]
