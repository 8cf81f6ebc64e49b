from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "ketacare.jobs"
    verbose_name = "Jobs"
