"""SQLite, with a flush that drops the audit triggers and creates them again around it."""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base

from tests.audit.backends import AUDIT_TABLES


class DatabaseOperations(base.DatabaseOperations):
    def sql_flush(self, style: Any, tables: Any, **kwargs: Any) -> list[str]:
        sql = list(super().sql_flush(style, tables, **kwargs))
        if not set(AUDIT_TABLES) & set(tables):
            return sql
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master"
                " WHERE type = 'trigger' AND tbl_name IN (%s, %s)",
                AUDIT_TABLES,
            )
            triggers = cursor.fetchall()
        drop = [f'DROP TRIGGER "{name}"' for name, _ in triggers]
        return [*drop, *sql, *(text for _, text in triggers)]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
