"""Customer search (name, company, email, phone containing the words) through trigram
indexes on PostgreSQL, so a search reads the matching rows, not every customer. pg_trgm is
a trusted extension (a database owner may create it); without it the search still works,
by reading every row. SQLite has no such index: the migration does nothing there."""

from django.db import migrations

COLUMNS = ["name", "company", "email", "phone"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        try:
            cursor.execute("SAVEPOINT trigrams")
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception:  # no right to create it: the search reads every row, as before
            cursor.execute("ROLLBACK TO SAVEPOINT trigrams")
            return
        for column in COLUMNS:
            # The expression Django's icontains compares: UPPER(column::text) LIKE UPPER(...)
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS customer_{column}_trgm ON customers_customer "
                f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for column in COLUMNS:
            cursor.execute(f"DROP INDEX IF EXISTS customer_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_list_indexes")]
    operations = [migrations.RunPython(create, drop)]
