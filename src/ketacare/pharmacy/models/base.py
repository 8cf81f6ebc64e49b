"""The shapes of controlled-substance quantities, shared by the clinic's stock and the ledger."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

# Ledger and stock quantities: one decimal place (half tablets).
LEDGER_MAX_DIGITS, LEDGER_PLACES = 9, 1
HALF = Decimal("0.5")
ONE = Decimal(1)


# In SQL a CHECK that evaluates to NULL passes: every constraint on a nullable column
# of these models says `__isnull=False` where the column must hold a value.


def known(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)
