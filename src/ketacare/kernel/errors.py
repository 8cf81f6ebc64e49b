"""What a use case answers instead of its result, for every face alike.

- `DomainError`: a refusal that is not a bad field; the API answers 409 with its code,
  a page shows its message.
- `NotFound`: no such record, or not one this user may see (never say which); the faces
  answer 404.
- `NotAllowed`: the acting user's roles do not allow this use case; the faces answer 403.

They derive from Django's core exceptions (not `django.http`, which only the faces use).
"""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class WrongPhase(DomainError):
    """The patient's phase does not allow this use case (say, a dose while paused).

    The raise says which phase would: intake, treatment and questionnaires share it.
    """

    code = "wrong_phase"


class NotFound(ObjectDoesNotExist):
    """No such record for this user (another clinic's record included)."""


class NotAllowed(PermissionDenied):
    """The acting user's roles do not allow this use case (or not for this clinic)."""
