from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "ketacare.alerts"
    verbose_name = "Alerts"
