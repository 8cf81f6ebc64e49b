from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "ketacare.notes"
    verbose_name = "Clinician notes"
