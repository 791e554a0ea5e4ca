"""Delivery through the real thing: a real SMTP server on loopback (aiosmtpd), a real Celery worker
on the real Redis broker, and a broker that is down while cadres keep working."""

import datetime
import email
import io
import logging
import socket
import time
from email import policy

import pytest
from django.conf import settings
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.management import call_command

from config.celery import app as celery_app
from issues import enforcement, services
from notices import delivery, tasks
from issues.models import Issue
from notices.models import Notification
from notices.services import Notice, notices_send
from tests.issues.conftest import shanghai
from tests.issues.factories import IssueFactory

D = datetime.date


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPInbox:
    """An aiosmtpd handler that keeps what it is sent and refuses the addresses in ``refuse``."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 20) -> list:
        deadline = time.perf_counter() + timeout
        while len(self.messages) < count and time.perf_counter() < deadline:
            time.sleep(0.05)
        return self.messages


@pytest.fixture
def smtp_server(settings):
    inbox = SMTPInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    settings.EMAIL_TIMEOUT = 5
    yield inbox
    controller.stop()


# --- a real SMTP server ----------------------------------------------------------------------------


def test_a_reminder_reaches_a_real_smtp_server_once(smtp_server, make_issue, cadre, on):
    issue = make_issue("B", D(2026, 4, 29))
    on(D(2026, 5, 15), 9)
    enforcement.sweep_deadlines()

    assert len(delivery.deliver_pending().sent) == 1
    assert delivery.deliver_pending().sent == []

    [message] = smtp_server.messages
    notification = Notification.objects.get()
    assert message["To"] == cadre.user.email
    # (Compared unfolded: a long encoded header may be folded onto a continuation line.)
    assert " ".join(str(message["Subject"]).split()) == notification.subject
    assert issue.title in notification.subject
    assert message["X-Liaison-Notification"] == notification.key
    assert issue.title in message.get_content()
    # The e-mail links back to the issue's page.
    assert f"{settings.PORTAL_SITE_URL}/issues/{issue.pk}/" in message.get_content()
    assert notification.email_status == "sent" and notification.emailed_at == shanghai(2026, 5, 15, 9)


def test_a_letter_of_many_notices_names_each_key_through_a_real_smtp_server(smtp_server, cadre):
    # Fifty long keys: the header is longer than a mail line, so it is folded on the way.
    keys = [f"reminder:3:issue:{1_000_000 + i}:due:2026-05-15:user:{cadre.user.pk}" for i in range(50)]
    notices_send([Notice(key=key, kind="issue_reminder", recipient_id=cadre.user.pk, params={}, subject="提醒",
                         body="正文") for key in keys])

    assert len(delivery.deliver_pending().sent) == 50

    [message] = smtp_server.messages
    assert delivery.carried_keys(message["X-Liaison-Notification"]) == keys
    assert message["Message-ID"] == delivery.message_id(list(Notification.objects.all()))


def test_a_refused_address_fails_alone_and_is_retried_later(smtp_server, make_issue, cadre, unit, office, bureau_user,
                                                             on):
    make_issue("B", D(2026, 4, 20))  # due 05-07: office escalation on 05-14
    on(D(2026, 5, 14), 9)
    enforcement.sweep_deadlines()  # leader, bureau staff and the office's leader
    smtp_server.refuse.add(bureau_user.email)

    result = delivery.deliver_pending()

    refused = Notification.objects.get(recipient=bureau_user)
    assert result.failed == [refused.pk] and len(result.sent) == 2 and not result.server_down
    assert refused.email_status == "pending" and refused.attempts == 1 and "550" in refused.last_error
    assert sorted(m["To"] for m in smtp_server.messages) == sorted([unit.leader.email, office.leader.email])

    smtp_server.refuse.clear()
    on(D(2026, 5, 14), 9, 2)
    assert delivery.deliver_pending().sent == [refused.pk]
    assert len(smtp_server.messages) == 3


class ConnectionsSeen(SMTPInbox):
    """Also notes the connection (the client's address and port) each message came over."""

    async def handle_DATA(self, server, session, envelope):
        self.__dict__.setdefault("connections", []).append(session.peer)
        return await super().handle_DATA(server, session, envelope)


class TwoPerConnection(ConnectionsSeen):
    """Answers "421" to a connection's third message, as a server that takes so many per connection does."""

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        session.messages = getattr(session, "messages", 0) + 1
        if session.messages > 2:
            return "421 4.7.0 Too many messages on this connection"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


def test_one_connection_carries_the_run_and_a_server_that_closes_it_gets_a_new_one(
        smtp_server, make_issue, cadre, unit, office, bureau_user, on):
    for _ in range(3):
        make_issue("B", D(2026, 4, 20))  # due 05-07: office escalation on 05-14
    on(D(2026, 5, 14), 9)
    enforcement.sweep_deadlines()  # the leader, bureau staff and the office's leader, for each
    smtp_server.__class__ = ConnectionsSeen

    assert len(delivery.deliver_pending().sent) == 9
    # One e-mail to each of the three, carrying their three notices, over one connection.
    assert len(smtp_server.messages) == 3 and len(set(smtp_server.connections)) == 1
    assert sorted(len(delivery.carried_keys(m["X-Liaison-Notification"])) for m in smtp_server.messages) == [3, 3, 3]

    Notification.objects.update(email_status="pending", emailed_at=None)
    smtp_server.messages.clear()
    smtp_server.connections.clear()
    smtp_server.__class__ = TwoPerConnection
    result = delivery.deliver_pending()

    assert len(result.sent) == 9 and result.failed == [] and not result.server_down
    assert len(set(smtp_server.connections)) == 2  # a new connection after two messages
    assert sorted(key for m in smtp_server.messages for key in delivery.carried_keys(m["X-Liaison-Notification"])) == (
        sorted(Notification.objects.values_list("key", flat=True)))


# --- a real worker on the real Redis broker ------------------------------------------------------


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_emails_what_a_sweep_wrote_to_a_real_smtp_server(smtp_server, cadre, platform):
    assert not celery_app.conf.task_always_eager
    issue = IssueFactory(platform=platform, recorded_by=cadre, original_due_date=D(2026, 5, 15))
    celery_app.control.purge()  # nothing left over from an earlier run

    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING"):
        # The sweep commits, then enqueues deliver_notifications on Redis; the worker sends it.
        result = enforcement.sweep_deadlines(now=shanghai(2026, 5, 15, 9))
        messages = smtp_server.wait_for(1)
        deadline = time.perf_counter() + 10
        while Notification.objects.filter(email_status="sent").count() < 1 and time.perf_counter() < deadline:
            time.sleep(0.05)

    assert len(result.notifications) == 1
    assert [m["To"] for m in messages] == [cadre.user.email]
    notification = Notification.objects.get()
    assert notification.topic == f"issue:{issue.pk}" and messages[0]["X-Liaison-Notification"] == notification.key
    assert notification.email_status == "sent" and notification.emailed_at is not None


# --- the broker down -----------------------------------------------------------------------------------


@pytest.fixture
def broker_down(monkeypatch):
    """CELERY_BROKER_URL points at a closed port on loopback: every connection is refused.

    Celery reads the environment variable before its configuration, so both are set.
    """
    closed = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setenv("CELERY_BROKER_URL", closed)
    before = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.broker_url = closed
    celery_app.conf.task_always_eager = False
    assert celery_app.conf.broker_write_url == closed
    yield
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = before


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_cadres_keep_working_and_the_email_goes_out_later(
    broker_down, cadre, platform, on, caplog
):
    on(D(2026, 5, 5))
    started = time.perf_counter()
    issue = services.issue_create(by=cadre.user, platform=platform, title="中试基地用地", service_area="condition_building",
                                  issue_class="B", recorded_on=D(2026, 4, 29))
    assert time.perf_counter() - started < 1
    assert Issue.objects.filter(pk=issue.pk).exists()

    # The day's sweep runs in-process (enforce): its notification is written and committed; the
    # enqueue that follows fails fast and is only logged.
    on(D(2026, 5, 15), 9)
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="notices.delivery"):
        call_command("enforce", "--only", "deadlines", stdout=io.StringIO())
    assert time.perf_counter() - started < 5
    assert any("Could not enqueue notices.tasks.deliver_notifications" in r.getMessage() for r in caplog.records)
    notification = Notification.objects.get()
    assert notification.topic == f"issue:{issue.pk}" and notification.email_status == "pending"
    assert mail.outbox == []

    # The broker is back: beat's every-minute job delivers what is pending, once.
    on(D(2026, 5, 15), 9, 1)
    assert tasks.deliver_pending_notifications.apply().get()["sent"] == 1
    assert tasks.deliver_pending_notifications.apply().get()["sent"] == 0
    assert [m.to for m in mail.outbox] == [[cadre.user.email]]
    notification.refresh_from_db()
    assert notification.email_status == "sent"


# --- the broker connection, kept ---------------------------------------------------------------------


@pytest.fixture
def real_broker(monkeypatch):
    """Sends go to the real broker (CI's Redis) rather than run eagerly; what they sent is purged
    afterwards (the broker's tests run one at a time: ``tests/conftest.py``)."""
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("needs Redis: set CELERY_BROKER_URL=redis://... (CI does)")
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    delivery._forget_connection()
    yield
    delivery._forget_connection()
    celery_app.conf.task_always_eager = eager
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(celery_app.conf.task_default_queue)


@pytest.mark.redis
def test_sends_share_one_broker_connection_and_a_broken_one_is_replaced_once(real_broker, monkeypatch):
    from kombu import Connection

    made = []  # the connections made for sending (Celery also makes one, once, for its events)
    connect = celery_app.connection_for_write
    monkeypatch.setattr(celery_app, "connection_for_write",
                        lambda **kw: ("connect_timeout" in kw and made.append(kw)) or connect(**kw))
    assert delivery.enqueue_safely("notices.tasks.deliver_notifications", notification_ids=[1])
    assert delivery.enqueue_safely("notices.tasks.deliver_notifications", notification_ids=[2])
    assert len(made) == 1  # one connection for both sends

    # The kept connection no longer reaches the broker (a restart, an idle timeout): the send is
    # made again on a new one.
    key, _kept = delivery._held.connection
    broken = Connection(f"redis://127.0.0.1:{free_port()}/0", connect_timeout=1,
                        transport_options={"socket_connect_timeout": 1, "socket_timeout": 1})
    delivery._held.connection = (key, broken)
    assert delivery.enqueue_safely("notices.tasks.deliver_notifications", notification_ids=[3])
    assert len(made) == 2 and delivery._held.connection[1] is not broken
