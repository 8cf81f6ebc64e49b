"""Signed checkpoints: the worker writes them, verify holds the log against them; the key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

from ketacare.audit.chain import PLAIN, entry_hash
from ketacare.audit.context import acting
from ketacare.audit.keys import DEVELOPMENT_KEY, key_id, keyring, parse
from ketacare.audit.log import Event, record, verify
from ketacare.audit.models import AuditAction, AuditEntry, AuditHead
from ketacare.jobs.worker import tick
from ketacare.kernel import clock
from tests.audit.conftest import lift_guards

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _record(n: int) -> list[AuditEntry]:
    with acting(label="test:checkpoints"):
        return [record(Event(AuditAction.READ, "patients.Patient", str(i))) for i in range(n)]


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- the worker's step -----------------------------------------------------------------------


def test_the_worker_tick_appends_a_signed_checkpoint(checkpoint_file) -> None:
    entries = _record(3)
    result = tick("test-worker")
    assert result.errors == []
    assert result.audit_checkpoint == 3
    (line,) = _lines(checkpoint_file)
    assert line["seq"] == 3
    assert line["hash"] == entries[-1].hash
    assert line["key_id"] == keyring().signing_id
    assert set(line) == {"seq", "hash", "at", "key_id", "mac"}
    assert oct(checkpoint_file.stat().st_mode & 0o777) == "0o600"


def test_a_tick_with_nothing_new_writes_nothing_and_the_next_appends(checkpoint_file) -> None:
    _record(2)
    tick("test-worker")
    assert tick("test-worker").audit_checkpoint is None
    _record(2)
    assert tick("test-worker").audit_checkpoint == 4
    assert [line["seq"] for line in _lines(checkpoint_file)] == [2, 4]


def test_an_empty_log_gets_no_checkpoint(checkpoint_file) -> None:
    assert tick("test-worker").audit_checkpoint is None
    assert not checkpoint_file.exists()


def test_the_worker_refuses_to_sign_a_broken_log(checkpoint_file, tamperable) -> None:
    _record(2)
    tick("test-worker")
    _record(2)
    AuditEntry.objects.filter(seq=3).update(actor_label="mallory")
    result = tick("test-worker")
    assert result.audit_checkpoint is None
    assert len(result.errors) == 1
    assert result.errors[0].startswith("audit_checkpoint: Tampered: entry #3 was altered")
    assert [line["seq"] for line in _lines(checkpoint_file)] == [2]


def test_checkpoints_off_write_nothing_and_verify_says_so() -> None:
    _record(1)
    assert tick("test-worker").audit_checkpoint is None
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "Checkpoints are off" in out.getvalue()


def test_the_checkpoint_command_writes_one_now(checkpoint_file) -> None:
    _record(2)
    out = StringIO()
    call_command("audit", "checkpoint", stdout=out)
    assert "Checkpoint written: #2" in out.getvalue()
    assert [line["seq"] for line in _lines(checkpoint_file)] == [2]


# --- verify against checkpoints --------------------------------------------------------------


def test_verify_without_a_checkpoint_yet_says_so(checkpoint_file) -> None:
    _record(2)
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "intact: 2 entries verified" in out.getvalue()
    assert "No checkpoint yet" in out.getvalue()


def test_verify_holds_the_log_against_every_checkpoint(checkpoint_file) -> None:
    _record(2)
    tick("test-worker")
    _record(3)
    tick("test-worker")
    _record(1)
    result = verify()
    assert result.ok
    assert result.checked == 6
    assert result.checkpoint is not None
    assert result.checkpoint.seq == 5


def test_two_checkpoints_that_disagree_are_named(checkpoint_file) -> None:
    _record(2)
    tick("test-worker")
    line = checkpoint_file.read_text(encoding="utf-8")
    checkpoint_file.write_text(line + line.replace('"hash":"', '"hash":"0'), encoding="utf-8")
    result = verify()
    assert not result.ok
    assert "checkpoint line 2" in result.reason


def test_a_rewritten_unkeyed_log_differs_from_its_checkpoint(checkpoint_file) -> None:
    """Entries from before the key can be recomputed by anyone; the checkpoint catches it."""
    prev = "0" * 64
    for seq in (1, 2, 3):
        fields = _plain_fields(seq, prev, label="before the key")
        fields["hash"] = prev = entry_hash(fields)
        AuditEntry.objects.create(**fields)
    AuditHead.objects.create(pk=1, seq=0, hash="0" * 64)
    AuditHead.objects.filter(pk=1).update(seq=3, hash=prev)
    tick("test-worker")
    assert verify().plain == 3
    # Someone rewrites the whole unkeyed log, head included (guards off, as the owner).
    lift_guards()
    AuditEntry.objects.all().delete()
    prev = "0" * 64
    for seq in (1, 2, 3):
        fields = _plain_fields(seq, prev, label="mallory")
        fields["hash"] = prev = entry_hash(fields)
        AuditEntry.objects.create(**fields)
    AuditHead.objects.filter(pk=1).update(seq=3, hash=prev)
    result = verify()
    assert not result.ok
    assert result.broken_seq == 3
    assert "signed checkpoint" in result.reason


def _plain_fields(seq: int, prev: str, *, label: str) -> dict[str, object]:
    return {
        "seq": seq,
        "at": clock.now(),
        "actor_id": None,
        "actor_label": label,
        "role": "",
        "action": "read",
        "object_type": "",
        "object_id": "",
        "patient_id": None,
        "clinic_id": None,
        "request_id": "",
        "ip_address": "",
        "detail": {},
        "prev_hash": prev,
        "version": PLAIN,
        "key_id": "",
    }


def test_entries_from_before_the_key_verify_and_are_counted() -> None:
    fields = _plain_fields(1, "0" * 64, label="before the key")
    fields["hash"] = entry_hash(fields)
    AuditEntry.objects.create(**fields)
    AuditHead.objects.create(pk=1, seq=0, hash="0" * 64)
    AuditHead.objects.filter(pk=1).update(seq=1, hash=fields["hash"])
    _record(2)
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "intact: 3 entries verified (1 of them from before the audit key" in out.getvalue()


# --- the key ---------------------------------------------------------------------------------


def test_a_rotated_key_still_verifies_what_the_old_one_signed(settings) -> None:
    _record(2)
    old = settings.KETACARE_AUDIT_KEY
    settings.KETACARE_AUDIT_KEY = f"a-brand-new-audit-key-0123456789abcdef {old}"
    _record(1)
    assert verify().ok
    assert AuditEntry.objects.get(seq=3).key_id == key_id(b"a-brand-new-audit-key-0123456789abcdef")
    settings.KETACARE_AUDIT_KEY = "a-brand-new-audit-key-0123456789abcdef"
    result = verify()
    assert not result.ok
    assert result.broken_seq == 1
    assert "key this server does not hold" in result.reason
    with pytest.raises(CommandError, match="BROKEN at entry #1"):
        call_command("audit", "verify")


def test_a_short_key_is_refused_unless_debug() -> None:
    with pytest.raises(ImproperlyConfigured, match="at least 32 characters"):
        parse("too-short", debug=False)
    assert parse(DEVELOPMENT_KEY, debug=True).signing == DEVELOPMENT_KEY.encode()
    with pytest.raises(ImproperlyConfigured, match="empty"):
        parse("  ", debug=True)


def _settings_in_a_fresh_process(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KETACARE_", "DEBUG"))}
    clean.update(SECRET_KEY="x" * 50, DJANGO_SETTINGS_MODULE="ketacare.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=clean,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_without_debug_and_without_a_key_ketacare_does_not_start(tmp_path) -> None:
    run = _settings_in_a_fresh_process(DEBUG="0", KETACARE_DATA_DIR=str(tmp_path))
    assert run.returncode != 0
    assert "KETACARE_AUDIT_KEY (or KETACARE_AUDIT_KEY_FILE) must be set" in run.stderr


def test_the_key_can_come_from_a_file(tmp_path) -> None:
    key_file = tmp_path / "audit.key"
    key_file.write_text("k" * 40 + "\n", encoding="utf-8")
    run = _settings_in_a_fresh_process(
        DEBUG="0", KETACARE_DATA_DIR=str(tmp_path), KETACARE_AUDIT_KEY_FILE=str(key_file)
    )
    assert run.returncode == 0, run.stderr
