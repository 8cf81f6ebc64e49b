"""Test-only database backends: the suite's flush lifts the audit guards, nothing else does.

pytest-django empties every table after a transactional test (`flush`: TRUNCATE on
PostgreSQL, DELETE on SQLite). The audit tables refuse both (audit migration 0004), as
they must in production. These backends, named by tests/settings.py only, disable the
guards inside the flush's own transaction and put them back before it commits. The
product's settings never use them.
"""

AUDIT_TABLES = ("audit_auditentry", "audit_audithead")
