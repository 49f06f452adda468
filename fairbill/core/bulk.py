"""Fast bulk inserts and reads for the billing run's hot path.

Django's bulk_create compiles every value through several layers (about 8 µs a value);
this builds the INSERT once per model, converts only the values that need it with the
field's own get_db_prep_save, and sends the rows as multi-row INSERTs (SQLite) or COPY
(PostgreSQL). Only for plain rows whose primary key the caller does not need back. On
SQLite, inside writes_behind(), the INSERTs run in a thread of their own while the caller
goes on.

rows_fetch reads a values_list() query through the cursor the same way: Django passes every
value it reads through a chain of converters (about 2 µs a row and column), where the
database drivers already give most types as Python values.

A value repeated from row to row is converted once: dates and times are looked up in a
per-column cache, and a JSON value that is the very same object as the previous row's (the
seller's details on every invoice of a run) reuses its conversion.
"""

from __future__ import annotations

import gc
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from itertools import repeat
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import QuerySet

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
ROWS_PER_STATEMENT = 256  # rows per INSERT on SQLite

# gc's first threshold while bulk work runs (Python's default is 700 allocations)
BULK_GC_THRESHOLD = 50_000

Field = models.Field[Any, Any]
Converter = Callable[[Any], Any]


@contextmanager
def gc_spaced() -> Iterator[None]:
    """Run bulk work with the cyclic garbage collector passing less often. A batch builds
    tens of thousands of rows (dicts, lists, tuples) that live until it commits: with
    Python's default thresholds the collector walks them hundreds of times a batch, and now
    and then every object alive since start-up, for cycles the rows never form (about 7% of
    the billing run's time on SQLite). The objects alive on entry are set aside (gc.freeze) and
    the first threshold raised; both are restored when the last of the blocks running in the
    process ends (two runs started from two threads of a web server may overlap; objects
    frozen by someone else before are left so). Garbage is still collected, and reference
    counting frees the rows as before."""
    global _spaced_depth, _spaced_restore
    with _spaced_lock:
        if _spaced_depth == 0:
            threshold, freeze = gc.get_threshold(), gc.get_freeze_count() == 0
            if freeze:
                gc.freeze()
            gc.set_threshold(BULK_GC_THRESHOLD, *threshold[1:])
            _spaced_restore = (threshold, freeze)
        _spaced_depth += 1
    try:
        yield
    finally:
        with _spaced_lock:
            _spaced_depth -= 1
            if _spaced_depth == 0 and _spaced_restore is not None:
                saved, unfreeze = _spaced_restore
                gc.set_threshold(*saved)
                if unfreeze:
                    gc.unfreeze()
                _spaced_restore = None


_spaced_lock = threading.Lock()
_spaced_depth = 0
_spaced_restore: tuple[tuple[int, ...], bool] | None = None


@contextmanager
def writes_behind() -> Iterator[None]:
    """On SQLite, the block's bulk inserts run in a thread of their own, in order, while the
    caller goes on building rows: SQLite lets go of Python's lock while it writes, and on a
    multi-row INSERT it writes for milliseconds at a time. Any other statement on the
    connection first waits for the inserts sent before it (so reads see them, and a lock or
    counter is taken after them, as written), and so does the end of the block; an insert
    that fails raises there, in the caller's thread, as it would have raised inline. Inside
    the caller's transaction only; elsewhere (PostgreSQL) the block runs as it is."""
    connection = connections[DEFAULT_DB_ALIAS]
    off = not settings.BILLING_WRITE_THREAD
    if off or connection.vendor != "sqlite" or _writer.get() is not None:
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("inserts are written behind inside a transaction")
    writer = _Writer(connection)
    token = _writer.set(writer)
    try:
        with connection.execute_wrapper(writer.before_statement):
            yield
            writer.wait()
    finally:
        writer.close()
        _writer.reset(token)


class _Writer:
    """One thread running the multi-row INSERTs sent to it, in order, on the connection of
    the thread that sent them (which uses it for nothing else meanwhile: writes_behind)."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fairbill-writer")
        self._pending: list[Future[None]] = []
        self._failed = False

    def serves(self, connection: Any) -> bool:
        return connection is self._connection

    def submit(self, statements: list[tuple[str, list[Any]]]) -> None:
        self._pending.append(self._pool.submit(self._run, statements))

    def _run(self, statements: list[tuple[str, list[Any]]]) -> None:
        if self._failed:  # an earlier insert failed: the transaction is rolling back
            return
        try:
            with self._connection.wrap_database_errors:
                for sql, params in statements:
                    self._connection.connection.execute(sql, params)
        except BaseException:
            self._failed = True
            raise

    def wait(self) -> None:
        """Once the inserts sent so far are written; raises the first that failed."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def before_statement(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.wait()
        return execute(sql, params, many, context)

    def close(self) -> None:
        self._failed = self._failed or bool(self._pending)  # left on an error: skip the rest
        for future in self._pending:
            future.cancel()
        self._pending = []
        self._pool.shutdown(wait=True)


_writer: ContextVar[_Writer | None] = ContextVar("bulk_writer", default=None)


def bulk_insert(objects: Sequence[models.Model]) -> None:
    """Insert unsaved model instances (their primary keys are not set)."""
    if not objects:
        return
    model = type(objects[0])
    fields = _fields(model)
    rows = [{f.attname: getattr(obj, f.attname) for f in fields} for obj in objects]
    bulk_insert_rows(model, rows)


def bulk_insert_rows(
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    *,
    same: Mapping[str, Any] | None = None,
) -> None:
    """Insert rows given as {attname: value}, every row with the keys of the first. Fields in
    `same` take that value in every row (converted once); fields in neither take their
    default: for hot paths where building model instances would cost more than the insert
    itself."""
    if not rows:
        return
    connection = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not the thread-local proxy
    same = same or {}
    fields = _fields(model)
    pk = model._meta.pk
    if pk is not None and pk not in fields and pk.attname in rows[0]:
        fields.insert(0, pk)  # ids taken beforehand (ids_take)
    varying = [f for f in fields if f.attname in rows[0]]
    fixed = [f for f in fields if f.attname not in rows[0]]
    fixed_values = tuple(
        _converter(f, connection)(same[f.attname] if f.attname in same else f.get_default())
        for f in fixed
    )
    names = [f.attname for f in varying]
    pick = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    converters = [
        (index, _converter(f, connection))
        for index, f in enumerate(varying)
        if not isinstance(f, PASS_THROUGH)
    ]
    # column by column: the rows are turned into columns and back by zip, in C, and each
    # conversion runs down its column (cheaper than a list per row)
    columns: list[Iterable[Any]] = list(zip(*map(pick, rows), strict=True))
    for index, convert in converters:
        columns[index] = map(convert, columns[index])
    columns.extend(repeat(value, len(rows)) for value in fixed_values)
    _write(model, [*varying, *fixed], list(zip(*columns, strict=True)))


def ids_take(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for `count` rows of a model about to be inserted in the caller's
    transaction, the ones the database would give them (rows that point to them can then be
    built, and inserted, first: the foreign keys are checked at commit). PostgreSQL: from the
    column's sequence. SQLite: after the table's AUTOINCREMENT counter, under the writer's
    lock the transaction holds; inserting the rows moves the counter on."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ids are taken inside the inserting transaction")
    connection = connections[DEFAULT_DB_ALIAS]
    table = model._meta.db_table
    column = model._meta.pk.column if model._meta.pk is not None else "id"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), column, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        quoted = connection.ops.quote_name(table)
        cursor.execute(
            f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"coalesce((SELECT max({connection.ops.quote_name(column)}) FROM {quoted}), 0))",
            [table],
        )
        (last,) = cursor.fetchone()
        return list(range(last + 1, last + 1 + count))


# Fields both drivers return as their Python value (SQLite's dates and booleans by the
# converters Django registers with sqlite3), so reading needs no converter.
READ_AS_IS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)


def rows_fetch(queryset: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of a values_list() queryset (plain columns, no expressions), converting only
    the values whose driver type is not the Python one (decimals and times on SQLite)."""
    compiler = queryset.query.get_compiler(queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # a filter that can't match (an empty __in list)
        return []
    columns = [column for column, _, _ in compiler.select]
    converters = [
        (index, convs, column)
        for index, (convs, column) in compiler.get_converters(columns).items()
        if not _read_as_is(column.output_field)
    ]
    connection = compiler.connection
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not converters:
        return [tuple(row) for row in rows]
    converted = []
    for row in rows:
        values = list(row)
        for index, convs, column in converters:
            value = values[index]
            for convert in convs:
                value = convert(value, column, connection)
            values[index] = value
        converted.append(tuple(values))
    return converted


def _read_as_is(field: Field) -> bool:
    if isinstance(field, models.DateField):
        return not isinstance(field, models.DateTimeField)
    return isinstance(field, READ_AS_IS)


def _converter(field: Field, connection: Any) -> Converter:
    """The field's conversion to a database value, remembering what it converted."""
    if isinstance(field, PASS_THROUGH):
        return lambda value: value
    prep: Callable[[Any, Any], Any] = field.get_db_prep_save
    if isinstance(field, models.JSONField):
        # the JSON text itself (what Django's adapters send): on PostgreSQL a Jsonb wrapper
        # would be encoded again for every row COPY writes, the same seller details included
        prep = _json_prep(field.encoder)
    if isinstance(field, models.DateField):  # DateTimeField too: hashable, often repeated
        cache: dict[Any, Any] = {}

        def cached(value: Any) -> Any:
            try:
                return cache[value]
            except KeyError:
                converted = cache[value] = prep(value, connection)
                return converted

        return cached
    last: list[Any] = [object(), None]  # the previous row's value (by identity) and result

    def same_as_last(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, prep(value, connection)
        return last[1]

    return same_as_last


def _json_prep(encoder: type[json.JSONEncoder] | None) -> Callable[[Any, Any], Any]:
    """A JSON field's value as the text json.dumps gives. Without a custom encoder, one C
    encoder made once (what json.dumps makes anew at every call, about a microsecond a
    value: three values a renewal)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if encoder is not None or make is None:
        return lambda value, connection: None if value is None else json.dumps(value, cls=encoder)
    # json.dumps's defaults: ensure_ascii, ", " and ": ", no sorting, NaN allowed; no check
    # for circular references (rows are trees), which changes nothing in the text
    encode = make(
        None,
        _not_serializable,
        json.encoder.encode_basestring_ascii,
        None,
        ": ",
        ", ",
        False,
        False,
        True,
    )

    def prep(value: Any, connection: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):  # json.dumps's shortcut for a lone string
            return json.dumps(value)
        return "".join(encode(value, 0))

    return prep


def _not_serializable(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _fields(model: type[models.Model]) -> list[Field]:
    fields = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key or not isinstance(f, models.AutoField | models.BigAutoField)
    ]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            raise ValueError(f"{model.__name__}.{field.name}: auto_now fields are not supported")
    return fields


def _write(model: type[models.Model], fields: list[Field], rows: list[tuple[Any, ...]]) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
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
        writer = _writer.get()
        if writer is not None and writer.serves(connection):
            writer.submit(_inserts(connection, table, columns, rows, "?"))
            return
        for sql, params in _inserts(connection, table, columns, rows, "%s"):
            cursor.execute(sql, params)


def _inserts(
    connection: Any, table: str, columns: str, rows: list[tuple[Any, ...]], placeholder: str
) -> list[tuple[str, list[Any]]]:
    """SQLite: the rows as multi-row INSERTs. One statement for many rows: SQLite opens the
    table and its indexes once per statement, not once per row as executemany does."""
    insert = f"INSERT INTO {table} ({columns}) VALUES "
    width = len(rows[0])
    statements = []
    start = 0
    for size in _statement_sizes(len(rows), _rows_per_statement(connection, width)):
        values = [value for row in rows[start : start + size] for value in row]
        statements.append((insert + _values_list(width, size, placeholder), values))
        start += size
    return statements


def _rows_per_statement(connection: Any, width: int) -> int:
    """Rows per multi-row INSERT on SQLite: ROWS_PER_STATEMENT, fewer when the rows' values
    would pass the connection's limit on parameters."""
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(ROWS_PER_STATEMENT, limit // width))


def _statement_sizes(count: int, chunk: int) -> Iterator[int]:
    """Split `count` rows into statements of `chunk` rows, then powers of two: a few
    statement texts, which SQLite compiles once and keeps (compiling one costs more than
    running it)."""
    full, rest = divmod(count, chunk)
    yield from repeat(chunk, full)
    size = 1 << rest.bit_length()
    while rest:
        size >>= 1
        if rest >= size:
            yield size
            rest -= size


@lru_cache(maxsize=256)
def _values_list(width: int, rows: int, placeholder: str) -> str:
    row = f"({', '.join([placeholder] * width)})"
    return ", ".join(repeat(row, rows))
