"""The clinic's stock is the clinic's staff's to see: patients and sitters see none of it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from ketacare.accounts.models import User

_M = TypeVar("_M", bound=models.Model)


class ClinicStockQuerySet(models.QuerySet[_M], Generic[_M]):
    """Rows that belong to a clinic (`clinic`), seen by its staff and the superuser only."""

    def visible_to(self, user: User | Any) -> ClinicStockQuerySet[_M]:
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self
        if user.clinic_id is None or not user.is_clinic_staff:
            return self.none()
        return self.filter(Q(clinic_id=user.clinic_id))
