"""Inserting thousands of rows at once, for the sweeps: ``insert_rows``.

Why not ``bulk_create``: it builds a model instance per row and prepares every value through its
field, sends each value as a parameter of its own and, on PostgreSQL, reads back and decodes every
column with a database default: for the deadline sweep's 9,000 rows about 50 µs a row in Python,
two thirds of the sweep (bench/README.md, "The deadline sweep"). On PostgreSQL ``insert_rows``
sends one array per column instead, ``INSERT ... SELECT FROM unnest(...)``, and a value shared by
every row (a default, the sweep's time stamp) once. Elsewhere (SQLite: the tests, ``make run``) it
is ``bulk_create``, as before.
"""

import json
import re
from collections.abc import Mapping, Sequence

from django.db import connection, models


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence],
    *,
    same: Mapping[str, object] | None = None,
    skip_conflicts_on: str | None = None,
    returning: Sequence[str] = (),
) -> list[tuple]:
    """Insert ``rows`` (each a sequence of values, in the order of ``fields``) into ``model``'s table,
    with the values of ``same`` (field name: value) in every row; return the id and the ``returning``
    fields' values of each row inserted.

    The model's other fields take their default, evaluated once for all rows (so plain values only;
    a field without one gets "" or None, as Django stores it; a database default is left to the
    database). With ``skip_conflicts_on`` (a field with a unique constraint), on PostgreSQL a row
    whose value is taken is left out (``ON CONFLICT DO NOTHING``) instead of failing the insert;
    elsewhere the insert fails with ``IntegrityError``, as ``bulk_create`` does. Values go in as
    they are, with no field preparation but JSON encoding: pass what the database stores (ids,
    aware datetimes, str).
    """
    if not rows:
        return []
    meta = model._meta
    given = [meta.get_field(name) for name in fields]
    same = {meta.get_field(name): value for name, value in (same or {}).items()}
    same.update(
        (f, f.get_default()) for f in meta.concrete_fields
        if not f.primary_key and f not in given and f not in same and not f.has_db_default()
    )
    if connection.vendor != "postgresql":
        shared = {f.attname: value for f, value in same.items()}
        names = [f.attname for f in given]
        made = model._default_manager.bulk_create(model(**dict(zip(names, row, strict=True)), **shared) for row in rows)
        return [(obj.pk, *(getattr(obj, name) for name in returning)) for obj in made]

    def encode(field, value):
        if isinstance(field, models.JSONField) and value is not None:
            return json.dumps(value, cls=field.encoder)
        return value

    arrays = [[encode(field, value) for value in values] if isinstance(field, models.JSONField) else list(values)
              for field, values in zip(given, zip(*rows, strict=True), strict=True)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in [*given, *same])
    shared = "".join(f", %s::{_base_type(f)}" for f in same)
    unnest = ", ".join(f"%s::{_base_type(f)}[]" for f in given)
    conflict = ""
    if skip_conflicts_on:
        conflict = f" ON CONFLICT ({quote(meta.get_field(skip_conflicts_on).column)}) DO NOTHING"
    returned = ", ".join(quote(meta.get_field(name).column) for name in [meta.pk.name, *returning])
    with connection.cursor() as cursor:
        # It starts with INSERT INTO: the evaluation's write watcher (evaluation.kept) knows writes by it.
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT *{shared} FROM unnest({unnest}){conflict} "
            f"RETURNING {returned}",
            [*(encode(f, value) for f, value in same.items()), *arrays],
        )
        return cursor.fetchall()


def _base_type(field) -> str:
    # varchar, not varchar(200): a length checked for every element of the array costs more than
    # the check the column makes anyway when the row is stored.
    return re.sub(r"\(.*?\)", "", field.db_type(connection))
