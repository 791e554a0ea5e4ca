"""Benchmark: e-mail delivery of notifications to a real SMTP server on loopback, against sending
the same messages in one batch over one SMTP connection (the floor).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/delivery_bench.py \\
        [--messages 2000] [--runs 5] [--keep]

DATABASE_URL names the PostgreSQL server; the bench creates the database ``liaison_delivery_bench``
(``--db``), migrates it and writes ``--messages`` pending notifications (deadline reminders with
their parameters, so each e-mail is rendered as the sweep's are) to 200 users, ten each, written
interleaved as a sweep writes them, a fifth of the users reading their e-mail in English. An SMTP
server (aiosmtpd, accepting every message and counting it by its Message-ID, and the notices it
carries by the keys in its ``X-Liaison-Notification`` header) runs in a process of its own, so
that it does not share this one's interpreter lock. Delivery sends a user's notices of one batch
as one e-mail (``notices.delivery``). Four sides, alternating, ``--runs`` times each, every
notification set back to pending before each run (outside the timing):

1. *floor, an e-mail a notice*: one e-mail for each notification, built by the same code
   (``notices.delivery._message``, in each recipient's language) from rows already read, sent with
   one ``send_messages`` call over one SMTP connection: no database at all;
2. *floor, the same e-mails*: the e-mails delivery sends (each batch's notices to one user in
   one), built and sent the same way, in one batch, no database;
3. *pending*: ``notices.delivery.deliver_pending()``, as beat's every-minute job runs it;
4. *after a sweep*: ``deliver_pending(notification_ids=...)`` over the tasks' chunks of ids
   (``delivery_chunks``), as the delivery tasks the sweep enqueues after its commit run it.

It prints each side's median notices delivered per second (and e-mails per second) and its ratio
to each floor, and checks that the server received every notice exactly once per run and no
Message-ID twice (exit status 1 if not).
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
    """Accept every message, counting them by Message-ID and the notices they carry by key; on each
    stdin line answer the counts since the last answer as one JSON line."""
    import email
    import threading
    from collections import Counter
    from email import policy

    from aiosmtpd.controller import Controller

    class Counting:
        def __init__(self):
            self.lock, self.seen, self.notices = threading.Lock(), Counter(), Counter()

        async def handle_DATA(self, server, session, envelope):
            message = email.message_from_bytes(envelope.content, policy=policy.default)
            keys = str(message["X-Liaison-Notification"] or "").split()  # notices.delivery.carried_keys
            with self.lock:
                self.seen[str(message["Message-ID"])] += 1
                self.notices.update(keys)
            return "250 Message accepted for delivery"

    handler = Counting()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    for _line in sys.stdin:
        with handler.lock:
            seen, handler.seen = handler.seen, Counter()
            notices, handler.notices = handler.notices, Counter()
        print(json.dumps({"messages": sum(seen.values()), "distinct": len(seen),
                          "twice": sum(1 for n in seen.values() if n > 1),
                          "notices": sum(notices.values()), "distinct_notices": len(notices)}), flush=True)
    controller.stop()


def received_once(received: dict, notices: int) -> bool:
    """Whether the server received each of ``notices`` notices once, and no e-mail twice."""
    return (received["notices"] == received["distinct_notices"] == notices
            and received["messages"] == received["distinct"])


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


def _floor(letters) -> tuple[int, int, float]:
    """Build the e-mails of ``letters`` (each a list of rows to one user) and send them in one batch."""
    from django.core.mail import get_connection

    from notices import delivery
    from notices.selectors import recipient_languages

    languages = recipient_languages({rows[0].recipient_id for rows in letters})
    started = time.perf_counter()
    connection = get_connection()
    messages = [delivery._message(rows, rows[0].recipient.email, connection, languages) for rows in letters]
    sent = connection.send_messages(messages)
    return sum(len(rows) for rows in letters), sent, time.perf_counter() - started


def run_floor_each() -> tuple[int, int, float]:
    from notices.models import Notification

    return _floor([[row] for row in Notification.objects.select_related("recipient").order_by("pk")])


def run_floor_letters() -> tuple[int, int, float]:
    from notices import delivery
    from notices.models import Notification

    rows = list(Notification.objects.select_related("recipient").order_by("recipient_id", "pk"))
    letters = []
    for start in range(0, len(rows), delivery.DELIVERY_BATCH):
        batch_letters, _no_address = delivery._letters(rows[start:start + delivery.DELIVERY_BATCH])
        letters += [notices for _address, notices in batch_letters]
    return _floor(letters)


def run_pending() -> tuple[int, int, float]:
    from notices import delivery

    started = time.perf_counter()
    result = delivery.deliver_pending(limit=10**9)
    return len(result.sent), 0, time.perf_counter() - started


def run_after_sweep() -> tuple[int, int, float]:
    from notices import delivery
    from notices.models import Notification

    chunks = delivery.delivery_chunks(list(Notification.objects.only("pk", "recipient_id")))
    started = time.perf_counter()
    sent = 0
    for ids in chunks:
        sent += len(delivery.deliver_pending(notification_ids=ids).sent)
    return sent, 0, time.perf_counter() - started


#: Each side returns (notices delivered, e-mails sent or 0 when the server's count tells, seconds).
SIDES = {"floor, each": run_floor_each, "floor, same": run_floor_letters, "pending": run_pending,
         "after a sweep": run_after_sweep}


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
        emails = {side: [] for side in SIDES}
        for _ in range(args.runs + 1):  # the first round warms up and is not counted
            for side, run in SIDES.items():
                set_pending()
                smtp.counts()  # start counting afresh
                sent, _messages, seconds = run()
                received = smtp.counts()
                if not (sent == args.messages and received_once(received, args.messages)):
                    print(f"  {side}: sent {sent}, the server received {received}: NOT EXACTLY ONCE")
                    status = 1
                rates[side].append(args.messages / seconds)
                emails[side].append((received["messages"], received["messages"] / seconds))
        floors = {name: statistics.median(rates[name][1:]) for name in ("floor, each", "floor, same")}
        print(f"\n{'side':<16} {'notices/s (median)':>19} {'min':>8} {'max':>8} {'e-mails':>8} {'e-mails/s':>10} "
              f"{'of floor, each':>15} {'of floor, same':>15}")
        for side, values in rates.items():
            counted = values[1:]
            median = statistics.median(counted)
            print(f"{side:<16} {median:>19,.0f} {min(counted):>8,.0f} {max(counted):>8,.0f} "
                  f"{emails[side][-1][0]:>8,} {statistics.median(r for _n, r in emails[side][1:]):>10,.0f} "
                  f"{median / floors['floor, each']:>14.2f}x {median / floors['floor, same']:>14.2f}x")
    finally:
        from django.db import connections

        connections.close_all()
        smtp.stop()
        if not args.keep:
            national_data.drop_database(server_url, args.db)
    return status


if __name__ == "__main__":
    sys.exit(main())
