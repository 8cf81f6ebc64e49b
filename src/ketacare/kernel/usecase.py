"""The one wrapper every use case runs in: its transaction, audit entry and hooks.

    @use_case("dispense")
    def dispense(actor, prescription, spec): ...

`use_case` owns:
- the role check of the policy table (kernel.policy), before anything is read;
- the only transaction (`atomic(durable=True)`: a use case never runs inside another
  one's transaction, so what it commits is committed when it returns);
- the audit entry: the service notes its events (`note`), the wrapper appends them to
  the chain in the same transaction, as one batch for the actor, and refuses a use
  case that changed something without noting it;
- what a face joins to the transaction (`joined`): the API's idempotency record is
  claimed and stored inside it, so a retry never sees half a use case;
- a batch (`batch`): the demo loads a clinic through the use cases all or nothing, so
  inside a batch each use case is a savepoint of the batch's one durable transaction;
- after-refusal hooks (`after_refusal`): a refusal rolls the use case back, and the
  facts that must outlive the refusal (the care team paged about a held dose) are
  written after the rollback, in their own transaction.
- one retry on contention: when PostgreSQL gives the transaction up as a deadlock
  (SQLSTATE 40P01) or a serialisation failure (40001), everything it did is rolled back
  and the use case runs once more from the start (its joined parts too); a second
  failure is raised as it is, and the faces answer it "busy, try again" (`contended`),
  never 500. Inside a batch the batch's transaction is gone: no retry there.

Lock order (PostgreSQL): a use case locks the rows it serialises on first, the patient
before the patient's other rows, always `select_for_update(no_key=True)` unless it
deletes the row or changes its key (a plain FOR UPDATE also blocks the foreign-key
checks of every writer that merely refers to the row, and those run at the commit,
while the writer holds the audit chain's head); the audit head is taken last, by the
recorder, just before the commit.

The kernel sits below the apps, so the audit app installs its writer at start-up
(`install_recorder`) instead of being imported here.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ParamSpec, Protocol, TypeVar

from django.db import DatabaseError, transaction

from ketacare.kernel import policy
from ketacare.kernel.errors import DomainError

P = ParamSpec("P")
R = TypeVar("R")

Recorder = Callable[[Sequence[Any], Any], object]

logger = logging.getLogger(__name__)

# PostgreSQL's SQLSTATEs for "give up and run the transaction again".
SERIALIZATION_FAILURE = "40001"
DEADLOCK_DETECTED = "40P01"
RETRIED_STATES = frozenset({SERIALIZATION_FAILURE, DEADLOCK_DETECTED})


class Joined(Protocol):
    """Something a face runs inside a use case's transaction (the API's idempotency)."""

    def begin(self) -> None:
        """Before the use case; raise to stop it (a replayed answer, say)."""

    def end(self, result: Any) -> None:
        """After it, with its result, before the commit."""


@dataclass
class _Run:
    name: str
    events: list[Any] = field(default_factory=list)
    after_refusal: list[Callable[[], object]] = field(default_factory=list)


_recorder: list[Recorder] = []
_running: ContextVar[_Run | None] = ContextVar("ketacare_use_case", default=None)
_joined: ContextVar[tuple[Joined, ...]] = ContextVar("ketacare_use_case_joined", default=())
_batched: ContextVar[bool] = ContextVar("ketacare_use_case_batch", default=False)
REGISTRY: dict[str, Callable[..., Any]] = {}


def install_recorder(recorder: Recorder) -> None:
    """The audit app's writer: recorder(events, actor) appends events to the chain."""
    _recorder[:] = [recorder]


def note(*events: Any) -> None:
    """Events for the audit chain, written when the running use case ends."""
    _current("note an audit event").events.extend(events)


def after_refusal(hook: Callable[[], object]) -> None:
    """Run `hook` (in its own transaction) if the running use case is refused."""
    _current("register an after-refusal hook").after_refusal.append(hook)


def running() -> str | None:
    """The name of the use case running in this context, if any."""
    run = _running.get()
    return None if run is None else run.name


def _current(what: str) -> _Run:
    run = _running.get()
    if run is None:
        msg = f"only a use case can {what}; wrap the service in @use_case"
        raise RuntimeError(msg)
    return run


@contextlib.contextmanager
def joined(*parts: Joined) -> Iterator[None]:
    """Join `parts` to the next use case this context runs (inside its transaction)."""
    token = _joined.set(_joined.get() + parts)
    try:
        yield
    finally:
        _joined.reset(token)


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """Run the use cases of this block in one durable transaction: all of them, or none."""
    token = _batched.set(True)
    try:
        with transaction.atomic(durable=True):
            yield
    finally:
        _batched.reset(token)


def use_case(name: str, *, audited: bool = True) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Make `fn(actor, ...)` the use case `name` (a row of kernel.policy's table).

    `audited=False` only for a use case that may end without changing anything (it then
    notes nothing); every other use case must note at least one event.
    """
    rule = policy.rule(name)  # a use case without a row in the table does not load

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            actor = args[0] if args else kwargs["actor"]
            policy.require_role(actor, rule)
            return _run(name, actor, audited, lambda: fn(*args, **kwargs))

        REGISTRY[name] = run
        return run

    return decorate


def contended(exc: BaseException) -> bool:
    """Whether `exc` is the database giving a transaction up for contention (run it again).

    Django raises the driver's error as its own `OperationalError` caused by the
    driver's: psycopg names the SQLSTATE `sqlstate`, psycopg2 `pgcode`.
    """
    current: BaseException | None = exc
    for _ in range(5):  # Django's error, the driver's, and what a caller wrapped them in
        if current is None:
            break
        state = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if state in RETRIED_STATES:
            return True
        current = current.__cause__
    return False


def _run(name: str, actor: Any, audited: bool, call: Callable[[], R]) -> R:
    if _running.get() is not None:
        msg = f"{name} was called inside the use case {running()}: call a helper, not a use case"
        raise RuntimeError(msg)
    parts, part_token = _joined.get(), _joined.set(())
    try:
        try:
            return _attempt(name, actor, audited, call, parts)
        except DatabaseError as exc:
            if _batched.get() or not contended(exc):
                raise
            logger.warning("use case %s retried: %s", name, str(exc).split("\n", 1)[0])
        return _attempt(name, actor, audited, call, parts)
    finally:
        _joined.reset(part_token)


def _attempt(
    name: str, actor: Any, audited: bool, call: Callable[[], R], parts: tuple[Joined, ...]
) -> R:
    """One run of the use case in its own transaction (and its hooks if refused)."""
    state = _Run(name)
    token = _running.set(state)
    try:
        with transaction.atomic(durable=not _batched.get()):
            for part in parts:
                part.begin()
            result = call()
            _record(state, actor, audited)
            for part in parts:
                part.end(result)
    except DomainError:
        _running.reset(token)
        for hook in state.after_refusal:
            with transaction.atomic(durable=not _batched.get()):
                hook()
        raise
    finally:
        if _running.get() is state:
            _running.reset(token)
    return result


def _record(state: _Run, actor: Any, audited: bool) -> None:
    if not state.events:
        if audited:
            msg = f"the use case {state.name} noted no audit event"
            raise RuntimeError(msg)
        return
    if not _recorder:
        msg = "no audit recorder installed (the audit app installs it when Django starts)"
        raise RuntimeError(msg)
    _recorder[0](state.events, actor)
