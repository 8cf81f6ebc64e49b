"""Whether the database is migrated: the worker and `ketacare serve` start only on one that is.

On a database `ketacare migrate` has not brought up to date the worker would fail at its
first query and the server would answer 500 to every page; both say so in one line instead.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

NOT_MIGRATED = (
    "the database has {count} unapplied migration(s) ({first}, ...): run `ketacare migrate` first."
)


def unapplied_migrations(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The migrations not yet applied, as `app.name`, in the order they would run."""
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def not_migrated_message(alias: str = DEFAULT_DB_ALIAS) -> str | None:
    """One line naming what to run, or None when the database is up to date."""
    pending = unapplied_migrations(alias)
    if not pending:
        return None
    return NOT_MIGRATED.format(count=len(pending), first=pending[0])
