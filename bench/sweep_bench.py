"""Benchmark: the deadline sweep over 100,000 open issues, 3,000 of them due for something today,
against the same selection and writes done by hand in raw SQL (the floor). PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/sweep_bench.py

DATABASE_URL names the server (any database on it); the benchmark creates its own database
(``liaison_bench``, or ``--db``), migrates it, bulk-loads the data (COPY for the issues), times
both sides ``--runs`` times each, alternating, every run in a transaction that is rolled back so
each run sees the same data, and drops the database at the end (``--keep`` keeps it).

The data, as of Friday 2026-05-15 09:00 Asia/Shanghai (a working day):
- 20 units (one is the office), 300 cadres, 1,000 platforms each with an active assignment,
  3 bureau staff;
- 100,000 open class B-D issues:
  1,000 due within the reminder horizon (0 to 3 working days left),
  1,000 overdue at level 0 (due for the unit leader),
  1,000 at level 1 overdue by 6+ working days (due for the office),
  5,000 at level 2 (fully escalated: nothing to do),
  92,000 due later (nothing to do).
So one run writes 1,000 reminders + 1,000 leader escalations + 1,000 x 4 office escalations
(bureau staff and the office's leader) = 6,000 notifications, 3,000 events, 2,000 level updates.
"""

import argparse
import datetime
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 5, 15, 9, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()

N_UNITS, N_CADRES, N_PLATFORMS, N_BUREAU = 20, 300, 1000, 3
N_REMIND, N_LEADER, N_OFFICE, N_DONE, N_LATER = 1000, 1000, 1000, 5000, 92000


class Rollback(Exception):
    pass


def server_and_db(url: str, name: str) -> tuple[str, str]:
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("DATABASE_URL must point at a PostgreSQL server (postgres://...)")
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path=f"/{name}"))


def create_database(server_url: str, name: str) -> None:
    import psycopg2

    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def drop_database(server_url: str, name: str) -> None:
    import psycopg2

    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


# --- data ---------------------------------------------------------------------------------------


def copy_models(model, objects) -> None:
    """COPY model instances into their table: every concrete column but the id, as Django saves them."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    buffer = io.StringIO()
    for obj in objects:
        values = []
        for field in fields:
            value = field.get_db_prep_save(field.pre_save(obj, add=True), connection)
            if value is None:
                values.append("\\N")
            elif isinstance(value, bool):
                values.append("t" if value else "f")
            else:
                values.append(str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " "))
        buffer.write("\t".join(values) + "\n")
    buffer.seek(0)
    columns = ", ".join(f'"{f.column}"' for f in fields)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN', buffer)


def load_data() -> dict:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction

    from issues.calendar import load_calendar
    from issues.enforcement import latest_due_date_with
    from issues.models import Issue
    from liaison.models import BUREAU_STAFF_GROUP, Assignment, Cadre, Unit
    from platforms.models import Platform

    rng = random.Random(20260515)
    calendar = load_calendar()
    password = make_password(None)
    with transaction.atomic():
        leaders = User.objects.bulk_create(
            User(username=f"leader{i}", last_name="领导", first_name=str(i), email=f"leader{i}@example.gov.cn",
                 password=password) for i in range(N_UNITS)
        )
        units = Unit.objects.bulk_create(
            Unit(name=f"单位{i}", kind=Unit.Kind.DISTRICT, leader=leaders[i], is_office=(i == 0)) for i in range(N_UNITS)
        )
        users = User.objects.bulk_create(
            User(username=f"cadre{i}", last_name="王", first_name=str(i), email=f"cadre{i}@example.gov.cn",
                 password=password) for i in range(N_CADRES)
        )
        cadres = Cadre.objects.bulk_create(Cadre(user=u, unit=units[1 + i % (N_UNITS - 1)]) for i, u in enumerate(users))
        staff = User.objects.bulk_create(
            User(username=f"bureau{i}", email=f"bureau{i}@example.gov.cn", password=password) for i in range(N_BUREAU)
        )
        Group.objects.get_or_create(name=BUREAU_STAFF_GROUP)[0].user_set.add(*staff)
        platforms = Platform.objects.bulk_create(
            Platform(name=f"平台{i:04d}", level=Platform.Level.PROVINCIAL, category=Platform.Category.OTHER,
                     host_institution=f"依托单位{i}", district="岳麓区") for i in range(N_PLATFORMS)
        )
        Assignment.objects.bulk_create(
            Assignment(cadre=cadres[i % N_CADRES], platform=p, start_date=datetime.date(2026, 1, 5))
            for i, p in enumerate(platforms)
        )
        cadre_of = {p.pk: cadres[i % N_CADRES] for i, p in enumerate(platforms)}

        horizon = calendar.add_working_days(TODAY, 4)[0] - datetime.timedelta(days=1)
        soon = [TODAY + datetime.timedelta(days=d) for d in range((horizon - TODAY).days + 1)]
        overdue_1 = [calendar.add_working_days(TODAY, -d)[0] for d in range(1, 6)]  # 1-5 working days late
        office_cutoff = latest_due_date_with(calendar, TODAY, 6)
        overdue_6 = [office_cutoff - datetime.timedelta(days=d) for d in range(0, 30)]
        later = [TODAY + datetime.timedelta(days=d) for d in range(30, 240)]
        groups = [(N_REMIND, soon, 0), (N_LEADER, overdue_1, 0), (N_OFFICE, overdue_6, 1), (N_DONE, overdue_6, 2),
                  (N_LATER, later, 0)]
        now = datetime.datetime(2026, 4, 1, 10, tzinfo=SHANGHAI)
        issues = []
        for count, dues, level in groups:
            for _ in range(count):
                platform = platforms[rng.randrange(N_PLATFORMS)]
                due = rng.choice(dues)
                issues.append(Issue(
                    platform_id=platform.pk, recorded_by_id=cadre_of[platform.pk].pk, title=f"问题{len(issues)}",
                    service_area=Issue.ServiceArea.CONDITION_BUILDING, issue_class=rng.choice("BCD"),
                    recorded_on=datetime.date(2026, 3, 2), clock_started_on=datetime.date(2026, 3, 2),
                    status=rng.choice([Issue.Status.OPEN, Issue.Status.HANDED_OVER]) if level == 0 else Issue.Status.OPEN,
                    original_due_date=due, due_date=due, escalation_level=level, created_at=now, updated_at=now,
                ))
        # Handed-over issues need a unit; the bench gives them their cadre's.
        for issue in issues:
            if issue.status == Issue.Status.HANDED_OVER:
                issue.handed_to_unit_id = cadre_of[issue.platform_id].unit_id
        copy_models(Issue, issues)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"horizon": horizon, "office_cutoff": office_cutoff, "calendar": calendar}


# --- the two sides --------------------------------------------------------------------------------


def run_orm():
    from issues.enforcement import sweep_deadlines

    return sweep_deadlines(now=NOW)


FLOOR_SQL = """
-- Hand-written, so hand-tuned: the planner's row estimates for these CTEs are far too high and
-- PostgreSQL's JIT would spend most of the time compiling; the ORM's simpler queries stay below
-- the JIT threshold on their own.
SET LOCAL jit = off;

INSERT INTO issues_sweeprun (kind, day, runs, notifications_created) VALUES ('deadlines', %(today)s, 0, 0)
    ON CONFLICT (kind, day) DO NOTHING;
SELECT id FROM issues_sweeprun WHERE kind = 'deadlines' AND day = %(today)s FOR UPDATE;

UPDATE issues_issue SET escalation_level = 0, updated_at = now()
    WHERE status IN ('open', 'handed_over') AND escalation_level > 0 AND due_date >= %(today)s;

WITH due(d, days_left, reminder) AS (SELECT * FROM unnest(%(due_dates)s::date[], %(lefts)s::int[], %(offsets)s::int[])),
cand AS (
    SELECT i.id, i.title, i.due_date, i.platform_id, p.name AS platform, d.days_left, d.reminder, u.id AS uid
    FROM issues_issue i
    JOIN due d ON d.d = i.due_date
    JOIN platforms_platform p ON p.id = i.platform_id
    JOIN liaison_assignment a ON a.platform_id = i.platform_id AND a.end_date IS NULL
    JOIN liaison_cadre c ON c.id = a.cadre_id
    JOIN auth_user u ON u.id = c.user_id AND u.is_active
    WHERE i.status IN ('open', 'handed_over') AND i.due_date BETWEEN %(today)s AND %(horizon)s
),
ins AS (
    INSERT INTO issues_notification (key, kind, recipient_id, subject, body, issue_id, platform_id, created_at,
                                     email_status, attempts, last_error)
    SELECT format('reminder:%%s:issue:%%s:due:%%s:user:%%s', reminder, id, due_date, uid), 'issue_reminder', uid,
           format('Due in %%s working days (%%s): issue #%%s %%s', days_left, due_date, id, title),
           format('Issue #%%s, %%s, raised by %%s. It is due on %%s, in %%s working days. Stop the clock in time.',
                  id, title, platform, due_date, days_left),
           id, platform_id, now(), 'pending', 0, ''
    FROM cand
    ON CONFLICT (key) DO NOTHING
    RETURNING id, issue_id, recipient_id
)
INSERT INTO issues_issueevent (issue_id, kind, at, before, after, note)
SELECT ins.issue_id, 'reminded', now(), '{}'::jsonb,
       jsonb_build_object('recipients', jsonb_build_array(ins.recipient_id), 'notifications', jsonb_build_array(ins.id)),
       'Reminder sent'
FROM ins;

WITH cand AS (
    SELECT i.id, i.title, i.due_date, i.platform_id, i.escalation_level AS level,
           CASE WHEN i.due_date <= %(office_cutoff)s THEN 2 ELSE 1 END AS target
    FROM issues_issue i
    WHERE i.status IN ('open', 'handed_over')
      AND ((i.escalation_level = 0 AND i.due_date < %(today)s) OR (i.escalation_level = 1 AND i.due_date <= %(office_cutoff)s))
    ORDER BY i.id
    FOR UPDATE OF i
),
steps AS (
    SELECT cand.*, g.step FROM cand CROSS JOIN LATERAL generate_series(cand.level + 1, cand.target) AS g(step)
),
office AS (
    SELECT ug.user_id AS uid FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id
    JOIN auth_user u ON u.id = ug.user_id AND u.is_active WHERE g.name = 'bureau_staff'
    UNION SELECT leader_id FROM liaison_unit WHERE is_office AND leader_id IS NOT NULL
),
recipients AS (
    SELECT s.*, un.leader_id AS uid, un.name AS unit
    FROM steps s
    JOIN liaison_assignment a ON a.platform_id = s.platform_id AND a.end_date IS NULL
    JOIN liaison_cadre c ON c.id = a.cadre_id
    JOIN liaison_unit un ON un.id = c.unit_id
    WHERE s.step = 1 AND un.leader_id IS NOT NULL
    UNION ALL
    SELECT s.*, office.uid, '' FROM steps s CROSS JOIN office WHERE s.step = 2
),
ins AS (
    INSERT INTO issues_notification (key, kind, recipient_id, subject, body, issue_id, platform_id, created_at,
                                     email_status, attempts, last_error)
    SELECT format('escalation:%%s:issue:%%s:due:%%s:user:%%s', step, id, due_date, uid), 'issue_escalation', uid,
           format('Overdue, escalated: issue #%%s %%s', id, title),
           format('Issue #%%s, %%s (%%s), was due on %%s and is overdue. It is escalated.', id, title, unit, due_date),
           id, platform_id, now(), 'pending', 0, ''
    FROM recipients
    ON CONFLICT (key) DO NOTHING
    RETURNING id
),
events AS (
    INSERT INTO issues_issueevent (issue_id, kind, at, before, after, note)
    SELECT s.id, 'escalated', now(), jsonb_build_object('escalation_level', s.step - 1),
           jsonb_build_object('escalation_level', s.step, 'due_date', s.due_date), 'Escalated'
    FROM steps s
    RETURNING id
)
UPDATE issues_issue i SET escalation_level = cand.target, updated_at = now()
FROM cand WHERE i.id = cand.id AND (SELECT count(*) FROM ins) >= 0 AND (SELECT count(*) FROM events) >= 0;

UPDATE issues_sweeprun SET runs = runs + 1, last_run_at = now() WHERE kind = 'deadlines' AND day = %(today)s;
"""


def run_floor(params: dict):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, params)


def floor_params(data: dict) -> dict:
    calendar = data["calendar"]
    dues, lefts, offsets = [], [], []
    day = TODAY
    while day <= data["horizon"]:
        left = calendar.working_days_between(TODAY, day)
        dues.append(day)
        lefts.append(left)
        offsets.append(min(o for o in (0, 1, 3) if o >= left))
        day += datetime.timedelta(days=1)
    return {"today": TODAY, "horizon": data["horizon"], "office_cutoff": data["office_cutoff"],
            "due_dates": dues, "lefts": lefts, "offsets": offsets}


def timed(fn) -> tuple[float, dict]:
    """Run ``fn`` in a transaction, count what it wrote, and roll it all back."""
    from django.db import connection, transaction

    from issues.models import Issue, IssueEvent, Notification

    outcome = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            fn()
            outcome["seconds"] = time.perf_counter() - started
            outcome["notifications"] = Notification.objects.count()
            outcome["events"] = IssueEvent.objects.count()
            outcome["levels"] = dict(
                Issue.objects.filter(escalation_level__gt=0).values_list("escalation_level").annotate(
                    n=__import__("django.db.models", fromlist=["Count"]).Count("id")).order_by()
            )
            raise Rollback
    except Rollback:
        pass
    connection.close()  # a fresh connection for the next run: no side keeps a warm session
    return outcome["seconds"], outcome


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="liaison_bench")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    server_url, bench_url = server_and_db(os.environ.get("DATABASE_URL", ""), args.db)
    create_database(server_url, args.db)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CONN_MAX_AGE"] = "0"
    try:
        import django

        django.setup()
        from django.core.management import call_command

        print(f"database {args.db}: migrating and loading ...", flush=True)
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        data = load_data()
        print(f"loaded {N_REMIND + N_LEADER + N_OFFICE + N_DONE + N_LATER:,} open issues in "
              f"{time.perf_counter() - started:.1f}s", flush=True)
        params = floor_params(data)

        orm_times, sql_times = [], []
        orm_out = sql_out = None
        timed(run_orm)  # warm-up: imports, the calendar, the caches of the server
        timed(lambda: run_floor(params))
        for _ in range(args.runs):
            seconds, orm_out = timed(run_orm)
            orm_times.append(seconds)
            seconds, sql_out = timed(lambda: run_floor(params))
            sql_times.append(seconds)

        def describe(times):
            return f"median {statistics.median(times) * 1000:7.1f} ms  (min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f})"

        print(f"sweep (ORM)    : {describe(orm_times)}  wrote {orm_out}")
        print(f"floor (raw SQL): {describe(sql_times)}  wrote {sql_out}")
        ratio = statistics.median(orm_times) / statistics.median(sql_times)
        print(f"ratio: {ratio:.2f}x the floor (target: within 3x)")
        if (orm_out["notifications"], orm_out["events"], orm_out["levels"]) != (
            sql_out["notifications"], sql_out["events"], sql_out["levels"]
        ):
            print("WARNING: the two sides wrote different amounts")
            return 1
        return 0 if ratio <= 3 else 2
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(server_url, args.db)
            print(f"database {args.db} dropped")


if __name__ == "__main__":
    sys.exit(main())
