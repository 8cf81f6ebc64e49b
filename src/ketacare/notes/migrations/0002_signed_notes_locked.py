"""On PostgreSQL, a signed note's words and its addenda are locked at the database itself.

A signed note may not change its kind, title, body, session, author, patient or
signature, nor be deleted; an addendum is never changed or deleted. TRUNCATE is left
alone (the test runner and `flush` need it). SQLite has no such guard (the model's
`save` and the services refuse first).
"""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION ketacare_signed_note_locked() RETURNS trigger AS $$
BEGIN
    IF OLD.signed_at IS NOT NULL AND (
        TG_OP = 'DELETE'
        OR NEW.kind IS DISTINCT FROM OLD.kind
        OR NEW.title IS DISTINCT FROM OLD.title
        OR NEW.body IS DISTINCT FROM OLD.body
        OR NEW.session_id IS DISTINCT FROM OLD.session_id
        OR NEW.author_id IS DISTINCT FROM OLD.author_id
        OR NEW.patient_id IS DISTINCT FROM OLD.patient_id
        OR NEW.signed_at IS DISTINCT FROM OLD.signed_at
        OR NEW.signed_by_id IS DISTINCT FROM OLD.signed_by_id
    ) THEN
        RAISE EXCEPTION 'note #% is signed and locked: % rejected', OLD.id, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER signed_note_locked
    BEFORE UPDATE OR DELETE ON notes_note
    FOR EACH ROW EXECUTE FUNCTION ketacare_signed_note_locked();

CREATE OR REPLACE FUNCTION ketacare_addendum_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'addenda are append-only: % of addendum #% rejected', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER note_addendum_append_only
    BEFORE UPDATE OR DELETE ON notes_noteaddendum
    FOR EACH ROW EXECUTE FUNCTION ketacare_addendum_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS note_addendum_append_only ON notes_noteaddendum;
DROP FUNCTION IF EXISTS ketacare_addendum_append_only();
DROP TRIGGER IF EXISTS signed_note_locked ON notes_note;
DROP FUNCTION IF EXISTS ketacare_signed_note_locked();
"""


def _on_postgres(sql):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_notes")]

    operations = [migrations.RunPython(_on_postgres(FORBID), _on_postgres(ALLOW))]
