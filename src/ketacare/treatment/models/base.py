"""What the models share: the shapes of quantities, and a constraint on choices."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

# Ledger quantities: one decimal place (half tablets). Doses: four (a half of a 2-decimal
# strength, or a 1-decimal concentration x a 3-decimal spray volume, is exact in four).
LEDGER_MAX_DIGITS, LEDGER_PLACES = 9, 1
DOSE_MAX_DIGITS, DOSE_PLACES = 10, 4
HALF = Decimal("0.5")
ONE = Decimal(1)


# In SQL a CHECK that evaluates to NULL passes: every constraint on a nullable column
# of these models says `__isnull=False` where the column must hold a value.


def known(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)
