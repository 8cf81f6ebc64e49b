from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "ketacare.assessments"
    verbose_name = "Questionnaires"
