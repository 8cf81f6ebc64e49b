from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ketacare.web"
    verbose_name = "Web faces"
