from django.apps import AppConfig


class PharmacyConfig(AppConfig):
    name = "ketacare.pharmacy"
    verbose_name = "Clinic stock"
