"""kernel.policy: a row names who may run a use case; a superuser only where it says so."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from ketacare.kernel import policy
from ketacare.kernel.errors import NotAllowed


@dataclass
class _User:
    roles: frozenset[str] = field(default_factory=frozenset)
    is_superuser: bool = False
    is_authenticated: bool = True


def test_a_role_in_the_row_may_and_others_may_not() -> None:
    rule = policy.Rule("dispense", frozenset({"pharmacist"}))
    policy.require_role(_User(frozenset({"pharmacist"})), rule)
    with pytest.raises(NotAllowed, match=r"^Only pharmacist may dispense\.$"):
        policy.require_role(_User(frozenset({"prescriber"})), rule)


def test_the_patient_and_the_sitter_only_where_the_row_says() -> None:
    rule = policy.Rule("record a dose", frozenset({"clinician"}), own=True, sitter=True)
    assert rule.roles == {"clinician", "patient", "sitter"}
    assert policy.Rule("x", frozenset({"clinician"})).roles == {"clinician"}


def test_a_superuser_without_a_role_only_where_the_row_lets_them() -> None:
    root = _User(is_superuser=True)
    with pytest.raises(NotAllowed):
        policy.require_role(root, policy.Rule("dispense", frozenset({"pharmacist"})))
    policy.require_role(root, policy.Rule("submit", frozenset(), superuser=True))


def test_no_one_signed_in_may_do_nothing() -> None:
    with pytest.raises(NotAllowed):
        policy.require_role(_User(is_authenticated=False), policy.Rule("x", frozenset({"admin"})))
    with pytest.raises(NotAllowed):
        policy.require_role(None, policy.Rule("x", frozenset({"admin"})))


def test_a_public_row_lets_anyone_run_it() -> None:
    policy.require_role(None, policy.Rule("screen oneself", frozenset(), public=True))


def test_a_signed_in_row_lets_anyone_signed_in_run_it_whatever_their_roles() -> None:
    rule = policy.Rule("get an API token", frozenset(), signed_in=True)
    policy.require_role(_User(), rule)
    with pytest.raises(NotAllowed):
        policy.require_role(_User(is_authenticated=False), rule)


def test_every_row_names_roles_that_exist() -> None:
    known = {"patient", "sitter", "clinician", "prescriber", "pharmacist", "coordinator", "admin"}
    for name, rule in policy.RULES.items():
        assert rule.roles or rule.public or rule.signed_in, name
        assert rule.roles <= known, name


def test_may_reads_the_row_for_a_link() -> None:
    name = next(n for n, row in policy.RULES.items() if row.roles and not row.public)
    role = next(iter(policy.RULES[name].roles))
    assert policy.may(_User(frozenset({role})), name)
    assert not policy.may(_User(), name)
    with pytest.raises(LookupError):
        policy.may(_User(), "no such use case")
