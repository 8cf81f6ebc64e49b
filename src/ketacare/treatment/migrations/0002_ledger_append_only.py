"""On PostgreSQL, forbid UPDATE and DELETE of ledger events at the database itself.

The controlled-substance ledger is append-only: a correction is a new event. TRUNCATE
is left alone (the test runner and `flush` need it). SQLite has no such guard.
"""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION ketacare_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % of ledger event #% rejected', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_event_append_only
    BEFORE UPDATE OR DELETE ON treatment_ledgerevent
    FOR EACH ROW EXECUTE FUNCTION ketacare_ledger_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS ledger_event_append_only ON treatment_ledgerevent;
DROP FUNCTION IF EXISTS ketacare_ledger_append_only();
"""


def _on_postgres(sql):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("treatment", "0001_initial")]

    operations = [migrations.RunPython(_on_postgres(FORBID), _on_postgres(ALLOW))]
