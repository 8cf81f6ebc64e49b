from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "ketacare.intake"
    verbose_name = "Intake and eligibility review"
