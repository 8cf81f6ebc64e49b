"""Attacks on the audit log by someone who can write the database, on SQLite and PostgreSQL.

Each attack is first tried the plain way, which the database refuses (audit migrations
0002 and 0004), then as the database's owner who switches the guards off
(`lift_guards`): then `ketacare audit verify` names it, through the key the database
does not hold and the signed checkpoints outside it. Run this file on both databases:
    .venv/bin/pytest tests/audit
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/pytest tests/audit
"""

from __future__ import annotations

import hashlib
import hmac
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from ketacare.audit.chain import KEYED, KEYED_FIELDS, PLAIN, entry_hash, keyed_hash
from ketacare.audit.context import acting
from ketacare.audit.keys import key_id, keyring
from ketacare.audit.log import Event, record, verify
from ketacare.audit.models import AuditAction, AuditEntry, AuditHead
from ketacare.audit.verification import write_checkpoint
from ketacare.kernel import clock
from tests.audit.conftest import lift_guards

pytestmark = pytest.mark.django_db

MALLORY_KEY = b"mallory-has-a-key-of-her-own-0123456789"
KIND = "ketacare-audit-checkpoint-v1"


@pytest.fixture
def chain() -> list[AuditEntry]:
    with acting(label="test:attacks"):
        return [
            record(Event(AuditAction.READ, "patients.Patient", str(i), patient_id=i))
            for i in range(1, 6)
        ]


@pytest.fixture
def anchored(chain, checkpoint_file) -> list[AuditEntry]:
    """Five entries and the worker's signed checkpoint of #5."""
    written = write_checkpoint(clock.now())
    assert written is not None
    assert written.seq == 5
    return chain


def _fields(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in KEYED_FIELDS}


def _broken() -> str:
    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify")
    return str(excinfo.value)


def _refused(sql: str, match: str) -> None:
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


def _forge(seq: int, prev: str, *, version: int, key: bytes | None, kid: str) -> dict[str, Any]:
    """What a forger writes for entry `seq`: plain SHA-256 (no key) or an HMAC under `key`."""
    fields: dict[str, Any] = {
        "seq": seq,
        "at": clock.now(),
        "actor_id": None,
        "actor_label": "mallory",
        "role": "",
        "action": AuditAction.READ.value,
        "object_type": "patients.Patient",
        "object_id": "1",
        "patient_id": 1,
        "clinic_id": None,
        "request_id": "",
        "ip_address": "",
        "detail": {},
        "prev_hash": prev,
        "version": version,
        "key_id": kid,
    }
    fields["hash"] = entry_hash(fields) if key is None else keyed_hash(fields, key)
    return fields


def _append_forged(fields: dict[str, Any]) -> None:
    """Append an entry and move the head onto it: both are allowed (the log grows)."""
    AuditEntry.objects.create(**fields)
    AuditHead.objects.filter(pk=1).update(seq=fields["seq"], hash=fields["hash"])


# --- 1. cut the tail and move the head back --------------------------------------------------


def test_cutting_the_tail_and_moving_the_head_back(anchored) -> None:
    _refused("DELETE FROM audit_auditentry WHERE seq > 3", "append-only")
    third = AuditEntry.objects.get(seq=3)
    with pytest.raises(DatabaseError, match="only moves forward"), transaction.atomic():
        AuditHead.objects.filter(pk=1).update(seq=3, hash=third.hash)
    assert verify().ok

    lift_guards()
    AuditEntry.objects.filter(seq__gt=3).delete()
    AuditHead.objects.filter(pk=1).update(seq=3, hash=third.hash)
    result = verify()
    assert not result.ok
    assert result.broken_seq == 4
    assert result.checked == 3
    assert "ends at #3" in result.reason
    assert "checkpoint" in result.reason
    assert "recorded #5" in result.reason
    message = _broken()
    assert "BROKEN at entry #4" in message


# --- 2. edit an entry and recompute the chain ------------------------------------------------


@pytest.mark.parametrize("how", ["plain hash", "plain version", "own key", "own key, our key id"])
def test_editing_an_entry_and_recomputing_the_chain(anchored, tamperable, how) -> None:
    keys = keyring()
    version, key, kid = {
        "plain hash": (KEYED, None, keys.signing_id),
        "plain version": (PLAIN, None, ""),
        "own key": (KEYED, MALLORY_KEY, key_id(MALLORY_KEY)),
        "own key, our key id": (KEYED, MALLORY_KEY, keys.signing_id),
    }[how]
    prev = AuditEntry.objects.get(seq=1).hash
    for entry in AuditEntry.objects.filter(seq__gte=2).order_by("seq"):
        fields = _fields(entry) | {"prev_hash": prev, "version": version, "key_id": kid}
        if entry.seq == 2:
            fields["actor_label"] = "mallory"
        fields["hash"] = prev = entry_hash(fields) if key is None else keyed_hash(fields, key)
        AuditEntry.objects.filter(pk=entry.pk).update(**fields)
    AuditHead.objects.filter(pk=1).update(hash=prev)
    result = verify()
    assert not result.ok
    assert result.broken_seq == 2
    assert result.checked == 1
    reason = {
        "plain hash": "was altered",
        "plain version": "carries no key",
        "own key": "key this server does not hold",
        "own key, our key id": "was altered",
    }[how]
    assert reason in result.reason
    assert "BROKEN at entry #2" in _broken()


def test_editing_an_entry_is_refused_by_the_database(chain) -> None:
    _refused("UPDATE audit_auditentry SET actor_label = 'mallory' WHERE seq = 2", "append-only")
    assert verify().ok


# --- 3. wipe everything ----------------------------------------------------------------------


def test_wiping_everything(anchored) -> None:
    _refused("DELETE FROM audit_auditentry", "append-only")
    _refused("DELETE FROM audit_audithead", "cannot be deleted")
    assert verify().ok

    lift_guards()
    AuditEntry.objects.all().delete()
    AuditHead.objects.all().delete()
    result = verify()
    assert not result.ok
    assert result.checked == 0
    assert result.broken_seq == 1
    assert "is empty" in result.reason
    assert "recorded #5" in result.reason
    message = _broken()
    assert "BROKEN at entry #1" in message
    assert "intact: 0" not in message


def test_a_wiped_log_is_not_signed_again(anchored) -> None:
    lift_guards()
    AuditEntry.objects.all().delete()
    AuditHead.objects.all().delete()
    with pytest.raises(Exception, match="recorded #5"):
        write_checkpoint(clock.now())


# --- 4 and 5. append a forged entry ----------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("plain SHA-256", "carries no key"),
        ("plain SHA-256 claiming our key", "was altered"),
        ("a wrong key", "key this server does not hold"),
        ("a wrong key claiming our key id", "was altered"),
    ],
)
def test_appending_a_forged_entry(chain, how, reason) -> None:
    keys = keyring()
    version, key, kid = {
        "plain SHA-256": (PLAIN, None, ""),
        "plain SHA-256 claiming our key": (KEYED, None, keys.signing_id),
        "a wrong key": (KEYED, MALLORY_KEY, key_id(MALLORY_KEY)),
        "a wrong key claiming our key id": (KEYED, MALLORY_KEY, keys.signing_id),
    }[how]
    # No guard stands in the way: appending is what the log is for.
    _append_forged(_forge(6, chain[-1].hash, version=version, key=key, kid=kid))
    result = verify()
    assert not result.ok
    assert result.broken_seq == 6
    assert result.checked == 5
    assert reason in result.reason
    assert "BROKEN at entry #6" in _broken()


def test_an_entry_slipped_in_after_the_head_is_named(chain) -> None:
    keys = keyring()
    AuditEntry.objects.create(
        **_forge(6, chain[-1].hash, version=KEYED, key=MALLORY_KEY, kid=keys.signing_id)
    )
    result = verify()
    assert not result.ok
    assert result.broken_seq == 6


# --- 6. TRUNCATE (PostgreSQL) ----------------------------------------------------------------


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no TRUNCATE")


@pytest.mark.postgres
@pytest.mark.parametrize("tables", ["audit_auditentry", "audit_audithead", "both"])
def test_truncate_is_refused_on_postgres(postgres_only, anchored, tables) -> None:
    target = "audit_auditentry, audit_audithead" if tables == "both" else tables
    _refused(f"TRUNCATE {target}", "TRUNCATE")
    assert AuditEntry.objects.count() == 5
    assert verify().ok


@pytest.mark.postgres
def test_truncate_by_the_owner_is_caught_by_the_checkpoint(postgres_only, anchored) -> None:
    lift_guards()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditentry, audit_audithead")
    result = verify()
    assert not result.ok
    assert result.broken_seq == 1
    assert "is empty" in result.reason


# --- the head row ----------------------------------------------------------------------------


def test_the_head_cannot_be_rewritten_in_place_or_forged_anew(chain) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditHead.objects.filter(pk=1).update(hash="f" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditHead.objects.create(pk=2, seq=9, hash="f" * 64)
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (5, chain[-1].hash)


# --- the checkpoint file itself --------------------------------------------------------------


def test_an_edited_checkpoint_is_named(anchored, checkpoint_file) -> None:
    text = checkpoint_file.read_text(encoding="utf-8")
    checkpoint_file.write_text(text.replace('"seq":5', '"seq":4'), encoding="utf-8")
    result = verify()
    assert not result.ok
    assert result.broken_seq is None
    assert "wrong signature" in result.reason
    assert "Audit log BROKEN (checkpoints)" in _broken()


def test_a_checkpoint_signed_with_another_key_is_named(anchored, checkpoint_file) -> None:
    at = "2030-01-01T00:00:00+00:00"
    kid = key_id(MALLORY_KEY)
    head = AuditHead.objects.get(pk=1)
    signed = {"at": at, "hash": head.hash, "key_id": kid, "kind": KIND, "seq": 5}
    payload = json.dumps(signed, sort_keys=True, separators=(",", ":"))
    mac = hmac.new(MALLORY_KEY, payload.encode(), hashlib.sha256).hexdigest()
    with checkpoint_file.open("a", encoding="utf-8") as out:
        out.write(f'{{"seq":5,"hash":"{head.hash}","at":"{at}","key_id":"{kid}","mac":"{mac}"}}\n')
    result = verify()
    assert not result.ok
    assert "key this server does not hold" in result.reason


def test_verify_says_what_it_held_the_log_against(anchored) -> None:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "Audit log intact: 5 entries verified." in out.getvalue()
    assert "latest signed checkpoint, #5" in out.getvalue()


# --- the test suite's own flush --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_test_flush_still_empties_the_guarded_tables() -> None:
    """pytest-django flushes after this test; the test backends lift the guards for it."""
    record(Event(AuditAction.READ, "patients.Patient", "1"))
    assert AuditHead.objects.get(pk=1).seq == 1


def test_after_a_flush_the_log_starts_again() -> None:
    assert not AuditEntry.objects.exists()
    assert record(Event(AuditAction.READ, "patients.Patient", "1")).seq == 1
