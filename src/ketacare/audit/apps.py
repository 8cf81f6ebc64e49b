from django.apps import AppConfig

from ketacare.audit.keys import keyring
from ketacare.kernel import usecase


class AuditConfig(AppConfig):
    name = "ketacare.audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        keyring()  # a key too short to trust stops the start, as a missing one does in settings
        from ketacare.audit import signals  # noqa: F401, PLC0415 - connects the login receivers
        from ketacare.audit.log import record_many  # noqa: PLC0415 - needs the models loaded

        usecase.install_recorder(lambda events, actor: record_many(events, actor=actor))
