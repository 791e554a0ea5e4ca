"""The scheme's data at a scale factor: a year of records, deterministic, loaded with COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/national_data.py --scale 100 --db liaison_bench_100x [--keep]

DATABASE_URL names the PostgreSQL server (any database on it). The script drops and creates
``--db``, migrates it, generates the data in Python from a fixed seed (the same rows for the same
scale and end day on every machine), writes it with ``COPY`` (ids assigned here, sequences reset
after), runs ``VACUUM (FREEZE, ANALYZE)`` and prints what it wrote. Without ``--keep`` it then drops the database
again (a check that the generator runs); benches keep it.

Scale 1 is the scheme at launch (``liaison.demo``): 290 platforms (39 national, 245 provincial or
ministerial, 6 municipal), 89 cadres each serving 2 to 4 of them, 19 units and the office, each
unit with a leader, and bureau staff. Scale N repeats it N times ("<unit> 第N组", "<platform>（第N组）"),
so at 100: 29,000 platforms, 8,900 cadres, 1,901 units. On top, one YEAR of records ending on
``--end`` (default 2026-11-30), per platform and year about:

- 5.6 contacts, a third of them visits: each assignment's first contact within the week (92%) and
  first visit within its month (85%), then about one month in three a contact, always by the
  cadre responsible for the platform that day;
- 5.2 issues (classes A 15%, B 40%, C 25%, D 20%), most raised at a contact, with deadlines from
  the working-day calendar (10/15/30 working days), handed over to the cadre's unit (B), a unit of
  the same group (C) or the office (D), closed in time or late or still open as of the end day,
  the escalation level the sweep would have set, some rated (a few low ratings reopened), and
  their timeline (created, classified, handed over, reminded, escalated, commented, extension,
  solution determined, resolved, rated, reopened: about 5 events an issue);
- 1.5 achievements moving through the stages (some transformed with a contract amount, some
  dropped), with their timeline, matched with the districts' and parks' demands;
- 2.5 service records;
- notifications as the sweeps and services write them: about 1.3 an issue (the hand-over of a C or
  D issue to the lead unit's leader, the reminder before the due date, the escalations to the
  unit's leader and to the office, which reaches every bureau staff member and the office's
  leader), and the quarter-end reminder for each platform not contacted yet in the quarter;
- 3% of the platforms move mid-year to another cadre of the same unit (the old assignment ends,
  a new one starts, with its own first contact and visit).

``make_database(scale, db_name)`` builds a database from another script: it runs this one in a
child process, so the caller's Django (if any) stays connected where it was. The database gets a
small table ``bench_meta`` (scale, end day, counts) that benches read to reuse it.
"""

import argparse
import datetime
import functools
import gc
import io
import json
import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_DAY = datetime.date(2026, 11, 30)
ONE_DAY = datetime.timedelta(days=1)

#: Signs in to the pages the benches time (bureau staff).
BUREAU_USERNAME = "bureau"
BUREAU_PASSWORD = "bench-bureau-2026"

CLASS_WEIGHTS = {"A": 15, "B": 40, "C": 25, "D": 20}
#: The share of each class's issues closed within the deadline (the rest late, or open and overdue).
ON_TIME = {"B": 0.86, "C": 0.8, "D": 0.76}
RATING_WEIGHTS = {5: 50, 4: 30, 3: 12, 2: 5, 1: 3}
TRANSFER_SHARE = 0.03


# --- the server ---------------------------------------------------------------------------------


def server_and_db(url: str, name: str) -> tuple[str, str]:
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("DATABASE_URL must point at a PostgreSQL server (postgres://...)")
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path=f"/{name}"))


def _server_command(server_url: str, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def create_database(server_url: str, name: str) -> None:
    _server_command(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _server_command(server_url, f'CREATE DATABASE "{name}"')


def drop_database(server_url: str, name: str) -> None:
    _server_command(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def read_meta(server_url: str, name: str) -> dict | None:
    """What ``bench_meta`` says of database ``name`` (None when there is no such database or table)."""
    import psycopg2

    try:
        conn = psycopg2.connect(urlunsplit(urlsplit(server_url)._replace(path=f"/{name}")))
    except psycopg2.OperationalError:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('bench_meta')")
            if cur.fetchone()[0] is None:
                return None
            cur.execute("SELECT scale, end_day, counts FROM bench_meta")
            row = cur.fetchone()
            return None if row is None else {"scale": row[0], "end": row[1], "counts": row[2]}
    finally:
        conn.close()


def missing_migrations(server_url: str, name: str) -> list[str]:
    """The project's migrations (files under ``<app>/migrations/``) that database ``name`` has not
    applied: a database built before them is out of date."""
    import psycopg2

    def app_label(app_dir: Path) -> str:  # the AppConfig's ``label`` where it sets one (config's is "portal")
        import re

        found = re.search(r'^\s*label\s*=\s*"(\w+)"', (app_dir / "apps.py").read_text(), re.MULTILINE)
        return found[1] if found else app_dir.name

    on_disk = {(app_label(path.parent.parent), path.stem) for path in BASE_DIR.glob("*/migrations/[0-9]*.py")}
    conn = psycopg2.connect(urlunsplit(urlsplit(server_url)._replace(path=f"/{name}")))
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT app, name FROM django_migrations")
            applied = set(cur.fetchall())
    finally:
        conn.close()
    return sorted(f"{app}.{migration}" for app, migration in on_disk - applied)


def migrate_database(server_url: str, name: str) -> None:
    """Apply the project's migrations that database ``name`` lacks (``manage.py migrate``, in a
    child process), then ANALYZE, so that a database built before a new index is brought up to date
    rather than built again."""
    env = dict(os.environ, DATABASE_URL=server_and_db(server_url, name)[1])
    subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], env=env, cwd=str(BASE_DIR),
                   check=True)
    import psycopg2

    conn = psycopg2.connect(server_and_db(server_url, name)[1])
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("ANALYZE")
    finally:
        conn.close()


def make_database(scale: int, db_name: str, *, end: datetime.date = END_DAY, server_url: str | None = None,
                  quiet: bool = False) -> dict:
    """Build database ``db_name`` at ``scale`` (dropped first) in a child process; its counts."""
    env = dict(os.environ)
    if server_url:
        env["DATABASE_URL"] = server_url
    command = [sys.executable, str(Path(__file__).resolve()), "--scale", str(scale), "--db", db_name,
               "--end", end.isoformat(), "--keep"]
    result = subprocess.run(command, env=env, cwd=str(BASE_DIR), check=True, text=True,
                            stdout=subprocess.PIPE if quiet else None)
    if quiet:
        print(result.stdout.splitlines()[-1] if result.stdout else "", flush=True)
    meta = read_meta(server_and_db(env.get("DATABASE_URL", ""), db_name)[0], db_name)
    return meta["counts"] if meta else {}


# --- COPY -----------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False) if value else ("{}" if isinstance(value, dict) else "[]")
    elif not isinstance(value, str):
        return str(value)
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_rows(model, columns: list[str], rows: list) -> int:
    """COPY ``rows`` (tuples in the order of ``columns``, attnames) into ``model``'s table.

    Columns not given take the field's default (the same for every row), or the database's
    default where the field declares one (``db_default``)."""
    from django.db import connection
    from django.db.models import NOT_PROVIDED

    given = set(columns)
    extra_columns, extra_values = [], []
    for f in model._meta.concrete_fields:
        if f.attname in given or f.db_default is not NOT_PROVIDED:
            continue
        if f.primary_key:
            raise ValueError(f"{model.__name__}: ids are assigned here: give {f.attname}")
        default = f.get_default()
        if default is None and not f.null:
            raise ValueError(f"{model.__name__}.{f.attname} has no default: give it")
        extra_columns.append(f.column)
        extra_values.append(_text(default))
    field_of = {f.attname: f for f in model._meta.concrete_fields}
    names = [field_of[c].column for c in columns] + extra_columns
    tail = ("\t" + "\t".join(extra_values)) if extra_values else ""
    buffer = io.StringIO()
    write = buffer.write
    for row in rows:
        write("\t".join([_text(v) for v in row]) + tail + "\n")
    buffer.seek(0)
    column_list = ", ".join(f'"{n}"' for n in names)
    formatted = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f'COPY "{model._meta.db_table}" ({column_list}) FROM STDIN', buffer, size=1 << 20)
    copy_rows.server_seconds = time.perf_counter() - formatted
    return len(rows)


class Ids:
    """Ids per table, assigned here: each table's next free id (after whatever migrations wrote)."""

    def __init__(self):
        self.next = {}

    def start(self, model) -> None:
        self.next[model] = (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    def __call__(self, model) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


class DeferredIndexes:
    """Drop the secondary indexes and foreign keys of the tables about to be loaded, and make them
    again afterwards, as pg_restore does: building an index once over the rows is many times
    faster than keeping it up to date row by row, and adding a foreign key checks every row in one
    join, so the data's integrity is still checked. Primary keys, unique and check constraints stay
    (checked as the rows arrive)."""

    def __init__(self, models):
        self.tables = [m._meta.db_table for m in models]
        self.indexes, self.foreign_keys = [], []

    def __enter__(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)", [self.tables])
            self.foreign_keys = cursor.fetchall()
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid::regclass::text = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", [self.tables])
            self.indexes = cursor.fetchall()
            for table, name, _definition in self.foreign_keys:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _definition in self.indexes:
                cursor.execute(f"DROP INDEX {name}")
        return self

    def __exit__(self, kind, value, traceback):
        from django.db import connection

        if kind is not None:
            return False
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _name, definition in self.indexes:
                cursor.execute(definition)
            for table, name, definition in self.foreign_keys:
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        print(f"  {len(self.indexes)} indexes and {len(self.foreign_keys)} foreign keys made again in "
              f"{time.perf_counter() - started:.1f}s", flush=True)
        return False


def reset_sequences(models) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f"coalesce((SELECT max(id) FROM \"{table}\"), 0) + 1, false)"
            )


# --- the generator --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def at(day: datetime.date, hour: int, minute: int = 0) -> str:
    """A moment in Asia/Shanghai as COPY reads it (kept as text: formatting a datetime for each of a
    million rows would take longer than the COPY; Shanghai keeps +08:00 all year)."""
    return f"{day.isoformat()} {hour:02d}:{minute:02d}:00+08:00"


def month_end(day: datetime.date) -> datetime.date:
    first_next = datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return first_next - ONE_DAY


def quarter_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return first, month_end(datetime.date(first.year, first.month + 2, 1))


class National:
    """Generates and writes the data; ``counts`` says how many rows of each kind."""

    def __init__(self, scale: int, end: datetime.date):
        from issues.calendar import load_calendar

        self.scale, self.end = scale, end
        self.start = end.replace(year=end.year - 1) + ONE_DAY
        self.rng = random.Random(f"national:{scale}:{end.isoformat()}")
        self.calendar = load_calendar()
        self._due = {}
        self._wdays = {}
        self.ids = Ids()
        self.counts = {}

    # helpers

    def add_wd(self, day, n):
        key = (day, n)
        if key not in self._due:
            self._due[key] = self.calendar.add_working_days(day, n)[0]
        return self._due[key]

    def wd_between(self, a, b):
        key = (a, b)
        if key not in self._wdays:
            self._wdays[key] = self.calendar.working_days_between(a, b)
        return self._wdays[key]

    def day_in(self, first, last):
        """A day in [first, last] (clipped to the year)."""
        first, last = max(first, self.start), min(last, self.end)
        return first + datetime.timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def months(self):
        day = self.start.replace(day=1)
        while day <= self.end:
            yield max(day, self.start), min(month_end(day), self.end)
            day = month_end(day) + ONE_DAY

    def cadre_on(self, platform_id, day):
        for start, end, cadre_id in self.assignments_of[platform_id]:
            if start <= day and (end is None or day < end):
                return cadre_id
        return self.assignments_of[platform_id][0][2]

    # the whole

    def run(self) -> dict:
        from django.db import transaction

        with transaction.atomic(), DeferredIndexes(self.loaded_models()):
            self.people_and_units()
            self.platforms_and_assignments()
            self.contacts()
            self.issues()
            self.achievements()
            self.services()
            self.duty_notifications()
            self.write_notifications()
        return self.counts

    def write(self, model, columns, rows, label=None):
        started = time.perf_counter()
        self.counts[label or model._meta.db_table] = copy_rows(model, columns, rows)
        print(f"  {label or model._meta.db_table:<30} {len(rows):>9,} rows  {time.perf_counter() - started:5.1f}s "
              f"(COPY {copy_rows.server_seconds:4.1f}s)", flush=True)

    def people_and_units(self):
        from django.contrib.auth.hashers import make_password
        from django.contrib.auth.models import Group, User

        from liaison.demo import OFFICE, UNITS, build_scheme
        from liaison.models import BUREAU_STAFF_GROUP, Cadre, Unit
        from liaison.unit_order import unit_sort_key

        rng, scale = self.rng, self.scale
        for model in (User, Unit, Cadre):
            self.ids.start(model)
        self.scheme = build_scheme()
        joined = at(self.start, 9)
        unusable = make_password(None)
        users, units, cadres = [], [], []
        self.user_name = {}
        self.unit_name = {}

        def user(username, last, first):
            uid = self.ids(User)
            users.append((uid, unusable, username, first, last, f"{username}@example.com", True, False, False, joined))
            self.user_name[uid] = f"{last}{first}"  # as the portal names a person (full_name)
            return uid

        def suffix(group):
            return "" if scale == 1 else f" 第{group}组"

        leaders = {name: leader for name, _kind, leader, _office in self.scheme.units}
        office_leader = leaders[OFFICE[0]]
        office_id = self.ids(Unit)
        self.office_leader_user = user(office_leader.username, office_leader.last_name, office_leader.first_name)
        units.append((office_id, OFFICE[0], OFFICE[1], self.office_leader_user, True,
                      unit_sort_key(name=OFFICE[0], kind=OFFICE[1], is_office=True)))
        self.office_id = office_id
        self.unit_leader = {office_id: self.office_leader_user}
        self.unit_kind = {office_id: OFFICE[1]}
        self.cadre_user, self.cadre_unit = {}, {}
        #: (group, plan's username) -> cadre id
        self.cadre_of_plan = {}
        self.group_units = defaultdict(list)
        plans_by_unit = defaultdict(list)
        for plan in self.scheme.cadres:
            plans_by_unit[plan.unit].append(plan)
        for group in range(1, scale + 1):
            tag = "" if scale == 1 else f"_{group}"
            for name, kind, prefix, _area, _count in UNITS:
                leader = leaders[name]
                unit_id = self.ids(Unit)
                leader_user = user(f"{prefix}_leader{tag}", leader.last_name, leader.first_name)
                unit_name = name + suffix(group)
                self.unit_name[unit_id] = unit_name
                units.append((unit_id, unit_name, kind, leader_user, False,
                              unit_sort_key(name=unit_name, kind=kind, is_office=False)))
                self.unit_leader[unit_id] = leader_user
                self.unit_kind[unit_id] = kind
                self.group_units[group].append(unit_id)
                for plan in plans_by_unit[name]:
                    person = plan.person
                    uid = user(f"{person.username}{tag}", person.last_name, person.first_name)
                    cadre_id = self.ids(Cadre)
                    cadres.append((cadre_id, uid, unit_id, plan.phone, plan.title, True, 1))
                    self.cadre_user[cadre_id] = uid
                    self.cadre_unit[cadre_id] = unit_id
                    self.cadre_of_plan[group, person.username] = cadre_id
        # Bureau staff: the office's and the science bureau's, a few more at national scale.
        self.bureau_users = []
        for number in range(3 + scale // 50):
            username = BUREAU_USERNAME if number == 0 else f"{BUREAU_USERNAME}{number + 1:02d}"
            self.bureau_users.append(user(username, rng.choice("周李王张刘"), rng.choice(["敏", "静", "强", "磊"])))
        bureau_row = users[-len(self.bureau_users)]
        users[-len(self.bureau_users)] = (bureau_row[0], make_password(BUREAU_PASSWORD), *bureau_row[2:])
        self.write(User, ["id", "password", "username", "first_name", "last_name", "email", "is_active",
                          "is_staff", "is_superuser", "date_joined"], users)
        self.write(Unit, ["id", "name", "kind", "leader_id", "is_office", "sort_key"], units)
        self.write(Cadre, ["id", "user_id", "unit_id", "phone", "title", "is_active", "batch"], cadres)
        group = Group.objects.get_or_create(name=BUREAU_STAFF_GROUP)[0]
        group.user_set.add(*self.bureau_users)
        self.district_units = {g: [u for u in us if self.unit_kind[u] != "city_department"]
                               for g, us in self.group_units.items()}

    def platforms_and_assignments(self):
        from liaison.models import Assignment
        from platforms.models import Platform

        rng, scale = self.rng, self.scale
        for model in (Platform, Assignment):
            self.ids.start(model)
        created = at(self.start, 9)
        platforms, self.platform_contact = [], {}
        by_name = {}
        for group in range(1, scale + 1):
            for values in self.scheme.platforms:
                pid = self.ids(Platform)
                name = values["name"] if scale == 1 else f"{values['name']}（第{group}组）"
                platforms.append((pid, name, values["level"], values["category"], values["host_institution"],
                                  values["district"], values["technology_field"], values["address"],
                                  values["contact_person"], values["contact_phone"], values["contact_email"],
                                  values["preferred_channel"], values["preferred_times"], True, 1, created, created))
                by_name[group, values["name"]] = pid
                self.platform_contact[pid] = values["contact_person"]
        self.platform_ids = [row[0] for row in platforms]
        self.write(Platform, ["id", "name", "level", "category", "host_institution", "district", "technology_field",
                              "address", "contact_person", "contact_phone", "contact_email", "preferred_channel",
                              "preferred_times", "is_active", "batch", "created_at", "updated_at"], platforms)

        #: platform -> [(start, end or None, cadre)], in order.
        self.assignments_of = {}
        load = defaultdict(int)
        self.platform_group = {}
        for group in range(1, scale + 1):
            for plan in self.scheme.cadres:
                cadre_id = self.cadre_of_plan[group, plan.person.username]
                for name in plan.platforms:
                    pid = by_name[group, name]
                    self.assignments_of[pid] = [(self.start, None, cadre_id)]
                    self.platform_group[pid] = group
                    load[cadre_id] += 1
        # Mid-year transfers to another cadre of the same unit, keeping every cadre at 2 to 4.
        unit_cadres = defaultdict(list)
        for cadre_id, unit_id in self.cadre_unit.items():
            unit_cadres[unit_id].append(cadre_id)
        wanted = round(TRANSFER_SHARE * len(self.platform_ids))
        transfers = 0
        for pid in rng.sample(self.platform_ids, len(self.platform_ids)):
            if transfers == wanted:
                break
            old = self.assignments_of[pid][0][2]
            others = [c for c in unit_cadres[self.cadre_unit[old]] if c != old and load[c] < 4]
            if load[old] <= 2 or not others:
                continue
            new = rng.choice(others)
            day = self.day_in(self.start + datetime.timedelta(days=60), self.end - datetime.timedelta(days=30))
            self.assignments_of[pid] = [(self.start, day, old), (day, None, new)]
            load[old] -= 1
            load[new] += 1
            transfers += 1
        rows = []
        for pid in self.platform_ids:
            for start, end, cadre_id in self.assignments_of[pid]:
                rows.append((self.ids(Assignment), cadre_id, pid, start, end, "工作调整，平台移交" if end else "",
                             at(start, 9)))
        self.write(Assignment, ["id", "cadre_id", "platform_id", "start_date", "end_date", "end_reason",
                                "created_at"], rows)
        self.counts["transfers"] = transfers

    def contacts(self):
        from liaison.demo import _CONTACT_KINDS, _NEEDS, _PROGRESS
        from liaison.models import Contact

        rng = self.rng
        self.ids.start(Contact)
        kinds = [k for k, _w in _CONTACT_KINDS if k != Contact.Kind.VISIT]
        rows = []
        #: platform -> [(date, contact id, cadre)]
        self.contacts_of = defaultdict(list)

        def contact(pid, day, kind, summary, cadre_id=None):
            cadre_id = cadre_id or self.cadre_on(pid, day)
            cid = self.ids(Contact)
            rows.append((cid, pid, cadre_id, day, kind, self.platform_contact[pid], summary,
                         rng.choice(_NEEDS), self.cadre_user[cadre_id], at(day, 17, rng.randint(0, 59))))
            self.contacts_of[pid].append((day, cid, cadre_id))

        for pid in self.platform_ids:
            for start, end, cadre_id in self.assignments_of[pid]:
                last = min(end - ONE_DAY if end else self.end, self.end)
                if rng.random() < 0.92:
                    day = start + datetime.timedelta(days=rng.randint(1, 6))
                    if day <= last:
                        contact(pid, day, rng.choice(kinds), "首次联系：介绍联点服务机制，确认对接人和联系方式", cadre_id)
                if rng.random() < 0.85:
                    day = start + datetime.timedelta(days=rng.randint(3, max(3, (month_end(start) - start).days)))
                    if day <= last:
                        contact(pid, day, Contact.Kind.VISIT, "首次走访：实地了解平台建设情况、运行状况和发展需求",
                                cadre_id)
            for first, last in self.months():
                if rng.random() < 0.325:
                    kind = Contact.Kind.VISIT if rng.random() < 0.26 else rng.choice(kinds)
                    contact(pid, self.day_in(first, last), kind, f"了解平台近期建设进展：{rng.choice(_PROGRESS)}")
        for dated in self.contacts_of.values():
            dated.sort()
        self.write(Contact, ["id", "platform_id", "cadre_id", "date", "kind", "people_met", "summary", "needs",
                             "created_by_id", "created_at"], rows)

    def issues(self):
        from config.portal import portal_setting
        from issues.models import WORKING_DAYS_BY_CLASS, Issue, IssueEvent
        from liaison.demo import TOPICS

        rng, end = self.rng, self.end
        self.ids.start(Issue)
        self.ids.start(IssueEvent)
        titles = {c: [t.title for t in TOPICS if c in t.classes and "{" not in t.title] for c in "ABCD"}
        classes, class_weights = list(CLASS_WEIGHTS), list(CLASS_WEIGHTS.values())
        areas = list(Issue.ServiceArea.values)
        ratings, rating_weights = list(RATING_WEIGHTS), list(RATING_WEIGHTS.values())
        office_people = [*self.bureau_users, self.office_leader_user]
        issues, events = [], []
        self.notifications = []
        #: The sweep escalates to the office once an issue is this many working days overdue.
        late_days = int(portal_setting("OFFICE_ESCALATION_WORKING_DAYS")) + 1

        def event(issue_id, kind, when, actor, before=None, after=None, note="", message="", params=None):
            eid = self.ids(IssueEvent)
            events.append((eid, issue_id, kind, actor, when, before or {}, after or {}, note, message, params or {}))
            return eid

        def notify(kind, key, recipient, subject, topic, when):
            self.notifications.append((kind, key, recipient, subject, topic, when))

        for pid in self.platform_ids:
            group = self.platform_group[pid]
            contacts = self.contacts_of[pid]
            for first, last in self.months():
                for _ in range(2):
                    if rng.random() >= 0.215:
                        continue
                    in_month = [c for c in contacts if first <= c[0] <= last]
                    if in_month and rng.random() < 0.75:
                        recorded, contact_id, cadre_id = rng.choice(in_month)
                    else:
                        recorded, contact_id = self.day_in(first, last), None
                        cadre_id = self.cadre_on(pid, recorded)
                    iid = self.ids(Issue)
                    klass = rng.choices(classes, class_weights)[0]
                    title = rng.choice(titles[klass])
                    cadre_user = self.cadre_user[cadre_id]
                    created = at(recorded, 10, rng.randint(0, 59))
                    event(iid, "created", created, cadre_user, after={"issue_class": klass})
                    event(iid, "classified", created, cadre_user, after={"issue_class": klass})
                    row = {
                        "id": iid, "platform_id": pid, "recorded_by_id": cadre_id, "contact_id": contact_id,
                        "title": title, "description": "", "service_area": rng.choice(areas), "issue_class": klass,
                        "recorded_on": recorded, "clock_started_on": recorded, "original_due_date": None,
                        "due_date": None, "handed_to_unit_id": None, "handed_over_at": None, "answer": "",
                        "solution": "", "resolution": "", "closed_on": None, "closure_kind": "", "on_time": None,
                        "resolved_on": None, "reopen_count": 0, "escalation_level": 0, "rating": None,
                        "rated_at": None, "created_at": created, "updated_at": created,
                    }
                    if klass == "A":
                        row.update(status="resolved", answer=f"已现场答复：{title}相关政策和办理流程已当面说明。",
                                   closed_on=recorded, closure_kind="resolved", on_time=True, resolved_on=recorded)
                        event(iid, "resolved", created, cadre_user, after={"status": "resolved"}, note=row["answer"])
                        if rng.random() < 0.4:
                            rated = recorded + datetime.timedelta(days=rng.randint(0, 3))
                            if rated <= end:
                                self._rate(row, event, rng.choice([3, 4, 4, 5, 5, 5]), at(rated, 15), cadre_user)
                        issues.append(row)
                        continue
                    original = self.add_wd(recorded, WORKING_DAYS_BY_CLASS[klass])
                    due = original
                    # An extension, approved, for one issue in twenty.
                    if rng.random() < 0.05:
                        asked = self.add_wd(original, -3)
                        if recorded < asked <= end:
                            due = self.add_wd(original, 10)
                            event(iid, "extension_requested", at(asked, 11), cadre_user,
                                  after={"requested_working_days": 10}, note="需协调的部门较多，申请延期。")
                            event(iid, "extended", at(asked, 16), office_people[0], before={"due_date": str(original)},
                                  after={"due_date": str(due)}, note="同意延期。")
                    row.update(original_due_date=original, due_date=due)
                    # Handed over to the cadre's unit (B), a unit of the group (C) or the office (D).
                    if rng.random() < 0.93:
                        handed_day = min(recorded + datetime.timedelta(days=rng.randint(0, 2)), end)
                        unit = {"B": self.cadre_unit[cadre_id], "C": rng.choice(self.group_units[group]),
                                "D": self.office_id}[klass]
                        row.update(handed_to_unit_id=unit, handed_over_at=at(handed_day, 14))
                        eid = event(iid, "handed_over", at(handed_day, 14), cadre_user, before={"status": "open"},
                                    after={"status": "handed_over", "handed_to_unit": unit})
                        if klass != "B":
                            notify("issue_handed_over", f"handover:issue:{iid}:event:{eid}:user:{self.unit_leader[unit]}",
                                   self.unit_leader[unit], f"Issue handed over to your unit: #{iid} {title}",
                                   f"issue:{iid}", at(handed_day, 14))
                    # When the clock stops: within the deadline, or late; after the end day it is still open.
                    if rng.random() < ON_TIME[klass]:
                        closed = recorded + datetime.timedelta(days=rng.randint(1, max(1, (due - recorded).days)))
                    else:
                        closed = due + datetime.timedelta(days=int(rng.expovariate(1 / 12)) + 1)
                    still_open = closed > end
                    stop = end if still_open else closed
                    reminder = self.add_wd(due, -3)
                    if reminder <= stop and reminder <= end and reminder > recorded:
                        who = self.cadre_on(pid, reminder)
                        event(iid, "reminded", at(reminder, 9), None, after={"reminder": 3, "due_date": str(due)},
                              message="reminder_sent", params={"name": self.user_name[self.cadre_user[who]]})
                        notify("issue_reminder", f"reminder:3:issue:{iid}:due:{due}:user:{self.cadre_user[who]}",
                               self.cadre_user[who], f"Due in 3 working days ({due}): issue #{iid} {title}",
                               f"issue:{iid}", at(reminder, 9))
                    level = 0
                    if stop > due:
                        first_late = due + ONE_DAY
                        who = self.cadre_on(pid, first_late)
                        leader = self.unit_leader[self.cadre_unit[who]]
                        event(iid, "escalated", at(first_late, 9), None, before={"escalation_level": 0},
                              after={"escalation_level": 1, "recipients": [leader]}, message="escalated_to_leader",
                              params={"unit": self.unit_name[self.cadre_unit[who]], "names": [self.user_name[leader]]})
                        notify("issue_escalation", f"escalation:1:issue:{iid}:due:{due}:user:{leader}", leader,
                               f"Overdue, escalated to you as unit leader: issue #{iid} {title}", f"issue:{iid}",
                               at(first_late, 9))
                        level = 1
                        to_office = self.add_wd(due, late_days)
                        if to_office <= stop:
                            event(iid, "escalated", at(to_office, 9), None, before={"escalation_level": 1},
                                  after={"escalation_level": 2, "recipients": office_people},
                                  message="escalated_to_office",
                                  params={"names": [self.user_name[person] for person in office_people]})
                            for person in office_people:
                                notify("issue_escalation", f"escalation:2:issue:{iid}:due:{due}:user:{person}",
                                       person, f"Overdue, escalated to the office: issue #{iid} {title}",
                                       f"issue:{iid}", at(to_office, 9))
                            level = 2
                    row["escalation_level"] = level
                    if rng.random() < 0.12:
                        day = self.day_in(recorded, stop)
                        event(iid, "commented", at(day, 16), cadre_user, note="已与相关部门电话沟通，正在推进。")
                    if still_open:
                        row["status"] = "handed_over" if row["handed_to_unit_id"] else "open"
                        row["updated_at"] = at(end, 9) if level else created
                        issues.append(row)
                        continue
                    on_time = closed <= due
                    closed_at = at(closed, 15, rng.randint(0, 59))
                    row.update(closed_on=closed, on_time=on_time, updated_at=closed_at)
                    way = rng.random()
                    if way < 0.72:
                        row.update(status="resolved", closure_kind="resolved", resolved_on=closed,
                                   resolution="问题已协调解决，平台确认。")
                        event(iid, "resolved", closed_at, cadre_user,
                              before={"status": "handed_over" if row["handed_to_unit_id"] else "open"},
                              after={"status": "resolved", "closed_on": str(closed), "on_time": on_time},
                              note=row["resolution"])
                    else:
                        row.update(status="solution_determined", closure_kind="solution_determined",
                                   solution="已明确解决方案，按计划推进落实。")
                        event(iid, "solution_determined", closed_at, cadre_user,
                              after={"status": "solution_determined", "closed_on": str(closed), "on_time": on_time},
                              note=row["solution"])
                        resolved = closed + datetime.timedelta(days=rng.randint(5, 40))
                        if way < 0.86 and resolved <= end:
                            row.update(status="resolved", resolved_on=resolved, resolution="方案已落实，问题解决。",
                                       updated_at=at(resolved, 15))
                            event(iid, "resolved", at(resolved, 15), cadre_user,
                                  before={"status": "solution_determined"}, after={"status": "resolved"},
                                  note=row["resolution"])
                    if row["status"] == "resolved" and rng.random() < 0.55:
                        rated = row["resolved_on"] + datetime.timedelta(days=rng.randint(1, 5))
                        if rated <= end:
                            rating = rng.choices(ratings, rating_weights)[0]
                            self._rate(row, event, rating, at(rated, 11), self.cadre_user[self.cadre_on(pid, rated)])
                    issues.append(row)
        columns = list(issues[0])
        self.write(Issue, columns, [tuple(row[c] for c in columns) for row in issues])
        self.write(IssueEvent, ["id", "issue_id", "kind", "actor_id", "at", "before", "after", "note", "message",
                                "message_params"], events)

    def _rate(self, row, event, rating, when, actor):
        """A rating; a low one (1 or 2) reopens the issue, which stays open as of the end day."""
        after = {"rating": rating, "comment": ""}
        if self.rng.random() < 0.3:
            after["source"] = "platform"
        event(row["id"], "rated", when, actor, after=after)
        if rating > 2:
            row.update(rating=rating, rated_at=when, updated_at=when)
            return
        event(row["id"], "reopened", when, actor, before={"status": "resolved"}, message="reopened_by_rating",
              after={"status": "handed_over" if row["handed_to_unit_id"] else "open"})
        status = "handed_over" if row["handed_to_unit_id"] else "open"
        row.update(status=status, closed_on=None, closure_kind="", on_time=None, resolved_on=None, reopen_count=1,
                   updated_at=when)
        if row["issue_class"] == "A":  # never happens: class A ratings are 3 to 5 here
            raise AssertionError("a class A issue cannot reopen without a deadline")
        due = row["due_date"]
        if due < self.end:
            late = self.wd_between(due, self.end)
            row["escalation_level"] = 2 if late > 5 else 1

    def achievements(self):
        from achievements.models import Achievement, AchievementEvent, Demand, Match
        from achievements.models.achievement import AchievementType, Judgement, TechnologyField, TransformationMode

        rng, end = self.rng, self.end
        for model in (Achievement, AchievementEvent, Demand, Match):
            self.ids.start(model)
        fields = list(TechnologyField.values)
        # Texts with words to match, as the services write them (``match_terms``), from a source of
        # their own: the rest of the data is drawn as before.
        from achievements.demo import TOPICS
        from achievements.matching import terms_of
        from matching_bench import record_texts

        text_rng = random.Random(f"national-texts:{self.scale}")
        every_topic = [(field, topic) for field, items in TOPICS.items() for topic in items]
        topics_of = {field: [(f, t) for f, t in every_topic if f == field] or every_topic for field in fields}

        def texts(field, *, demand=False):
            _field, title, sub_field, description = record_texts(text_rng, topics_of[field])
            title = f"寻求{title}" if demand else title
            return {"title": title, "sub_field": sub_field, "description": description,
                    "match_terms": terms_of(title, sub_field, description)}

        types = list(AchievementType.values)
        modes = list(TransformationMode.values)
        judgements = list(Judgement.values)
        # Demands: the districts' and parks' (about 0.4 per platform and year), raised through the year.
        demands = []
        demands_of = defaultdict(list)  # (group, field) -> [demand ids]
        for group, unit_ids in self.district_units.items():
            for _ in range(round(0.4 * len(self.scheme.platforms))):
                unit = rng.choice(unit_ids)
                did = self.ids(Demand)
                field = rng.choice(fields)
                raised = self.day_in(self.start, end)
                enterprise = rng.choice(["", f"长沙{rng.choice('华信远智科创新')}{rng.choice('达源泰成联')}科技有限公司"])
                demands.append({"id": did, "unit_id": unit, "enterprise": enterprise, **texts(field, demand=True),
                                "technology_field": field,
                                "budget": Decimal(rng.randint(20, 800)), "wanted_by": None, "contact_person": "",
                                "status": "open", "close_reason": "",
                                "raised_by_id": self.unit_leader[unit], "raised_on": raised,
                                "created_at": at(raised, 10), "updated_at": at(raised, 10)})
                demands_of[group, field].append(did)
        demand_by_id = {d["id"]: d for d in demands}

        rows, events, matches = [], [], []
        stage_weights = {"collected": 22, "assessed": 24, "matched": 14, "negotiating": 10, "transformed": 18,
                         "dropped": 12}
        order = ["collected", "assessed", "matched", "negotiating", "transformed"]

        def event(aid, kind, when, actor, before=None, after=None, note=""):
            events.append((self.ids(AchievementEvent), aid, kind, actor, when, before or {}, after or {}, note))

        for pid in self.platform_ids:
            group = self.platform_group[pid]
            for first, last in self.months():
                if rng.random() >= 0.125:
                    continue
                collected = self.day_in(first, last)
                cadre_id = self.cadre_on(pid, collected)
                user = self.cadre_user[cadre_id]
                aid = self.ids(Achievement)
                field = rng.choice(fields)
                target = rng.choices(list(stage_weights), list(stage_weights.values()))[0]
                drop_from = None
                if target == "dropped":
                    drop_from = rng.choice(order[:4])
                    target = drop_from
                # Walk the stages while the days stay within the year.
                stage, day, dates = "collected", collected, {"collected": collected}
                for step, (low, high) in zip(order[1:], [(5, 40), (10, 60), (10, 50), (20, 90)]):
                    if order.index(step) > order.index(target):
                        break
                    following = day + datetime.timedelta(days=rng.randint(low, high))
                    if following > end:
                        break
                    stage, day, dates[step] = step, following, following
                dropped = None
                if drop_from and stage == drop_from:
                    dropped = day + datetime.timedelta(days=rng.randint(10, 60))
                    if dropped > end:
                        dropped = None
                row = {
                    "id": aid, "platform_id": pid, "collected_by_id": cadre_id, "collected_on": collected,
                    "contact_id": None, **texts(field),
                    "achievement_type": rng.choice(types), "registration_numbers": "", "technology_field": field,
                    "readiness_level": None, "ip_status": "",
                    "market_prospects": "", "judgement": "", "recommended_mode": "", "assessed_by_id": None,
                    "assessed_at": None, "stage": stage, "stage_entered_on": day, "drop_reason": "",
                    "dropped_from": "", "transformation_mode": "", "counterpart_enterprise": "",
                    "landing_unit_id": None, "contract_amount": None, "transformed_on": None,
                    "created_at": at(collected, 11), "updated_at": at(day, 11),
                }
                event(aid, "collected", at(collected, 11), user)
                if "assessed" in dates:
                    assessor = self.cadre_user[self.cadre_on(pid, dates["assessed"])]
                    row.update(readiness_level=rng.randint(3, 8), judgement=rng.choice(judgements),
                               recommended_mode=rng.choice(modes), assessed_by_id=assessor,
                               assessed_at=at(dates["assessed"], 15))
                    event(aid, "assessed", at(dates["assessed"], 15), assessor, after={"stage": "assessed"})
                for step in ("matched", "negotiating"):
                    if step in dates:
                        event(aid, "advanced", at(dates[step], 15), user, after={"stage": step})
                if "matched" in dates:
                    own = demands_of[group, field] or [d for (g, _f), ds in demands_of.items() if g == group for d in ds]
                    candidates = [d for d in own if demand_by_id[d]["raised_on"] <= dates["matched"]] or own
                    chosen = rng.sample(candidates, min(len(candidates), 2 if rng.random() < 0.2 else 1))
                    for number, did in enumerate(chosen):
                        if number == 0:
                            status = {"matched": rng.choice(["proposed", "contacted"]), "negotiating": "negotiating",
                                      "transformed": "signed"}[stage]
                            if dropped:
                                status = "failed"
                        else:
                            status = "failed"
                        changed = day if status in ("signed", "negotiating", "failed") else dates["matched"]
                        matches.append((self.ids(Match), aid, did, status, rng.randint(30, 95), [], "",
                                        self.cadre_user[self.cadre_on(pid, dates["matched"])], dates["matched"],
                                        changed, at(dates["matched"], 15), at(changed, 15)))
                        demand = demand_by_id[did]
                        if status != "failed":
                            demand["status"] = "matched"
                if stage == "transformed":
                    amount = Decimal(rng.randint(1000, 300000)) / 100
                    row.update(transformation_mode=rng.choice(modes), landing_unit_id=rng.choice(self.district_units[group]),
                               counterpart_enterprise=f"湖南{rng.choice('华信远智科创新')}{rng.choice('达源泰成联')}有限公司",
                               contract_amount=amount, transformed_on=day)
                    event(aid, "transformed", at(day, 16), user, after={"contract_amount": str(amount)})
                if dropped:
                    row.update(stage="dropped", dropped_from=stage, drop_reason="企业需求变化，暂停推进。",
                               stage_entered_on=dropped, updated_at=at(dropped, 16))
                    event(aid, "dropped", at(dropped, 16), user, before={"stage": stage}, after={"stage": "dropped"})
                rows.append(row)
        for demand in demands:
            if demand["status"] == "open" and rng.random() < 0.08:
                demand.update(status="closed", close_reason="需求已由企业自行解决。")
        columns = list(demands[0])
        self.write(Demand, columns, [tuple(d[c] for c in columns) for d in demands])
        columns = list(rows[0])
        self.write(Achievement, columns, [tuple(r[c] for c in columns) for r in rows])
        self.write(AchievementEvent, ["id", "achievement_id", "kind", "actor_id", "at", "before", "after", "note"],
                   events)
        self.write(Match, ["id", "achievement_id", "demand_id", "status", "fit", "reasons", "note", "confirmed_by_id",
                           "confirmed_on", "status_changed_on", "created_at", "updated_at"], matches)

    def services(self):
        from achievements.models import ServiceRecord
        from achievements.models.service import ServiceKind

        rng = self.rng
        self.ids.start(ServiceRecord)
        kinds = list(ServiceKind.values)
        rows = []
        for pid in self.platform_ids:
            for first, last in self.months():
                if rng.random() >= 0.21:
                    continue
                day = self.day_in(first, last)
                cadre_id = self.cadre_on(pid, day)
                user = self.cadre_user[cadre_id]
                rows.append((self.ids(ServiceRecord), pid, rng.choice(kinds), cadre_id, day,
                             "协助平台对接相关部门，解读政策要求。", "平台表示满意。", user, at(day, 16), at(day, 16)))
        self.write(ServiceRecord, ["id", "platform_id", "kind", "given_by_id", "given_on", "description", "outcome",
                                   "recorded_by_id", "recorded_at", "updated_at"], rows)

    def duty_notifications(self):
        """The quarter-end reminder (15 days before the quarter ends) for each platform not contacted yet."""
        from config.portal import portal_setting

        before = int(portal_setting("QUARTER_END_REMINDER_DAYS"))
        day = self.start
        quarters = []
        while day <= self.end:
            first, last = quarter_of(day)
            remind = last - datetime.timedelta(days=before)
            if self.start <= remind <= self.end:
                quarters.append((first, last, remind))
            day = last + ONE_DAY
        for first, last, remind in quarters:
            label = f"{first.year}Q{(first.month - 1) // 3 + 1}"
            for pid in self.platform_ids:
                if any(first <= d <= remind for d, _c, _cadre in self.contacts_of[pid]):
                    continue
                user = self.cadre_user[self.cadre_on(pid, remind)]
                self.notifications.append((
                    "quarter_contact", f"quarter_contact:platform:{pid}:quarter:{label}:user:{user}", user,
                    f"Not yet contacted this quarter: platform {pid}", f"platform:{pid}", at(remind, 8)))

    def write_notifications(self):
        from notices.models import Notification

        rng, end_at = self.rng, datetime.datetime.fromisoformat(at(self.end, 23))
        self.ids.start(Notification)
        rows = []
        for kind, key, recipient, subject, topic, when in sorted(self.notifications, key=lambda n: n[5]):
            moment = datetime.datetime.fromisoformat(when)
            sent = moment + datetime.timedelta(minutes=5)
            read = moment + datetime.timedelta(hours=rng.randint(1, 72))
            rows.append((self.ids(Notification), recipient, kind, key, subject, subject, topic, when,
                         read if read < end_at and rng.random() < 0.7 else None, "sent", sent, 1, None, ""))
        self.write(Notification, ["id", "recipient_id", "kind", "key", "subject", "body", "topic", "created_at",
                                  "read_at", "email_status", "emailed_at", "attempts", "next_attempt_at",
                                  "last_error"], rows)

    def written_models(self):
        return list(self.ids.next)

    @staticmethod
    def loaded_models():
        from django.contrib.auth.models import User

        from achievements.models import Achievement, AchievementEvent, Demand, Match, ServiceRecord
        from issues.models import Issue, IssueEvent
        from liaison.models import Assignment, Cadre, Contact, Unit
        from notices.models import Notification
        from platforms.models import Platform

        return [User, Unit, Cadre, Platform, Assignment, Contact, Issue, IssueEvent, Demand, Achievement,
                AchievementEvent, Match, ServiceRecord, Notification]


# --- building a database ------------------------------------------------------------------------------


def build(scale: int, db_name: str, end: datetime.date, keep: bool) -> dict:
    server_url, db_url = server_and_db(os.environ.get("DATABASE_URL", ""), db_name)
    create_database(server_url, db_name)
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    started = time.perf_counter()
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        print(f"database {db_name}: migrating ...", flush=True)
        call_command("migrate", verbosity=0)
        migrated = time.perf_counter()
        print(f"  migrated in {migrated - started:.1f}s; generating scale {scale}, the year ending {end} ...",
              flush=True)
        national = National(scale, end)
        gc.disable()  # millions of small objects that live to the end: the collector would only rescan them
        try:
            counts = national.run()
        finally:
            gc.enable()
        reset_sequences(national.written_models())
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE bench_meta (scale integer, end_day date, counts jsonb, made_at timestamptz)")
            cursor.execute("INSERT INTO bench_meta VALUES (%s, %s, %s, now())", [scale, end, json.dumps(counts)])
        analyzed = time.perf_counter()
        with connection.cursor() as cursor:
            # ANALYZE for the planner's statistics; VACUUM (FREEZE) too, so that the first reads do not
            # pay for setting every row's hint bits and autovacuum does not start on the fresh tables
            # in the middle of a benchmark: the data is as settled as a live database's.
            cursor.execute("VACUUM (FREEZE, ANALYZE)")
        print(f"  loaded in {analyzed - migrated:.1f}s, VACUUM (FREEZE, ANALYZE) {time.perf_counter() - analyzed:.1f}s; "
              f"total {time.perf_counter() - started:.1f}s", flush=True)
        return counts
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            drop_database(server_url, db_name)
            print(f"database {db_name} dropped", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--db", default=None, help="the database to (re)create; default liaison_bench_<scale>x")
    parser.add_argument("--end", type=datetime.date.fromisoformat, default=END_DAY,
                        help="the last day of the year of records (default %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if args.scale < 1:
        parser.error("--scale is a whole number from 1")
    counts = build(args.scale, args.db or f"liaison_bench_{args.scale}x", args.end, args.keep)
    print("rows: " + json.dumps(counts, ensure_ascii=False))


if __name__ == "__main__":
    main()
