"""Who is acting, from where: set once per request (or command) and read by `record`."""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ketacare.accounts.models import User


@dataclass(frozen=True)
class AuditContext:
    user: User | AnonymousUser | None
    request_id: str
    ip_address: str
    label: str = ""  # who acts when no user does, e.g. "command:demo"


_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "ketacare_audit_context", default=None
)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current() -> AuditContext:
    ctx = _current.get()
    if ctx is None:
        return AuditContext(user=None, request_id="", ip_address="", label="system")
    return ctx


@contextlib.contextmanager
def acting(
    user: User | AnonymousUser | None = None,
    *,
    label: str = "",
    request_id: str | None = None,
    ip_address: str = "",
) -> Iterator[AuditContext]:
    """Run a block as `user` (or as a named system actor such as a command)."""
    ctx = AuditContext(
        user=user,
        request_id=request_id or new_request_id(),
        ip_address=ip_address,
        label=label,
    )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
