from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ketacare.audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from ketacare.audit import signals  # noqa: F401, PLC0415 - connects the login receivers
