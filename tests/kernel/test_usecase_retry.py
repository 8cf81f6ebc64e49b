"""kernel.usecase: a deadlock or serialisation failure runs the use case once more.

Deterministic: the first attempt raises the error Django raises for PostgreSQL's
SQLSTATE 40P01 (deadlock) or 40001 (serialisation failure), an `OperationalError`
caused by the driver's error; the wrapper rolls it back and runs the use case again,
from its joined parts to its one audit batch.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import OperationalError

from ketacare.accounts.models import Clinic
from ketacare.accounts.roles import Role
from ketacare.audit.log import Event, verify
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.kernel import policy, usecase
from ketacare.kernel.errors import DomainError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


class Psycopg2Error(Exception):
    """psycopg2 names the SQLSTATE `pgcode` (psycopg 3: `sqlstate`)."""

    def __init__(self, pgcode: str) -> None:
        super().__init__(f"SQLSTATE {pgcode}")
        self.pgcode = pgcode


def contention(cause: BaseException | None = None) -> OperationalError:
    """What Django raises when PostgreSQL gives a transaction up as a deadlock."""
    error = OperationalError("deadlock detected")
    error.__cause__ = cause if cause is not None else Psycopg2Error("40P01")
    return error


class Renamer:
    """A use case that renames a clinic and fails with `errors`, one per attempt, first."""

    def __init__(self, errors: list[BaseException]) -> None:
        self.errors = errors
        self.attempts = 0
        self.hooks = 0

        @usecase.use_case("rename clinic")
        def rename(actor: Any, clinic: Clinic, name: str) -> Clinic:
            self.attempts += 1
            Clinic.objects.filter(pk=clinic.pk).update(name=f"{name} #{self.attempts}")
            usecase.note(Event.about(AuditAction.UPDATE, clinic))
            usecase.after_refusal(self._hook)
            if self.errors:
                raise self.errors.pop(0)
            return Clinic.objects.get(pk=clinic.pk)

        self.run = rename

    def _hook(self) -> None:
        self.hooks += 1


class Part:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def begin(self) -> None:
        self.seen.append("begin")

    def end(self, result: Any) -> None:
        self.seen.append("end")


@pytest.fixture
def admin(monkeypatch: pytest.MonkeyPatch) -> Any:
    rule = policy.Rule("rename a clinic", frozenset({"admin"}))
    monkeypatch.setitem(policy.RULES, "rename clinic", rule)
    return UserFactory(roles=[Role.ADMIN])  # type: ignore[no-untyped-call]


def _entries() -> int:
    return AuditEntry.objects.count()


@pytest.mark.parametrize(
    "cause",
    [
        Psycopg2Error("40P01"),
        Psycopg2Error("40001"),
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.SerializationFailure("could not serialize access"),
    ],
    ids=["deadlock-pgcode", "serialization-pgcode", "deadlock-sqlstate", "serialization-sqlstate"],
)
def test_a_contended_use_case_runs_once_more_with_one_audit_batch(admin: Any, cause: Any) -> None:
    renamer, part = Renamer([contention(cause)]), Part()
    before = _entries()
    with usecase.joined(part):
        clinic = renamer.run(admin, admin.clinic, "Renamed")
    assert renamer.attempts == 2
    assert clinic.name == "Renamed #2"  # the first attempt's change was rolled back
    assert _entries() == before + 1  # one audit batch: the second attempt's
    assert part.seen == ["begin", "begin", "end"]  # the joined part re-ran inside it
    assert renamer.hooks == 0  # a retry is no refusal
    assert verify().ok


def test_a_second_contention_is_raised_and_stores_nothing(admin: Any) -> None:
    renamer = Renamer([contention(), contention()])
    name, before = admin.clinic.name, _entries()
    with pytest.raises(OperationalError) as raised:
        renamer.run(admin, admin.clinic, "Renamed")
    assert usecase.contended(raised.value)  # the faces answer it 503, never 500
    assert renamer.attempts == 2  # once more, not forever
    assert Clinic.objects.get(pk=admin.clinic.pk).name == name
    assert _entries() == before
    assert renamer.hooks == 0


def test_other_database_errors_are_not_retried(admin: Any) -> None:
    renamer = Renamer([OperationalError("server closed the connection")])
    with pytest.raises(OperationalError) as raised:
        renamer.run(admin, admin.clinic, "Renamed")
    assert renamer.attempts == 1
    assert not usecase.contended(raised.value)


def test_a_refusal_on_the_retry_runs_its_hooks_once(admin: Any) -> None:
    renamer = Renamer([contention(), DomainError("no")])
    with pytest.raises(DomainError):
        renamer.run(admin, admin.clinic, "Renamed")
    assert (renamer.attempts, renamer.hooks) == (2, 1)


def test_inside_a_batch_there_is_no_retry(admin: Any) -> None:
    renamer = Renamer([contention()])
    with pytest.raises(OperationalError), usecase.batch():
        renamer.run(admin, admin.clinic, "Renamed")
    assert renamer.attempts == 1  # the batch's one transaction is gone with it


def test_contended_reads_the_cause_not_the_message() -> None:
    assert not usecase.contended(OperationalError("deadlock detected"))
    assert not usecase.contended(contention(Psycopg2Error("23505")))
    assert usecase.contended(psycopg.errors.DeadlockDetected("x"))
    wrapped = RuntimeError("while saving")
    wrapped.__cause__ = contention()
    assert usecase.contended(wrapped)
