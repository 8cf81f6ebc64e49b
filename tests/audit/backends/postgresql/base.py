"""PostgreSQL, with a flush that disables the audit triggers for its own transaction."""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base

from tests.audit.backends import AUDIT_TABLES


class DatabaseOperations(base.DatabaseOperations):
    def sql_flush(self, style: Any, tables: Any, **kwargs: Any) -> list[str]:
        sql = list(super().sql_flush(style, tables, **kwargs))
        audit = [table for table in AUDIT_TABLES if table in set(tables)]
        if not audit or not sql:
            return sql
        off = [f"ALTER TABLE {table} DISABLE TRIGGER USER" for table in audit]
        on = [f"ALTER TABLE {table} ENABLE TRIGGER USER" for table in audit]
        return [*off, *sql, *on]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
