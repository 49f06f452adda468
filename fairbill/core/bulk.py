"""Fast bulk inserts for the billing run's hot path.

Django's bulk_create compiles every value through several layers (about 8 µs a value);
this builds the INSERT once per model, converts only the values that need it with the
field's own get_db_prep_save, and sends the rows with executemany (SQLite) or COPY
(PostgreSQL). Only for plain rows whose primary key the caller does not need back.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connections, models

# Fields whose Python value the database drivers take as it is (Decimal included: Django
# adapts it for SQLite, psycopg natively), so per-value conversion can be skipped.
PASS_THROUGH = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DecimalField,
    models.ForeignKey,
)


def bulk_insert(objects: Sequence[models.Model], batch_size: int = 5000) -> None:
    if not objects:
        return
    connection = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not the thread-local proxy
    model = type(objects[0])
    meta = model._meta
    fields = [
        f
        for f in meta.concrete_fields
        if not f.primary_key or not isinstance(f, models.AutoField | models.BigAutoField)
    ]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            raise ValueError(f"{model.__name__}.{field.name}: auto_now fields are not supported")
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    plain = [f.attname for f in fields if isinstance(f, PASS_THROUGH)]
    prepared = [(f.attname, f.get_db_prep_save) for f in fields if not isinstance(f, PASS_THROUGH)]
    order = [f.attname for f in fields]
    rows = []
    for obj in objects:
        values = {name: getattr(obj, name) for name in plain}
        for name, prep in prepared:
            values[name] = prep(getattr(obj, name), connection)
        rows.append(tuple(values[name] for name in order))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is PostgreSQL's fast path for many rows: one statement, streamed.
            columns = ", ".join(quote(f.column) for f in fields)
            with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, rows[start : start + batch_size])
