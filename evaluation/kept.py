"""Kept boards: a scoreboard, a headline or a dashboard's charts counted once and kept until the
records they count change, so that reading them again costs a cache look-up, not a count.

Why: a board counts every record of its period (at national scale a quarter is 19,000 contacts,
25,000 issues collected and as many closed, 12,000 ratings): about two seconds, where the page
that shows it takes a tenth of that. The evaluation is read far more often than its records change.

How a kept board stays right:

- **The records' version.** Every write to a table the evaluation reads (the tables of the
  ``liaison``, ``platforms``, ``issues``, ``achievements`` and ``evaluation`` apps, and the users
  and their groups) gives the records a new version, kept in the ``evaluation`` cache: a database wrapper
  (``watch_writes``) sees the statement when it runs and again when its transaction commits (a board
  counted in between, without the uncommitted rows, is kept under the version the commit replaces).
  It is the statement that is seen, so ``update()``, ``bulk_create()`` and the services' raw SQL
  are seen too. A write made outside the portal's processes (``psql``) is not: the kept boards then
  last until their day ends (they are kept per day) or ``manage.py clear_kept_boards``.
- **A kept board is served as it is** when the version it was counted at is the version now: the
  figures are what a count would give.
- **When the records have changed since**, a board counted less than
  ``PORTAL["EVALUATION_STALE_SECONDS"]`` ago is still served, with the time it was counted on the
  page ("figures as of 10:05"); the first request after that counts it again. With 0, the
  default (right for a city: a board of the launch's records counts in a tenth of a second), a
  changed record is counted at once; a province's or a country's portal sets a few minutes.

The key holds everything a board depends on besides the records: its kind, the period, today's
date (open and overdue are "now"), the weights in force and the language its labels were
translated into.
"""

import hashlib
import logging
import re
import time
import uuid
from collections.abc import Callable
from functools import cache

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.utils import translation

from config.portal import portal_setting

logger = logging.getLogger(__name__)

CACHE_ALIAS = "evaluation"
#: A kept board is for one day at most (its key holds the day): the cache may forget it after that.
KEEP_SECONDS = 26 * 60 * 60

#: The apps whose tables the evaluation reads (every model but the historical copies).
COUNTED_APPS = ("liaison", "platforms", "issues", "achievements", "evaluation")

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)"?', re.IGNORECASE)


def _cache():
    return caches[CACHE_ALIAS]


def _database() -> str:
    """The database's name: two portals (or a benchmark's two databases) may share one cache."""
    return str(settings.DATABASES["default"]["NAME"])


def _version_key() -> str:
    return f"evaluation:{_database()}:records-version"


@cache
def counted_tables() -> frozenset[str]:
    user = apps.get_model(settings.AUTH_USER_MODEL)
    # Users' names are on the boards; their groups decide what the deadline overview shows them.
    tables = {user._meta.db_table, user.groups.through._meta.db_table}
    for label in COUNTED_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if not model.__name__.startswith("Historical"):
                tables.add(model._meta.db_table)
    return frozenset(tables)


def records_version() -> str:
    """The records' version now (a new one if the cache has none: every kept board is then old)."""
    version = _cache().get(_version_key())
    if version is None:
        _cache().add(_version_key(), uuid.uuid4().hex, timeout=None)
        version = _cache().get(_version_key())
    return version


def records_changed() -> None:
    """Give the records a new version. Never raises: a write must not fail because the cache is
    down (a kept board then lasts until the next write that reaches it, or its day's end)."""
    try:
        _cache().set(_version_key(), uuid.uuid4().hex, timeout=None)
    except Exception:  # noqa: BLE001 - any cache backend's error; the write itself stands
        logger.exception("The evaluation's kept boards could not be told that records changed")


def _changed_after_commit() -> None:
    records_changed()


def watch_writes(execute, sql, params, many, context):
    """A database execute wrapper (``connection.execute_wrappers``): a write to a counted table
    changes the records' version now and, inside a transaction, again when it commits."""
    result = execute(sql, params, many, context)
    match = _WRITE.match(sql) if isinstance(sql, str) else None
    if match and match.group(1) in counted_tables():
        records_changed()
        connection = context["connection"]
        if connection.in_atomic_block:
            _renew_at_commit(connection)
    return result


def _renew_at_commit(connection) -> None:
    """One hook per transaction, however many writes. Django starts a new list of hooks at each
    commit, rollback and savepoint rollback, and only appends to it otherwise: while the list is
    the one the hook was added to, the hook is in it (a look through the list each time would cost
    as many steps as the transaction has hooks, for every write)."""
    hooks = connection.run_on_commit
    if getattr(connection, "_evaluation_hooks_with_renewal", None) is hooks:
        return
    if not any(hook is _changed_after_commit for _savepoints, hook, _robust in hooks):
        transaction.on_commit(_changed_after_commit, using=connection.alias, robust=True)
    connection._evaluation_hooks_with_renewal = connection.run_on_commit


def install(sender=None, connection=None, **kwargs) -> None:
    """``connection_created``'s receiver: every connection of the portal's processes watches."""
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)


#: The shape of what is kept: a new one when a kept value's shape changes (a board kept without its
#: cadres says how many it ranks; its units are a table of columns), so that a deploy never reads
#: values kept by the code before.
KEPT_SHAPE = 3


def _key(kind: str, parts: tuple) -> str:
    digest = hashlib.sha256(repr((KEPT_SHAPE, kind, translation.get_language(), *parts)).encode()).hexdigest()[:32]
    return f"evaluation:{_database()}:kept:{kind}:{digest}"


def keep(kind: str, parts: tuple, count: Callable[[], object], *, recount: bool = False) -> tuple[object, float | None]:
    """``count()``'s value for ``(kind, *parts)``, kept: ``(value, counted_at)``, where
    ``counted_at`` (a Unix time) is set only when the value is served although the records have
    changed since it was counted (within the stale seconds). ``recount`` counts again unless the
    kept value is current."""
    key = _key(kind, parts)
    try:
        version = records_version()
        kept = _cache().get(key)
    except Exception:  # noqa: BLE001 - the cache down: count, as if nothing were kept
        logger.exception("The evaluation's kept boards could not be read")
        return count(), None
    now = time.time()
    if kept is not None:
        kept_version, counted_at, value = kept
        if kept_version == version:
            return value, None
        # A board from the future (another process's clock ahead of this one's) is not fresh.
        if not recount and 0 <= now - counted_at < int(portal_setting("EVALUATION_STALE_SECONDS")):
            return value, counted_at
    value = count()
    try:
        _cache().set(key, (version, now, value), timeout=KEEP_SECONDS)
    except Exception:  # noqa: BLE001 - not kept this time; counted again next time
        logger.exception("A board of the evaluation could not be kept")
    return value, None


def keep_many(kind: str, parts: tuple, names, count_all: Callable[[], dict], *,
              recount: bool = False) -> tuple[dict, float | None]:
    """``keep`` for a value split in parts kept apart (each unit's cadres' rows), so that a page
    reads the parts it shows: ``{name: value}`` for each of ``names`` and, as ``keep``'s, the time
    they were counted when the records changed since (the oldest part's). When any part is missing
    or too old, ``count_all()`` counts every part (``{name: value}``; a name it does not give has
    ``None``) and every part is kept again."""
    keys = {name: _key(kind, (*parts, name)) for name in names}
    try:
        version = records_version()
        found = _cache().get_many(list(keys.values())) if keys else {}
    except Exception:  # noqa: BLE001 - the cache down: count, as if nothing were kept
        logger.exception("The evaluation's kept boards could not be read")
        every = count_all()
        return {name: every.get(name) for name in keys}, None
    now = time.time()
    stale_seconds = int(portal_setting("EVALUATION_STALE_SECONDS"))
    values, oldest = {}, None
    for name, key in keys.items():
        kept = found.get(key)
        if kept is None:
            break
        kept_version, counted_at, value = kept
        if kept_version != version:
            if recount or not 0 <= now - counted_at < stale_seconds:
                break
            oldest = counted_at if oldest is None else min(oldest, counted_at)
        values[name] = value
    else:
        return values, oldest
    every = count_all()
    try:
        _cache().set_many({_key(kind, (*parts, name)): (version, now, value) for name, value in every.items()},
                          timeout=KEEP_SECONDS)
    except Exception:  # noqa: BLE001 - not kept this time; counted again next time
        logger.exception("A board of the evaluation could not be kept")
    return {name: every.get(name) for name in keys}, None


def forget_all() -> None:
    """Every kept board is counted again on its next reading."""
    records_changed()
