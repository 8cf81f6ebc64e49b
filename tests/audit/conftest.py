"""Fixtures of the audit tests: a checkpoint file of the test's own, guards lifted."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from tests.audit.backends import AUDIT_TABLES


@pytest.fixture
def checkpoint_file(settings, tmp_path: Path) -> Path:
    """Checkpoints on, into a file of this test's own (the test settings turn them off)."""
    path = tmp_path / "audit-checkpoints.jsonl"
    settings.KETACARE_AUDIT_CHECKPOINT_FILE = str(path)
    return path


def lift_guards() -> None:
    """Do what the database's owner can: switch the audit triggers off (this transaction).

    PostgreSQL: ALTER TABLE ... DISABLE TRIGGER is transactional, so the test's rollback
    switches them on again. SQLite: DROP TRIGGER, rolled back the same way.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in AUDIT_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            return
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)",
            AUDIT_TABLES,
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER "{name}"')


@pytest.fixture
def tamperable() -> None:
    """Let the test edit or delete entries, as someone who went around the guards."""
    lift_guards()
