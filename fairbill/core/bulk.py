"""Fast bulk inserts for the billing run's hot path.

Django's bulk_create compiles every value through several layers (about 8 µs a value);
this builds the INSERT once per model, converts only the values that need it with the
field's own get_db_prep_save, and sends the rows with executemany (SQLite) or COPY
(PostgreSQL). Only for plain rows whose primary key the caller does not need back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

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


def bulk_insert(objects: Sequence[models.Model]) -> None:
    """Insert unsaved model instances (their primary keys are not set)."""
    if not objects:
        return
    model = type(objects[0])
    connection, converters = _converters(model)
    rows = [
        tuple(
            getattr(obj, name) if prep is None else prep(getattr(obj, name), connection)
            for name, prep in converters
        )
        for obj in objects
    ]
    _write(model, rows)


def bulk_insert_rows(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows given as {attname: value} (fields left out take their default): for hot
    paths where building model instances would cost more than the insert itself."""
    if not rows:
        return
    connection, converters = _converters(model)
    defaults = {f.attname: f.get_default() for f in model._meta.concrete_fields}
    values = [
        tuple(
            (row[name] if name in row else defaults.get(name))
            if prep is None
            else prep(row[name] if name in row else defaults.get(name), connection)
            for name, prep in converters
        )
        for row in rows
    ]
    _write(model, values)


Converter = Callable[[Any, Any], Any] | None


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    fields = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key or not isinstance(f, models.AutoField | models.BigAutoField)
    ]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            raise ValueError(f"{model.__name__}.{field.name}: auto_now fields are not supported")
    return fields


def _converters(model: type[models.Model]) -> tuple[Any, list[tuple[str, Converter]]]:
    connection = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not the thread-local proxy
    return connection, [
        (f.attname, None if isinstance(f, PASS_THROUGH) else f.get_db_prep_save)
        for f in _fields(model)
    ]


def _write(model: type[models.Model], rows: list[tuple[Any, ...]]) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    fields = _fields(model)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is PostgreSQL's fast path for many rows: one statement, streamed.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])
