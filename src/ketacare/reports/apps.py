from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "ketacare.reports"
    verbose_name = "Charts and reports"
