"""The peer for the deadline sweep: django-helpdesk's ``escalate_tickets`` on the same counts.

Run by ``peer_bench.py`` with the Python of the peer's own virtual environment (django-helpdesk
from PyPI, ``peer_bench.py --setup-peer`` makes it: never vendored, never in requirements.txt),
as a worker answering one JSON command a line (``side_by_side``'s protocol):

- ``{"op": "load", "open": 100000, "due": 3000}``: (re)creates its own PostgreSQL database
  (``helpdesk_peer_bench``), migrates django-helpdesk's tables (its e-mail templates come with its
  migrations) and loads one queue that escalates after 5 days, 300 staff, and ``open`` open
  tickets, each with a submitter's address and an owner with an address: ``due`` of them created
  30 days ago and never escalated (due), the rest an hour ago.
- ``{"op": "run"}``: ``call_command("escalate_tickets")`` as cron runs it, timed, in a transaction
  rolled back afterwards (then vacuumed) so every run finds the same tickets due. Each escalated
  ticket is saved, gets a follow-up and a ticket change, and two e-mails built from the database's
  templates (to the submitter and the owner: 2 x ``due`` e-mails, as our sweep writes 2 notices
  per issue due), handed to Django's locmem backend: built, not sent, as the peer does.

The settings are this file's (``settings.configure``): the peer's project is no part of ours.
"""

import json
import os
import sys
import time

DB_NAME = os.environ.get("PEER_DB", "helpdesk_peer_bench")
SERVER_URL = os.environ["PEER_SERVER_URL"]  # postgres://user@host:port/postgres
N_STAFF = 300
urlpatterns: list = []


class Rollback(Exception):
    pass


def server_params(url: str) -> dict:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return {"HOST": parts.hostname or "127.0.0.1", "PORT": str(parts.port or 5432), "USER": parts.username or "postgres",
            "PASSWORD": parts.password or ""}


def configure() -> None:
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="helpdesk-peer-bench",
        USE_TZ=True,
        TIME_ZONE="Asia/Shanghai",
        SITE_ID=1,
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=[
            "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
            "django.contrib.messages", "django.contrib.sites", "django.contrib.humanize",
            "django.contrib.admin", "rest_framework", "helpdesk",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "NAME": DB_NAME, **server_params(SERVER_URL)}},
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
                    "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                                       "django.contrib.auth.context_processors.auth",
                                                       "django.contrib.messages.context_processors.messages"]}}],
        ROOT_URLCONF=__name__,  # the e-mails link to tickets: urlpatterns below, once set up
        # Built and kept in memory, sent nowhere: what escalate_tickets costs without a mail server.
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DEFAULT_FROM_EMAIL="helpdesk@example.com",
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        LOGGING_CONFIG=None,
        HELPDESK_TEAMS_MODE_ENABLED=False,  # teams need pinax-teams, which escalation does not use
    )
    import django

    django.setup()
    from django.urls import include, path

    global urlpatterns
    urlpatterns = [path("helpdesk/", include("helpdesk.urls"))]


def recreate_database() -> None:
    import psycopg2

    conn = psycopg2.connect(SERVER_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{DB_NAME}"')
    conn.close()


def drop_database() -> None:
    import psycopg2

    conn = psycopg2.connect(SERVER_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    conn.close()


def load(n_open: int, n_due: int) -> dict:
    import datetime

    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from helpdesk.models import Queue, Ticket

    connection.close()
    recreate_database()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    now = timezone.now()
    with transaction.atomic():
        staff = User.objects.bulk_create(
            User(username=f"staff{i}", email=f"staff{i}@example.com", is_staff=True) for i in range(N_STAFF))
        queue = Queue.objects.create(title="Platforms", slug="platforms", email_address="queue@example.com",
                                     escalate_days=5, allow_email_submission=False)
        template = Ticket.objects.create(
            title="template", queue=queue, submitter_email="submitter@example.com", assigned_to=staff[0],
            status=Ticket.OPEN_STATUS, description="设备采购受阻", priority=3)
        # The tickets, by copying the template row in SQL (django-helpdesk's own defaults kept):
        # the due ones created 30 days ago, the rest an hour ago; owners taken in turn.
        overrides = {
            "title": "'Ticket ' || g",
            "created": f"CASE WHEN g <= {n_due} THEN %(old)s ELSE %(recent)s END",
            "modified": f"CASE WHEN g <= {n_due} THEN %(old)s ELSE %(recent)s END",
            "submitter_email": "'submitter' || g || '@example.com'",
            "assigned_to_id": f"{staff[0].pk} + g %% {N_STAFF}",
            "secret_key": "md5(g::text)",
        }
        columns = [f.column for f in Ticket._meta.concrete_fields if not f.primary_key]
        values = [overrides.get(c, f't."{c}"') for c in columns]
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO helpdesk_ticket ({", ".join(chr(34) + c + chr(34) for c in columns)}) '
                f'SELECT {", ".join(values)} FROM helpdesk_ticket t, generate_series(1, %(n)s) AS g WHERE t.id = %(id)s',
                {"old": now - datetime.timedelta(days=30), "recent": now - datetime.timedelta(hours=1), "n": n_open,
                 "id": template.pk})
        template.delete()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"open": Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES).count(),
            "seconds": time.perf_counter() - started}


def run() -> dict:
    from django.core import mail
    from django.core.management import call_command
    from django.db import connection, transaction
    from helpdesk.models import FollowUp, Ticket, TicketChange

    mail.outbox = []
    outcome = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            call_command("escalate_tickets")
            outcome["seconds"] = time.perf_counter() - started
            outcome["escalated"] = Ticket.objects.filter(last_escalation__isnull=False).count()
            outcome["followups"] = FollowUp.objects.count()
            outcome["changes"] = TicketChange.objects.count()
            outcome["emails"] = len(mail.outbox)
            raise Rollback
    except Rollback:
        pass
    mail.outbox = []
    with connection.cursor() as cursor:
        cursor.execute("VACUUM helpdesk_ticket, helpdesk_followup, helpdesk_ticketchange")
    connection.close()  # a fresh session each run, as our side has
    return outcome


def main() -> None:
    protocol = sys.stdout
    sys.stdout = sys.stderr
    configure()
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "quit":
            break
        if command["op"] == "load":
            answer = load(command["open"], command["due"])
        elif command["op"] == "run":
            answer = run()
        else:
            answer = {"error": f"unknown op {command['op']}"}
        protocol.write(json.dumps(answer) + "\n")
        protocol.flush()
    from django.db import connections

    connections.close_all()
    if os.environ.get("PEER_KEEP") != "1":
        drop_database()


if __name__ == "__main__":
    main()
