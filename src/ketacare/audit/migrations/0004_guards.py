"""Guard the audit head and refuse TRUNCATE; give SQLite the append-only guard too.

PostgreSQL (0002 already rejects UPDATE and DELETE of entries):
- the head row (`audit_audithead`): no DELETE; its seq only grows and, at the same seq,
  its hash never changes (moving the head back to hide a cut tail is refused); a new
  head row only as row 1 at #0 (the first writer's);
- TRUNCATE of either table is refused (a statement trigger). `flush` is refused with it:
  a production database is never flushed. The test suite's database backends
  (tests/audit/backends) disable these triggers inside the flush's own transaction, as
  the tables' owner can.

SQLite: the same rules as triggers (no UPDATE or DELETE of entries, the head as above);
SQLite has no TRUNCATE. Whoever can write the database file can drop these triggers,
and on PostgreSQL the tables' owner can disable them: the guards stop mistakes and the
application's own code, while the keyed chain and the signed checkpoints outside the
database (audit.checkpoints) are what detect someone who goes around them.

A later migration that makes SQLite rebuild an audit table (most ALTERs) drops its
triggers with the old table: it must create them again.
"""

from django.db import migrations

PG_GUARD = """
CREATE OR REPLACE FUNCTION ketacare_audit_head_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the audit head cannot be deleted'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.id <> 1 OR NEW.seq <> 0 THEN
            RAISE EXCEPTION 'the audit head starts as row 1 at #0: insert of #% rejected', NEW.seq
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.id <> OLD.id OR NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash <> OLD.hash) THEN
        RAISE EXCEPTION 'the audit head only moves forward: #% to #% rejected', OLD.seq, NEW.seq
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_head_guard
    BEFORE INSERT OR UPDATE OR DELETE ON audit_audithead
    FOR EACH ROW EXECUTE FUNCTION ketacare_audit_head_guard();

CREATE OR REPLACE FUNCTION ketacare_audit_no_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: TRUNCATE of % rejected', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_entry_no_truncate
    BEFORE TRUNCATE ON audit_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION ketacare_audit_no_truncate();
CREATE TRIGGER audit_head_no_truncate
    BEFORE TRUNCATE ON audit_audithead
    FOR EACH STATEMENT EXECUTE FUNCTION ketacare_audit_no_truncate();
"""

PG_UNGUARD = """
DROP TRIGGER IF EXISTS audit_head_guard ON audit_audithead;
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;
DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_audithead;
DROP FUNCTION IF EXISTS ketacare_audit_head_guard();
DROP FUNCTION IF EXISTS ketacare_audit_no_truncate();
"""

SQLITE_GUARD = [
    """CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_auditentry
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE of an audit entry rejected');
    END""",
    """CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_auditentry
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE of an audit entry rejected');
    END""",
    """CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_audithead
    BEGIN SELECT RAISE(ABORT, 'the audit head cannot be deleted'); END""",
    """CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_audithead
    WHEN NEW.id <> OLD.id OR NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash <> OLD.hash)
    BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward'); END""",
    """CREATE TRIGGER audit_head_insert BEFORE INSERT ON audit_audithead
    WHEN NEW.id <> 1 OR NEW.seq <> 0
    BEGIN SELECT RAISE(ABORT, 'the audit head starts as row 1 at #0'); END""",
]

SQLITE_UNGUARD = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete",
    "DROP TRIGGER IF EXISTS audit_head_no_delete",
    "DROP TRIGGER IF EXISTS audit_head_forward_only",
    "DROP TRIGGER IF EXISTS audit_head_insert",
]


def _guard(pg, sqlite):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(pg, params=None)
        elif vendor == "sqlite":
            for statement in sqlite:
                schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_keyed_chain")]

    operations = [
        migrations.RunPython(_guard(PG_GUARD, SQLITE_GUARD), _guard(PG_UNGUARD, SQLITE_UNGUARD))
    ]
