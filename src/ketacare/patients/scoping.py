"""Who may see which patient's data. Every query for health data goes through here.

- clinic staff (clinician, prescriber, pharmacist, coordinator, admin): their clinic;
- a patient: themself;
- a sitter: the patients they sit for;
- a platform superuser: everything (they run the installation);
- anyone else, or no one signed in: nothing.
A user with several roles sees the union.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db import models
from django.db.models import Q

from ketacare.accounts.roles import STAFF_ROLES, Role

if TYPE_CHECKING:
    from ketacare.accounts.models import User

_M = TypeVar("_M", bound=models.Model)


def patient_scope(user: User | Any, *, prefix: str, patients: type[models.Model]) -> Q:
    """A filter on patients (reached through `prefix`, e.g. "patient__") visible to `user`.

    `patients` is the patient model: a sitter's patients are read from its sitters, so this
    module never imports the models (which import it).
    """
    nothing = Q(pk__in=[])
    if user is None or not getattr(user, "is_authenticated", False):
        return nothing
    if user.is_superuser:
        return Q()
    roles: frozenset[Role] = user.roles
    scope = nothing
    if user.clinic_id is not None and roles & STAFF_ROLES:
        scope |= Q(**{f"{prefix}clinic_id": user.clinic_id})
    if Role.PATIENT in roles:
        scope |= Q(**{f"{prefix}user_id": user.pk})
    if Role.SITTER in roles:
        sittings = patients.sitters.through  # type: ignore[attr-defined]
        sat_for = sittings.objects.filter(sitter__user_id=user.pk)
        scope |= Q(**{f"{prefix}pk__in": sat_for.values("patient_id")})
    return scope


class ScopedQuerySet(models.QuerySet[_M], Generic[_M]):
    """Rows that belong to a patient, scoped through their `patient` relation."""

    patient_path = "patient__"

    def visible_to(self, user: User | Any) -> ScopedQuerySet[_M]:
        patients = _related_model(self.model, self.patient_path)
        return self.filter(patient_scope(user, prefix=self.patient_path, patients=patients))


def _related_model(model: type[models.Model], path: str) -> type[models.Model]:
    """The model at the end of a relation path such as "session__patient__"."""
    for name in filter(None, path.split("__")):
        related = model._meta.get_field(name).related_model
        if not isinstance(related, type):  # pragma: no cover - a path always names relations
            raise TypeError(f"{name!r} of {model.__name__} is not a relation")
        model = related
    return model
