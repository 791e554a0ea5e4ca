"""Benchmark: e-mail delivery of notifications to a real SMTP server on loopback, against sending
the same messages in one batch over one SMTP connection (the floor).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/delivery_bench.py \\
        [--messages 2000] [--runs 5] [--keep]

DATABASE_URL names the PostgreSQL server; the bench creates the database ``liaison_delivery_bench``
(``--db``), migrates it and writes ``--messages`` pending notifications (deadline reminders with
their parameters, so each e-mail is rendered as the sweep's are) to 200 users, a fifth of whom read
their e-mail in English. An SMTP server (aiosmtpd, accepting and counting every message by its
Message-ID) runs in a process of its own, so that it does not share this one's interpreter lock.
Three sides, alternating, ``--runs`` times each, every notification set back to pending before
each run (outside the timing):

1. *floor*: the same messages, built by the same code (``notices.delivery._message``, in each
   recipient's language) from rows already read, sent with one ``send_messages`` call over one
   SMTP connection: no database at all;
2. *pending*: ``notices.delivery.deliver_pending()``, as beat's every-minute job runs it;
3. *after a sweep*: ``deliver_pending(notification_ids=...)`` over chunks of the ids, as the
   delivery tasks the sweep enqueues after its commit run it (``ENQUEUE_CHUNK`` ids each).

It prints each side's median messages per second and its ratio to the floor, and checks that the
server received every message exactly once per run (exit status 1 if not).
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import national_data  # noqa: E402  (bench/ is not a package)

N_USERS = 200


# --- the SMTP server, in its own process -----------------------------------------------------------------


def smtp_server(port: int) -> None:
    """Accept every message, counting them by Message-ID; on each stdin line answer the counts
    since the last answer as one JSON line."""
    import email
    import threading
    from collections import Counter
    from email import policy

    from aiosmtpd.controller import Controller

    class Counting:
        def __init__(self):
            self.lock, self.seen = threading.Lock(), Counter()

        async def handle_DATA(self, server, session, envelope):
            message_id = email.message_from_bytes(envelope.content, policy=policy.default)["Message-ID"]
            with self.lock:
                self.seen[str(message_id)] += 1
            return "250 Message accepted for delivery"

    handler = Counting()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    for _line in sys.stdin:
        with handler.lock:
            seen, handler.seen = handler.seen, Counter()
        print(json.dumps({"messages": sum(seen.values()), "distinct": len(seen),
                          "twice": sum(1 for n in seen.values() if n > 1)}), flush=True)
    controller.stop()


class SMTPServerProcess:
    def __init__(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.process = subprocess.Popen([sys.executable, __file__, "--smtp-server", str(self.port)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP server did not start")

    def counts(self) -> dict:
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)


# --- the data ---------------------------------------------------------------------------------------------


def load(messages: int) -> None:
    from django.contrib.auth.models import User

    from notices.models import Notification, NotificationPreference

    users = User.objects.bulk_create(
        User(username=f"reader{n:03d}", email=f"reader{n:03d}@example.com", last_name="读", first_name=f"者{n}")
        for n in range(N_USERS))
    NotificationPreference.objects.bulk_create(
        NotificationPreference(user=user, language="en") for user in users[::5])
    Notification.objects.bulk_create(
        (Notification(
            key=f"reminder:3:issue:{n + 1}:due:2026-05-20:user:{users[n % N_USERS].pk}", kind="issue_reminder",
            recipient=users[n % N_USERS], subject=f"3个工作日后到期（2026-05-20）：问题 #{n + 1} 设备采购受阻 {n}",
            body="正文", topic=f"issue:{n + 1}",
            params={"id": n + 1, "title": f"设备采购受阻 {n}", "platform": "湖南省先进储能材料工程技术研究中心",
                    "class": "B", "due": "2026-05-20", "days": 3})
         for n in range(messages)),
        batch_size=1000)


def set_pending() -> None:
    from notices.models import Notification

    Notification.objects.update(email_status="pending", emailed_at=None, attempts=0, last_error="",
                                next_attempt_at=None)


# --- the sides ----------------------------------------------------------------------------------------------


def run_floor() -> tuple[int, float]:
    from django.core.mail import get_connection

    from notices import delivery
    from notices.models import Notification
    from notices.selectors import recipient_languages

    rows = list(Notification.objects.select_related("recipient").order_by("pk"))
    languages = recipient_languages({row.recipient_id for row in rows})
    started = time.perf_counter()
    connection = get_connection()
    messages = [delivery._message(row, row.recipient.email, connection, languages) for row in rows]
    sent = connection.send_messages(messages)
    return sent, time.perf_counter() - started


def run_pending() -> tuple[int, float]:
    from notices import delivery

    started = time.perf_counter()
    result = delivery.deliver_pending(limit=10**9)
    return len(result.sent), time.perf_counter() - started


def run_after_sweep() -> tuple[int, float]:
    from notices import delivery
    from notices.models import Notification

    ids = list(Notification.objects.order_by("pk").values_list("pk", flat=True))
    started = time.perf_counter()
    sent = 0
    for start in range(0, len(ids), delivery.ENQUEUE_CHUNK):
        sent += len(delivery.deliver_pending(notification_ids=ids[start:start + delivery.ENQUEUE_CHUNK]).sent)
    return sent, time.perf_counter() - started


SIDES = {"floor": run_floor, "pending": run_pending, "after a sweep": run_after_sweep}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smtp-server", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", default="liaison_delivery_bench")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if args.smtp_server:
        smtp_server(args.smtp_server)
        return 0

    server_url, db_url = national_data.server_and_db(os.environ.get("DATABASE_URL", ""), args.db)
    national_data.create_database(server_url, args.db)
    smtp = SMTPServerProcess()
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DJANGO_DEBUG"] = "false"
    status = 0
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
        call_command("migrate", verbosity=0)
        load(args.messages)
        print(f"{args.messages:,} notifications to {N_USERS} users; SMTP server (aiosmtpd) on 127.0.0.1:{smtp.port}; "
              f"{args.runs} runs of each side, alternating", flush=True)
        rates = {side: [] for side in SIDES}
        for _ in range(args.runs + 1):  # the first round warms up and is not counted
            for side, run in SIDES.items():
                set_pending()
                smtp.counts()  # start counting afresh
                sent, seconds = run()
                received = smtp.counts()
                if not (sent == received["messages"] == received["distinct"] == args.messages):
                    print(f"  {side}: sent {sent}, the server received {received}: NOT EXACTLY ONCE")
                    status = 1
                rates[side].append(args.messages / seconds)
        floor = statistics.median(rates["floor"][1:])
        print(f"\n{'side':<16} {'messages/s (median)':>20} {'min':>8} {'max':>8} {'of the floor':>13}")
        for side, values in rates.items():
            counted = values[1:]
            print(f"{side:<16} {statistics.median(counted):>20,.0f} {min(counted):>8,.0f} {max(counted):>8,.0f} "
                  f"{statistics.median(counted) / floor:>12.2f}x")
    finally:
        from django.db import connections

        connections.close_all()
        smtp.stop()
        if not args.keep:
            national_data.drop_database(server_url, args.db)
    return status


if __name__ == "__main__":
    sys.exit(main())
