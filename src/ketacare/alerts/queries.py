"""Reads of the alerts app that the other apps' jobs share.

A job that derives alerts from time passing asks first which of its facts already have
an alert, in one query for the whole batch rather than one per fact.
"""

from __future__ import annotations

from collections.abc import Iterable

from ketacare.alerts.models import Alert


def raised_keys(keys: Iterable[str]) -> set[str]:
    """The dedupe keys among `keys` that have an alert, in any status (resolved too)."""
    return set(Alert.objects.filter(dedupe_key__in=list(keys)).values_list("dedupe_key", flat=True))
