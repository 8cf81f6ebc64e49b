"""On PostgreSQL, forbid UPDATE and DELETE of stock movements at the database itself.

The clinic's stock book is append-only, as the patients' ledger is: a correction is a new
movement. TRUNCATE is left alone (the test runner and `flush` need it).
"""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION ketacare_stock_book_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the stock book is append-only: % of stock movement #% rejected',
        TG_OP, OLD.id USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER stock_movement_append_only
    BEFORE UPDATE OR DELETE ON pharmacy_stockmovement
    FOR EACH ROW EXECUTE FUNCTION ketacare_stock_book_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS stock_movement_append_only ON pharmacy_stockmovement;
DROP FUNCTION IF EXISTS ketacare_stock_book_append_only();
"""


def _on_postgres(sql):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("pharmacy", "0001_stock")]

    operations = [migrations.RunPython(_on_postgres(FORBID), _on_postgres(ALLOW))]
