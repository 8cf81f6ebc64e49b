from __future__ import annotations

from django.core.exceptions import PermissionDenied


class NotAllowed(PermissionDenied):
    """The acting user's roles do not allow this use case (or not for this clinic)."""
