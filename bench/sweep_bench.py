"""Benchmark: the deadline sweep over 100,000 open issues, 3,000 of them due for something today,
against the same selection and writes done by hand in raw SQL (the floor). PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/sweep_bench.py \
        [--open 10000,100000,1000000] [--runs 7] [--keep]

DATABASE_URL names the server (any database on it); the benchmark creates its own database
(``liaison_bench``, or ``--db``), migrates it, bulk-loads the data (COPY for the issues), times
the three sides ``--runs`` times each, alternating, every run in a transaction that is rolled back
so each run sees the same data, and drops the database at the end (``--keep`` keeps it). With
several sizes (``--open``), it does all that for each, with the same 3,000 due each time, and
prints a table by size: the sweep's cost follows the issues due, not the issues open.
(``peer_bench.py`` puts the sweep beside django-helpdesk's ``escalate_tickets``.)

The data, as of Friday 2026-05-15 09:00 Asia/Shanghai (a working day):
- 20 units (one is the office), 300 cadres, 1,000 platforms each with an active assignment,
  3 bureau staff;
- 100,000 open class B-D issues (``--open``):
  1,000 due within the reminder horizon (0 to 3 working days left),
  1,000 overdue at level 0 (due for the unit leader),
  1,000 at level 1 overdue by 6+ working days (due for the office),
  5,000 at level 2 (fully escalated: nothing to do),
  92,000 due later (nothing to do; the rest, whatever ``--open`` is).
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
N_REMIND, N_LEADER, N_OFFICE, N_DONE = 1000, 1000, 1000, 5000
#: Open issues by default; the rest (beyond the 8,000 above) are due later. ``--open`` changes it.
N_OPEN = 100_000
#: Issues COPYed per chunk: a million issues are never all in memory.
COPY_CHUNK = 50_000


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


def load_data(n_open: int = N_OPEN) -> dict:
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
        overdue_6 = [office_cutoff - datetime.timedelta(days=d) for d in range(30)]
        later = [TODAY + datetime.timedelta(days=d) for d in range(30, 240)]
        n_later = n_open - (N_REMIND + N_LEADER + N_OFFICE + N_DONE)
        if n_later < 0:
            raise SystemExit(f"--open must be at least {N_REMIND + N_LEADER + N_OFFICE + N_DONE:,}")
        groups = [(N_REMIND, soon, 0), (N_LEADER, overdue_1, 0), (N_OFFICE, overdue_6, 1), (N_DONE, overdue_6, 2),
                  (n_later, later, 0)]
        now = datetime.datetime(2026, 4, 1, 10, tzinfo=SHANGHAI)

        def issues():
            number = 0
            for count, dues, level in groups:
                for _ in range(count):
                    platform = platforms[rng.randrange(N_PLATFORMS)]
                    due = rng.choice(dues)
                    klass = rng.choice("BCD")  # drawn in the order the data always was
                    status = Issue.Status.OPEN
                    if level == 0:
                        status = rng.choice([Issue.Status.OPEN, Issue.Status.HANDED_OVER])
                    yield Issue(
                        platform_id=platform.pk, recorded_by_id=cadre_of[platform.pk].pk, title=f"问题{number}",
                        service_area=Issue.ServiceArea.CONDITION_BUILDING, issue_class=klass,
                        recorded_on=datetime.date(2026, 3, 2), clock_started_on=datetime.date(2026, 3, 2),
                        status=status, original_due_date=due, due_date=due, escalation_level=level,
                        # Handed-over issues need a unit; the bench gives them their cadre's.
                        handed_to_unit_id=cadre_of[platform.pk].unit_id if status == Issue.Status.HANDED_OVER else None,
                        created_at=now, updated_at=now,
                    )
                    number += 1

        chunk = []
        for issue in issues():
            chunk.append(issue)
            if len(chunk) == COPY_CHUNK:
                copy_models(Issue, chunk)
                chunk = []
        copy_models(Issue, chunk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"horizon": horizon, "office_cutoff": office_cutoff, "calendar": calendar}


# --- the two sides --------------------------------------------------------------------------------


def run_orm():
    from issues.enforcement import sweep_deadlines

    return sweep_deadlines(now=NOW)


FLOOR_SQL = """
-- Hand-written, so hand-tuned: the planner's row estimates for these CTEs are far too high and
-- PostgreSQL's JIT would spend most of the time compiling (run with --floor-jit to see it); the
-- ORM's simpler statements stay below the JIT threshold on their own.
SET LOCAL jit = %(jit)s;

INSERT INTO issues_sweeprun (kind, day, runs, notifications_created) VALUES ('deadlines', %(today)s, 0, 0)
    ON CONFLICT (kind, day) DO NOTHING;
SELECT id FROM issues_sweeprun WHERE kind = 'deadlines' AND day = %(today)s FOR UPDATE;

UPDATE issues_issue SET escalation_level = 0, updated_at = now()
    WHERE status IN ('open', 'handed_over') AND escalation_level > 0 AND due_date >= %(today)s;

-- Reminders: the same rows, texts and timeline entries as the ORM writes.
WITH due(d, days_left, reminder) AS (SELECT * FROM unnest(%(due_dates)s::date[], %(lefts)s::int[], %(offsets)s::int[])),
cand AS (
    SELECT i.id, i.title, i.issue_class, i.due_date, i.platform_id, p.name AS platform, d.days_left, d.reminder,
           u.id AS uid, coalesce(nullif(trim(u.last_name || u.first_name), ''), u.username) AS person
    FROM issues_issue i
    JOIN due d ON d.d = i.due_date
    JOIN platforms_platform p ON p.id = i.platform_id
    JOIN liaison_assignment a ON a.platform_id = i.platform_id AND a.end_date IS NULL
    JOIN liaison_cadre c ON c.id = a.cadre_id
    JOIN auth_user u ON u.id = c.user_id AND u.is_active
    WHERE i.status IN ('open', 'handed_over') AND i.due_date BETWEEN %(today)s AND %(horizon)s
),
ins AS (
    INSERT INTO issues_notification (key, kind, recipient_id, subject, body, topic, created_at,
                                     email_status, attempts, last_error)
    SELECT format('reminder:%%s:issue:%%s:due:%%s:user:%%s', reminder, id, due_date, uid), 'issue_reminder', uid,
           CASE WHEN days_left = 0 THEN format('Due today: issue #%%s %%s', id, title)
                ELSE format('Due in %%s working %%s (%%s): issue #%%s %%s', days_left,
                            CASE WHEN days_left = 1 THEN 'day' ELSE 'days' END, due_date, id, title) END,
           format('Issue #%%s, %%s, raised by %%s (class %%s).', id, title, platform, issue_class) || E'\n'
           || CASE WHEN days_left = 0 THEN format('It is due today, %%s.', due_date)
                   ELSE format('It is due on %%s, in %%s working %%s.', due_date, days_left,
                               CASE WHEN days_left = 1 THEN 'day' ELSE 'days' END) END || E'\n'
           || 'Stop the clock in time: resolve it or record the solution determined, or ask bureau staff for an '
              'extension. Once overdue it is escalated to your unit''s leader.',
           'issue:' || id, now(), 'pending', 0, ''
    FROM cand
    ON CONFLICT (key) DO NOTHING
    RETURNING id, split_part(key, ':', 4)::bigint AS issue_id, recipient_id
)
INSERT INTO issues_issueevent (issue_id, kind, at, before, after, note)
SELECT ins.issue_id, 'reminded', now(), '{}'::jsonb,
       jsonb_build_object('reminder', cand.reminder, 'due_date', cand.due_date, 'working_days_left', cand.days_left,
                          'recipients', jsonb_build_array(ins.recipient_id), 'notifications', jsonb_build_array(ins.id)),
       format('Reminder sent to %%s.', cand.person)
FROM ins JOIN cand ON cand.id = ins.issue_id AND cand.uid = ins.recipient_id;

-- Escalations: lock the candidates, write a notification per recipient and an event per level,
-- raise the levels.
WITH late(d, days_late) AS (SELECT * FROM unnest(%(late_dates)s::date[], %(late_days)s::int[])),
cand AS (
    SELECT i.id, i.title, i.issue_class, i.due_date, i.platform_id, i.escalation_level AS level,
           CASE WHEN i.due_date <= %(office_cutoff)s THEN 2 ELSE 1 END AS target
    FROM issues_issue i
    WHERE i.status IN ('open', 'handed_over')
      AND ((i.escalation_level = 0 AND i.due_date < %(today)s) OR (i.escalation_level = 1 AND i.due_date <= %(office_cutoff)s))
    ORDER BY i.id
    FOR UPDATE OF i
),
steps AS (
    SELECT cand.*, g.step, late.days_late, p.name AS platform, coalesce(nullif(trim(cu.last_name || cu.first_name), ''), cu.username) AS cadre,
           un.name AS unit, un.leader_id, coalesce(nullif(trim(lu.last_name || lu.first_name), ''), lu.username) AS leader
    FROM cand
    CROSS JOIN LATERAL generate_series(cand.level + 1, cand.target) AS g(step)
    JOIN late ON late.d = cand.due_date
    JOIN platforms_platform p ON p.id = cand.platform_id
    JOIN liaison_assignment a ON a.platform_id = cand.platform_id AND a.end_date IS NULL
    JOIN liaison_cadre c ON c.id = a.cadre_id
    JOIN auth_user cu ON cu.id = c.user_id
    JOIN liaison_unit un ON un.id = c.unit_id
    LEFT JOIN auth_user lu ON lu.id = un.leader_id AND lu.is_active
),
office AS (
    SELECT u.id AS uid, coalesce(nullif(trim(u.last_name || u.first_name), ''), u.username) AS name
    FROM auth_user u
    WHERE u.is_active AND (u.id IN (SELECT ug.user_id FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id
                                    WHERE g.name = 'bureau_staff')
                           OR u.id IN (SELECT leader_id FROM liaison_unit WHERE is_office))
),
office_names AS (SELECT string_agg(name, ', ' ORDER BY uid) AS names FROM office),
recipients AS (
    SELECT s.*, s.leader_id AS uid FROM steps s WHERE s.step = 1 AND s.leader IS NOT NULL
    UNION ALL
    SELECT s.*, office.uid FROM steps s CROSS JOIN office WHERE s.step = 2
),
ins AS (
    INSERT INTO issues_notification (key, kind, recipient_id, subject, body, topic, created_at,
                                     email_status, attempts, last_error)
    SELECT format('escalation:%%s:issue:%%s:due:%%s:user:%%s', step, id, due_date, uid), 'issue_escalation', uid,
           CASE WHEN step = 1 THEN format('Overdue, escalated to you as unit leader: issue #%%s %%s', id, title)
                ELSE format('Overdue, escalated to the office: issue #%%s %%s', id, title) END,
           format('Issue #%%s, %%s, raised by %%s (class %%s), is the responsibility of %%s (%%s).',
                  id, title, platform, issue_class, cadre, unit) || E'\n'
           || format('It was due on %%s and is %%s working %%s overdue.', due_date, days_late,
                     CASE WHEN days_late = 1 THEN 'day' ELSE 'days' END) || E'\n'
           || CASE WHEN step = 1 THEN format('It is escalated to you as the leader of %%s.', unit)
                   ELSE 'It is escalated to the city committee''s office for supervision.' END,
           'issue:' || id, now(), 'pending', 0, ''
    FROM recipients
    ON CONFLICT (key) DO NOTHING
    RETURNING id, split_part(key, ':', 4)::bigint AS issue_id, recipient_id, split_part(key, ':', 2)::int AS step
),
sent AS (
    SELECT issue_id, step, jsonb_agg(recipient_id ORDER BY id) AS recipients, jsonb_agg(id ORDER BY id) AS ids
    FROM ins GROUP BY issue_id, step
),
events AS (
    INSERT INTO issues_issueevent (issue_id, kind, at, before, after, note)
    SELECT s.id, 'escalated', now(), jsonb_build_object('escalation_level', s.step - 1),
           jsonb_build_object('escalation_level', s.step, 'due_date', s.due_date, 'working_days_overdue', s.days_late,
                              'recipients', coalesce(sent.recipients, '[]'::jsonb),
                              'notifications', coalesce(sent.ids, '[]'::jsonb)),
           CASE WHEN s.step = 1 THEN format('Escalated to the leader of %%s: %%s', s.unit, s.leader)
                ELSE format('Escalated to the office: %%s', (SELECT names FROM office_names)) END
    FROM steps s LEFT JOIN sent ON sent.issue_id = s.id AND sent.step = s.step
    RETURNING id
)
UPDATE issues_issue i SET escalation_level = cand.target, updated_at = now()
FROM cand WHERE i.id = cand.id AND (SELECT count(*) FROM events) >= 0;

UPDATE issues_sweeprun SET runs = runs + 1, last_run_at = now() WHERE kind = 'deadlines' AND day = %(today)s;
"""


# --- floor 1: the same statements by hand, the rows built in Python ------------------------------
#
# The texts are the application's: rendered with gettext in the portal's language, which SQL
# cannot do. So the like-for-like floor selects with hand-written SQL, renders the same texts with
# the same functions, and writes the same rows with hand-written SQL (arrays through UNNEST,
# ON CONFLICT instead of a look-up of existing keys, = ANY instead of IN lists).

HAND_SELECT = """
SELECT i.id, i.title, i.issue_class, i.due_date, i.platform_id, p.name, i.escalation_level,
       u.id, coalesce(nullif(trim(u.last_name || u.first_name), ''), u.username), un.name, un.leader_id
FROM issues_issue i
JOIN platforms_platform p ON p.id = i.platform_id
JOIN liaison_assignment a ON a.platform_id = i.platform_id AND a.end_date IS NULL
JOIN liaison_cadre c ON c.id = a.cadre_id
JOIN auth_user u ON u.id = c.user_id
JOIN liaison_unit un ON un.id = c.unit_id
WHERE i.status IN ('open', 'handed_over') AND {where}
ORDER BY i.id {lock}
"""

HAND_INSERT_NOTIFICATIONS = """
INSERT INTO issues_notification (key, kind, recipient_id, subject, body, params, topic, created_at,
                                 email_status, attempts, last_error)
SELECT k, kind, r, s, b, p, 'issue:' || i, now(), 'pending', 0, ''
FROM unnest(%s::varchar[], %s::varchar[], %s::int[], %s::varchar[], %s::text[], %s::bigint[], %s::jsonb[])
     AS t(k, kind, r, s, b, i, p)
ON CONFLICT (key) DO NOTHING
RETURNING id, key
"""

HAND_INSERT_EVENTS = """
INSERT INTO issues_issueevent (issue_id, kind, at, before, after, note, message, message_params)
SELECT i, k, now(), b, a, n, m, mp
FROM unnest(%s::bigint[], %s::varchar[], %s::jsonb[], %s::jsonb[], %s::text[], %s::varchar[], %s::jsonb[])
     AS t(i, k, b, a, n, m, mp)
"""


def run_by_hand(params: dict):
    import json

    from django.conf import settings
    from django.db import connection
    from django.utils import translation

    from issues import enforcement, notices

    calendar = params["calendar"]
    today, horizon, cutoff = params["today"], params["horizon"], params["office_cutoff"]
    with translation.override(settings.LANGUAGE_CODE), connection.cursor() as cur:
        cur.execute("INSERT INTO issues_sweeprun (kind, day, runs, notifications_created) "
                    "VALUES ('deadlines', %s, 0, 0) ON CONFLICT (kind, day) DO NOTHING", [today])
        cur.execute("SELECT id FROM issues_sweeprun WHERE kind = 'deadlines' AND day = %s FOR UPDATE", [today])
        cur.execute("UPDATE issues_issue SET escalation_level = 0, updated_at = now() WHERE status IN "
                    "('open', 'handed_over') AND escalation_level > 0 AND due_date >= %s", [today])
        cur.execute(HAND_SELECT.format(where="i.due_date BETWEEN %s AND %s", lock=""), [today, horizon])
        due_soon = cur.fetchall()
        cur.execute(HAND_SELECT.format(
            where="((i.escalation_level = 0 AND i.due_date < %s) OR (i.escalation_level = 1 AND i.due_date <= %s))",
            lock="FOR UPDATE OF i"), [today, cutoff])
        overdue = cur.fetchall()
        cur.execute("SELECT u.id, coalesce(nullif(trim(u.last_name || u.first_name), ''), u.username) FROM auth_user u "
                    "WHERE u.is_active AND (u.id IN (SELECT ug.user_id FROM auth_user_groups ug JOIN auth_group g "
                    "ON g.id = ug.group_id WHERE g.name = 'bureau_staff') OR u.id IN (SELECT leader_id FROM "
                    "liaison_unit WHERE is_office)) ORDER BY u.id")
        office = cur.fetchall()
        leader_ids = {row[10] for row in overdue if row[10]}
        cur.execute("SELECT id, coalesce(nullif(trim(last_name || first_name), ''), username) FROM auth_user "
                    "WHERE is_active AND id = ANY(%s)", [list(leader_ids)])
        leaders = dict(cur.fetchall())

        distance = {}

        def days_from_today(due):
            if due not in distance:
                distance[due] = abs(calendar.working_days_between(today, due))
            return distance[due]

        rows = []  # (key, kind, recipient, subject, body, issue, text params, event index)
        events = []  # [issue, kind, before, after, note, message, message params]
        reminded, to_leader, to_office, nobody = notices.event_note_templates(translation.get_language())
        for (iid, title, klass, due, pid, platform, _level, uid, person, _unit, _leader) in due_soon:
            left = days_from_today(due)
            offset = min(o for o in (0, 1, 3) if o >= left)
            issue = {"id": iid, "title": title, "issue_class": klass, "due_date": due, "platform__name": platform}
            subject, body = enforcement._reminder_text(issue, left)
            events.append([iid, "reminded", {}, {"reminder": offset, "due_date": due.isoformat(),
                           "working_days_left": left, "recipients": [uid], "notifications": []},
                           reminded % {"name": person}, "reminder_sent", {"name": person}])
            rows.append((f"reminder:{offset}:issue:{iid}:due:{due.isoformat()}:user:{uid}", "issue_reminder", uid,
                         subject, body, iid, json.dumps(enforcement._reminder_params(issue, left)), len(events) - 1))
        raise_to = {1: [], 2: []}
        for (iid, title, klass, due, pid, platform, level, _uid, cadre, unit, leader_id) in overdue:
            late = days_from_today(due)
            target = 2 if due <= cutoff else 1
            raise_to[target].append(iid)
            issue = {"id": iid, "title": title, "issue_class": klass, "due_date": due, "platform__name": platform}
            for step in range(level + 1, target + 1):
                if step == 1:
                    recipients = [(leader_id, leaders[leader_id])] if leader_id in leaders else []
                else:
                    recipients = office
                subject, body = enforcement._escalation_text(issue, step, late, cadre, unit)
                text_params = json.dumps(enforcement._escalation_params(issue, step, late, cadre, unit))
                names = notices._names([name for _id, name in recipients]) or nobody  # as the note joins them
                events.append([iid, "escalated", {"escalation_level": step - 1},
                               {"escalation_level": step, "due_date": due.isoformat(), "working_days_overdue": late,
                                "recipients": [r for r, _name in recipients], "notifications": []},
                               (to_leader if step == 1 else to_office) % {"unit": unit, "names": names},
                               "escalated_to_leader" if step == 1 else "escalated_to_office",
                               {"unit": unit, "names": [name for _id, name in recipients]}])
                for rid, _name in recipients:
                    rows.append((f"escalation:{step}:issue:{iid}:due:{due.isoformat()}:user:{rid}", "issue_escalation",
                                 rid, subject, body, iid, text_params, len(events) - 1))
        columns = list(zip(*[row[:7] for row in rows]))
        cur.execute(HAND_INSERT_NOTIFICATIONS, [list(c) for c in columns])
        inserted = {key: nid for nid, key in cur.fetchall()}
        for row in rows:
            if row[0] in inserted:
                events[row[7]][3]["notifications"].append(inserted[row[0]])
        cur.execute(HAND_INSERT_EVENTS, [[e[0] for e in events], [e[1] for e in events],
                                         [json.dumps(e[2]) for e in events], [json.dumps(e[3]) for e in events],
                                         [e[4] for e in events], [e[5] for e in events],
                                         [json.dumps(e[6]) for e in events]])
        for level, ids in raise_to.items():
            cur.execute("UPDATE issues_issue SET escalation_level = %s, updated_at = now() "
                        "WHERE id = ANY(%s) AND escalation_level < %s", [level, ids, level])
        cur.execute("UPDATE issues_sweeprun SET runs = runs + 1, last_run_at = now() "
                    "WHERE kind = 'deadlines' AND day = %s", [today])


# --- floor 2: everything in the database ---------------------------------------------------------


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
    late_dates, late_days = [], []
    day = TODAY - datetime.timedelta(days=400)
    while day < TODAY:
        late_dates.append(day)
        late_days.append(calendar.working_days_between(day, TODAY))
        day += datetime.timedelta(days=1)
    return {"jit": "off", "today": TODAY, "horizon": data["horizon"], "office_cutoff": data["office_cutoff"],
            "calendar": calendar,
            "due_dates": dues, "lefts": lefts, "offsets": offsets, "late_dates": late_dates, "late_days": late_days}


#: What a side wrote, in two digests: the notifications (keys, texts, text parameters) and the
#: timeline entries (notes, messages, before and after but the notification ids, which differ).
ROWS_DIGEST = """
SELECT (SELECT md5(string_agg(concat_ws('|', key, kind, recipient_id, subject, body, params::text, topic,
                                        email_status), E'\n' ORDER BY key)) FROM issues_notification),
       (SELECT md5(string_agg(concat_ws('|', issue_id, kind, note, message, message_params::text, before::text,
                                        (after - 'notifications')::text), E'\n' ORDER BY issue_id, kind, note))
        FROM issues_issueevent)
"""


def timed(fn) -> tuple[float, dict]:
    """Run ``fn`` in a transaction, count what it wrote, roll it all back and vacuum, so that
    every run of every side starts from the same data and the same clean tables."""
    from django.db import connection, transaction
    from django.db.models import Count

    from issues.models import Issue, IssueEvent
    from notices.models import Notification

    outcome = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            fn()
            outcome["seconds"] = time.perf_counter() - started
            outcome["notifications"] = Notification.objects.count()
            outcome["events"] = IssueEvent.objects.count()
            outcome["levels"] = dict(
                Issue.objects.filter(escalation_level__gt=0).values_list("escalation_level")
                .annotate(n=Count("id")).order_by()
            )
            with connection.cursor() as cursor:
                cursor.execute(ROWS_DIGEST)
                outcome["rows"] = cursor.fetchone()
            raise Rollback
    except Rollback:
        pass
    with connection.cursor() as cursor:  # the rolled-back rows are dead tuples until vacuumed
        cursor.execute("VACUUM issues_notification, issues_issueevent, issues_issue, issues_sweeprun")
    connection.close()  # a fresh session for the next run: no side inherits a warm one
    return outcome["seconds"], outcome


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="liaison_bench")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--open", default=str(N_OPEN),
                        help="open issues, or several sizes separated by commas (e.g. 10000,100000,1000000), "
                             "each with the same 3,000 due")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--floor-jit", action="store_true",
                        help="leave PostgreSQL's JIT on for floor 2 (the server's default), to see what it costs")
    args = parser.parse_args()
    sizes = [int(n.replace("_", "")) for n in args.open.split(",")]

    server_url, bench_url = server_and_db(os.environ.get("DATABASE_URL", ""), args.db)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CONN_MAX_AGE"] = "0"
    import django

    django.setup()
    from django.db import connections

    status, summary = 0, []
    try:
        for n_open in sizes:
            connections.close_all()
            create_database(server_url, args.db)
            print(f"\n{n_open:,} open issues, {N_REMIND + N_LEADER + N_OFFICE:,} due:", flush=True)
            data = prepare(args.db, n_open)
            times, status_here = measure(data, args.runs, floor_jit=args.floor_jit)
            status = status or status_here
            summary.append((n_open, times))
    finally:
        connections.close_all()
        if not args.keep:
            drop_database(server_url, args.db)
            print(f"database {args.db} dropped")
    if len(summary) > 1:
        print(f"\nby the number open ({N_REMIND + N_LEADER + N_OFFICE:,} due each time), medians:")
        print(f"  {'open':>10} {'sweep':>10} {'floor 1':>10} {'floor 2':>10} {'sweep/floor 1':>14}")
        for n_open, times in summary:
            sweep, floor_1, floor_2 = (statistics.median(t) * 1000 for t in times.values())
            print(f"  {n_open:>10,} {sweep:>8.1f}ms {floor_1:>8.1f}ms {floor_2:>8.1f}ms {sweep / floor_1:>13.2f}x")
    return status


def prepare(db: str, n_open: int = N_OPEN) -> dict:
    """Migrate the (new, empty) database and load the data; return what the floors need."""
    from django.core.management import call_command

    print(f"database {db}: migrating and loading ...", flush=True)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    data = load_data(n_open)
    print(f"loaded {n_open:,} open issues in {time.perf_counter() - started:.1f}s", flush=True)
    return data


def measure(data: dict, runs: int, *, floor_jit: bool = False) -> tuple[dict[str, list[float]], int]:
    """Time the three sides ``runs`` times each, alternating; print them; the times and an exit status."""
    params = floor_params(data)
    if floor_jit:
        params["jit"] = "on"
    sides = {
        "sweep (the ORM, issues.enforcement)": run_orm,
        "floor 1: by hand (raw SQL, rows built in Python)": lambda: run_by_hand(params),
        "floor 2: all in the database (one SQL script)": lambda: run_floor(params),
    }
    times = {name: [] for name in sides}
    wrote = {}
    for fn in sides.values():
        timed(fn)  # warm-up: imports, the calendar, the server's caches
    for _ in range(runs):
        for name, fn in sides.items():  # alternating, so drift in the machine's load hits all sides alike
            seconds, wrote[name] = timed(fn)
            times[name].append(seconds)

    print(f"as of {NOW.isoformat()}, {runs} runs each, every run rolled back:")
    for name in sides:
        t = sorted(times[name])
        print(f"  {name:<52} median {statistics.median(t) * 1000:7.1f} ms   min {t[0] * 1000:7.1f} ms   "
              f"max {t[-1] * 1000:7.1f} ms")
    print("  each wrote: " + str({k: v for k, v in next(iter(wrote.values())).items() if k not in ("seconds", "rows")}))
    names = list(sides)
    sweep = statistics.median(times[names[0]])
    for floor in names[1:]:
        print(f"  sweep / {floor.split(':')[0]}: {sweep / statistics.median(times[floor]):.2f}x")
    same = {(w["notifications"], w["events"], tuple(sorted(w["levels"].items()))) for w in wrote.values()}
    if len(same) != 1:
        print("WARNING: the sides wrote different amounts:", wrote)
        return times, 1
    # Floor 2 writes English texts of its own; floor 1 must write the sweep's very rows.
    if wrote[names[0]]["rows"] != wrote[names[1]]["rows"]:
        print("WARNING: floor 1 did not write the same rows as the sweep:", wrote[names[0]]["rows"],
              wrote[names[1]]["rows"])
        return times, 1
    print("  the sweep and floor 1 wrote the same rows (keys, texts, parameters, timeline entries)")
    return times, 0


if __name__ == "__main__":
    sys.exit(main())
