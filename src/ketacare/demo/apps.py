from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "ketacare.demo"
    verbose_name = "Demo clinic"
