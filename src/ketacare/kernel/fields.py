"""Model fields that read the clock module rather than Django's wall clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models

from ketacare.kernel import clock


class ClockDateTimeField(models.DateTimeField):  # type: ignore[type-arg]
    """A DateTimeField whose `auto_now` / `auto_now_add` stamp is `clock.now()`.

    Django's own field stamps with `timezone.now()`, which a demo replaying the past
    (kernel.clock.frozen_at) cannot move without moving the clock of the whole process.
    """

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        if self.auto_now or (self.auto_now_add and add):
            value: datetime = clock.now()
            setattr(model_instance, self.attname, value)
            return value
        return super().pre_save(model_instance, add)
