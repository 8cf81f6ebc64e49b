from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "ketacare.patients"
    verbose_name = "Patients"
