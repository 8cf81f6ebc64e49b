from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "ketacare.interop"
    verbose_name = "Interoperability and exports"
