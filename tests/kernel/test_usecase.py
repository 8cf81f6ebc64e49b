"""kernel.usecase: one transaction, one audit batch, the role check, joined parts, hooks."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from ketacare.accounts.models import Clinic
from ketacare.accounts.roles import Role
from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.kernel import policy, usecase
from ketacare.kernel.errors import DomainError, NotAllowed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def make_user(role: str) -> Any:
    return UserFactory(roles=[Role(role)])  # type: ignore[no-untyped-call]


@pytest.fixture
def rows(monkeypatch: pytest.MonkeyPatch) -> None:
    admins = frozenset({"admin"})
    monkeypatch.setitem(policy.RULES, "rename clinic", policy.Rule("rename a clinic", admins))
    monkeypatch.setitem(policy.RULES, "look", policy.Rule("look", admins))


def _rename(rows: None) -> Any:
    @usecase.use_case("rename clinic")
    def rename(actor: Any, clinic: Clinic, name: str, *, refuse: bool = False) -> Clinic:
        clinic.name = name
        clinic.save()
        usecase.note(Event.about(AuditAction.UPDATE, clinic))
        if refuse:
            usecase.after_refusal(lambda: Clinic.objects.create(name="written after"))
            raise DomainError("no")
        return clinic

    return rename


def test_a_use_case_commits_its_change_with_its_audit_entry(rows: None) -> None:
    admin = make_user("admin")
    rename = _rename(rows)
    clinic = rename(admin, admin.clinic, "Renamed")
    assert Clinic.objects.get(pk=clinic.pk).name == "Renamed"
    entry = AuditEntry.objects.latest("seq")
    assert (entry.action, entry.object_id, entry.actor_id) == ("update", str(clinic.pk), admin.pk)


def test_a_refusal_rolls_back_and_runs_its_hooks_after(rows: None) -> None:
    admin = make_user("admin")
    rename = _rename(rows)
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError):
        rename(admin, admin.clinic, "Renamed", refuse=True)
    assert Clinic.objects.get(pk=admin.clinic.pk).name != "Renamed"
    assert AuditEntry.objects.count() == before
    assert Clinic.objects.filter(name="written after").exists()


def test_the_role_check_comes_first(rows: None) -> None:
    rename = _rename(rows)
    coordinator = make_user("coordinator")
    with pytest.raises(NotAllowed, match=r"Only admin may rename a clinic\."):
        rename(coordinator, coordinator.clinic, "Renamed")
    assert policy.may(coordinator, "rename clinic") is False


def test_a_use_case_never_runs_inside_another_transaction(rows: None) -> None:
    admin = make_user("admin")
    rename = _rename(rows)
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        rename(admin, admin.clinic, "Renamed")


def test_a_use_case_that_notes_nothing_is_a_defect(rows: None) -> None:
    @usecase.use_case("look")
    def look(actor: Any) -> None:
        return None

    with pytest.raises(RuntimeError, match="noted no audit event"):
        look(make_user("admin"))


def test_a_use_case_is_not_called_from_another(rows: None) -> None:
    rename = _rename(rows)

    @usecase.use_case("look", audited=False)
    def look(actor: Any) -> None:
        rename(actor, actor.clinic, "x")

    with pytest.raises(RuntimeError, match="inside the use case look"):
        look(make_user("admin"))


def test_note_outside_a_use_case_is_refused() -> None:
    with pytest.raises(RuntimeError, match="only a use case"):
        usecase.note()


def test_a_use_case_without_a_row_does_not_load() -> None:
    with pytest.raises(LookupError, match="no row"):
        usecase.use_case("nobody's")


class _Part:
    def __init__(self, stop: bool = False) -> None:
        self.stop = stop
        self.seen: list[tuple[str, object]] = []

    def begin(self) -> None:
        self.seen.append(("begin", transaction.get_connection().in_atomic_block))
        if self.stop:
            raise LookupError("replayed")

    def end(self, result: Any) -> None:
        self.seen.append(("end", result.name))


def test_a_joined_part_runs_inside_the_transaction(rows: None) -> None:
    admin = make_user("admin")
    rename, part = _rename(rows), _Part()
    with usecase.joined(part):
        rename(admin, admin.clinic, "Joined")
    assert part.seen == [("begin", True), ("end", "Joined")]
    stopper = _Part(stop=True)
    with usecase.joined(stopper), pytest.raises(LookupError):
        rename(admin, admin.clinic, "Never")
    assert Clinic.objects.get(pk=admin.clinic.pk).name == "Joined"


def test_a_batch_runs_its_use_cases_all_or_nothing(rows: None) -> None:
    admin = make_user("admin")
    rename = _rename(rows)
    seen = []

    def load() -> None:
        with usecase.batch():
            rename(admin, admin.clinic, "First")
            seen.append(Clinic.objects.get(pk=admin.clinic.pk).name)
            rename(admin, admin.clinic, "Second", refuse=True)

    with pytest.raises(DomainError):
        load()
    assert seen == ["First"]
    # the batch's transaction rolled back the first use case and the hook's row alike
    assert Clinic.objects.get(pk=admin.clinic.pk).name != "First"
    assert not Clinic.objects.filter(name="written after").exists()
