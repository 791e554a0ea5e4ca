"""E-mail delivery of notifications, never waiting on the broker: each row is marked sent once; the
e-mail itself is at least once (a resend after a crash carries the same Message-ID, ``message_id``,
when it carries the same notices, as it does unless new ones for its recipient came in between).

- After the transaction that writes notifications commits, a ``deliver_notifications`` task is
  enqueued for the new rows. The enqueue never raises and never waits long: with the broker down
  it is logged and dropped, and the every-minute ``deliver_pending_notifications`` job sends the
  rows once the broker and a worker are back. Nothing is lost, because the queue is the table,
  not the broker.
- ``deliver_pending`` claims a batch of rows with ``select_for_update(skip_locked=True)``
  (concurrent workers never take the same row), sends them through Django's e-mail backend over
  one connection and stamps ``emailed_at`` in the same transaction. Failures back off 1, 2, 4 ...
  minutes.
- A user's notices of one batch go out as one e-mail (a *letter*) that lists each of them: a
  leader whose morning sweep escalates a dozen issues gets one e-mail of twelve items, not twelve
  e-mails. The claim takes the rows recipient by recipient, and the tasks a commit enqueues carry
  each recipient's rows together, so that a batch holds whole recipients where it can. A notice
  alone in its batch, one to an address outside the portal (a platform's rating link) and one
  that carries files (a dispatch report) go as an e-mail of their own, as before.

An e-mail is rendered at delivery in its recipient's language (``NotificationPreference``, else
the portal's default), and links to the page of what it is about (its topic), else the inbox. Its
``X-Liaison-Notification`` header names the keys of the notices it carries (``carried_keys``).
"""

import hashlib
import logging
import os
import smtplib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _, ngettext

from config.celery import app as celery_app

from . import registry
from .models import Notification
from .selectors import notification_text, recipient_languages

logger = logging.getLogger(__name__)

EmailStatus = Notification.EmailStatus

#: After this many failed attempts a notification is marked failed (an admin can set it back).
MAX_EMAIL_ATTEMPTS = 10
#: Failed attempts back off 1, 2, 4 ... minutes, at most this long.
MAX_BACKOFF = timedelta(hours=2)
#: The broker must answer within this many seconds, or the enqueue is given up (and logged).
BROKER_TIMEOUT = 2
#: Ids per delivery task message.
ENQUEUE_CHUNK = 500
#: The task that e-mails given notifications (``notices.tasks.deliver_notifications``).
DELIVER_TASK = "notices.tasks.deliver_notifications"


def one_line(text: str) -> str:
    # A subject is a mail header: a line break in a title must not end it.
    return " ".join(text.split())


# --- enqueueing, never blocking on the broker -----------------------------------------------------


def enqueue_delivery(notifications: Sequence[Notification]) -> None:
    """After the commit, ask a worker to e-mail these notifications (best effort, see the module).

    The ids go recipient by recipient, so that a recipient's notices fall in one task (and so in
    one letter) rather than one in each of a sweep's tasks."""
    if not notifications:
        return
    chunks = delivery_chunks(notifications)

    def send():
        for ids in chunks:
            enqueue_safely(DELIVER_TASK, notification_ids=ids)

    transaction.on_commit(send)


def delivery_chunks(notifications: Sequence[Notification]) -> list[list[int]]:
    """The ids of ``notifications`` in tasks of ``ENQUEUE_CHUNK``, recipient by recipient (as the
    claim takes them: ``_claim_batch``)."""
    ids = [n.pk for n in sorted(notifications, key=lambda n: (n.recipient_id is None, n.recipient_id or 0, n.pk))]
    return [ids[start:start + ENQUEUE_CHUNK] for start in range(0, len(ids), ENQUEUE_CHUNK)]


def enqueue_safely(task_name: str, **kwargs) -> bool:
    """Send the task named ``task_name`` with ``kwargs`` to the broker; on any failure log it and
    return False.

    Callers are web requests and sweeps whose work is already committed: a broker that is down
    or slow must not fail them or hold them up. So: short timeouts, no publish retries, and the
    connection kept for the next send (``_kept_connection``); a send on a kept connection that
    fails is tried once more on a new one (the broker may have closed it since). What was not
    enqueued is picked up by ``deliver_pending_notifications``. The task is named, not imported:
    ``tasks`` uses this module, and this module must not use it.
    """
    app = celery_app
    task = app.signature(task_name)
    try:
        if app.conf.task_always_eager:
            task.apply_async(kwargs=kwargs)
            return True
        for attempt in (1, 2):
            connection, kept = _kept_connection(app)
            try:
                task.apply_async(kwargs=kwargs, connection=connection, retry=False)
                return True
            except Exception:
                _forget_connection()
                if not kept or attempt == 2:
                    raise
    except Exception as error:  # noqa: BLE001 - whatever the broker does, the caller carries on
        logger.warning(
            "Could not enqueue %s (%s); the periodic delivery will pick the work up.", task_name, error
        )
    return False


#: The broker connection of this process and thread, kept between sends: a new one for every
#: message (a connect and a handshake) was a fifth of the time of a contact logged through the page
#: (bench/README.md, "Logging a contact against a bare INSERT"). Keyed by the process (a forked
#: worker never shares its parent's socket) and the broker's address.
_held = threading.local()


def _kept_connection(app) -> tuple:
    """The kept connection for ``app``'s broker, or a new one (made and checked with the short
    timeouts); and whether it was kept from before."""
    key = (os.getpid(), app.conf.broker_write_url)
    held = getattr(_held, "connection", None)
    if held is not None and held[0] == key:
        return held[1], True
    _forget_connection()
    connection = app.connection_for_write(
        connect_timeout=BROKER_TIMEOUT,
        transport_options={"socket_connect_timeout": BROKER_TIMEOUT, "socket_timeout": BROKER_TIMEOUT},
    )
    connection.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT)
    _held.connection = (key, connection)
    return connection, False


def _forget_connection() -> None:
    held = getattr(_held, "connection", None)
    _held.connection = None
    if held is not None and held[0][0] == os.getpid():
        try:
            held[1].release()
        except Exception:  # noqa: BLE001 - a connection already broken is dropped all the same
            logger.debug("A broken broker connection could not be closed", exc_info=True)


# --- e-mail delivery ---------------------------------------------------------------------------


@dataclass
class DeliveryResult:
    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    #: The mail server could not be reached: the run stopped early, to retry later.
    server_down: bool = False


#: Rows claimed, sent and marked per transaction. A batch costs its claim, one language look-up
#: and two updates, where a row at a time cost them for every message (bench/delivery_bench.py:
#: 72 messages a second, against 559 for one SMTP batch). It is also the most a crash can send twice.
DELIVERY_BATCH = 50


def deliver_pending(*, notification_ids: Sequence[int] | None = None, limit: int = 1000) -> DeliveryResult:
    """E-mail pending notifications (all that are due, or only ``notification_ids``), up to ``limit``.

    A batch of rows per transaction: claim them (``select_for_update(skip_locked=True)``, so
    concurrent workers share the queue without taking the same row), send each over one SMTP
    connection, mark the sent and the skipped ones in one update each, commit. Each row is marked
    sent once. SMTP is at-least-once: a crash after the server accepted messages and before the
    commit sends those messages again on the next run, with the same Message-ID (``message_id``)
    when the batch holds the same notices again, so the receiving side can tell they are the same;
    ``DELIVERY_BATCH`` bounds how many notices. A recipient's notices in a batch go as one e-mail
    (``_letters``). Users without an e-mail address are marked skipped (the inbox still has it).
    """
    result = DeliveryResult()
    connection = None
    try:
        while not result.server_down:
            room = limit - len(result.sent) - len(result.skipped) - len(result.failed)
            if room <= 0:
                break
            with transaction.atomic():
                batch = _claim_batch(notification_ids, min(room, DELIVERY_BATCH))
                if not batch:
                    break
                connection = _send_batch(batch, connection, result)
    finally:
        if connection is not None:
            _close_quietly(connection)
    if result.failed:
        logger.warning("E-mail failed for notifications %s", result.failed)
    return result


def _send_batch(batch: list[Notification], connection, result: DeliveryResult):
    """Send the claimed ``batch`` and mark it, inside the claiming transaction; the connection to
    go on with (None after a failure closed it)."""
    now = timezone.now()
    languages = recipient_languages({n.recipient_id for n in batch if n.recipient_id is not None})
    sent, skipped = [], []
    letters, no_address = _letters(batch)
    skipped += [n.pk for n in no_address]
    for address, notices in letters:
        try:
            connection = _send_one(notices, address, connection, languages)
        except Exception as error:  # noqa: BLE001 - recorded on the rows, retried with backoff
            for notification in notices:
                _record_failure(notification, error, now)
                result.failed.append(notification.pk)
            _close_quietly(connection)
            connection = None
            if _is_server_error(error):
                result.server_down = True  # the rest of the batch stays pending, for the next run
                break
            continue
        sent += [n.pk for n in notices]
    if sent:
        Notification.objects.filter(pk__in=sent).update(
            email_status=EmailStatus.SENT, emailed_at=now, attempts=F("attempts") + 1, last_error="")
    if skipped:
        Notification.objects.filter(pk__in=skipped).update(
            email_status=EmailStatus.SKIPPED, last_error="The recipient has no e-mail address.")
    result.sent += sent
    result.skipped += skipped
    return connection


def _letters(batch: list[Notification]) -> tuple[list[tuple[str, list[Notification]]], list[Notification]]:
    """The e-mails ``batch`` makes, as ``(address, notices)`` in the order of their first notice,
    and the notices with no address to send to. A portal user's notices share one e-mail; a
    notice to an outside address, or one that carries files, goes alone."""
    letters: dict[object, tuple[str, list[Notification]]] = {}
    no_address = []
    for notification in batch:
        address = (notification.address if notification.recipient is None else notification.recipient.email or "").strip()
        if not address:
            no_address.append(notification)
            continue
        alone = notification.recipient_id is None or _carries_files(notification)
        together = ("notice", notification.pk) if alone else ("user", notification.recipient_id)
        letters.setdefault(together, (address, []))[1].append(notification)
    return list(letters.values()), no_address


def _carries_files(notification: Notification) -> bool:
    topic, record_id = _topic_of(notification)
    return topic is not None and topic.attachments is not None and record_id is not None


def _topic_of(notification: Notification) -> tuple[registry.Topic | None, int | None]:
    """The registered topic the notification is about (None if none) and its record's id."""
    name, record_id = registry.topic_parts(notification.topic)
    return registry.topics().get(name), record_id


def _open_connection():
    # Opened here, it stays open for the whole run: a connection that send() finds closed is opened
    # and closed again for that one message (connect, EHLO and QUIT for every message).
    connection = get_connection()
    connection.open()
    return connection


def _send_one(notices: list[Notification], address: str, connection, languages: dict[int, str]):
    """E-mail ``notices`` (one e-mail) over ``connection`` (a new one if None); the connection to go
    on with.

    A connection that has sent before and is found closed by the server (an idle timeout, a limit
    of messages per connection: "421") is replaced once, and the message sent over the new one.
    """
    if connection is None:
        connection = _open_connection()
    else:
        try:
            _message(notices, address, connection, languages).send()
            return connection
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException) as error:
            if isinstance(error, smtplib.SMTPResponseException) and error.smtp_code != 421:
                raise
            _close_quietly(connection)
            connection = _open_connection()
    try:
        _message(notices, address, connection, languages).send()
    except Exception:
        _close_quietly(connection)
        raise
    return connection


def _claim_batch(notification_ids, size: int) -> list[Notification]:
    now = timezone.now()
    queryset = (
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("recipient")
        .filter(email_status=EmailStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    )
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=list(notification_ids))
    # Recipient by recipient: a batch holds each recipient's notices together, for one letter.
    return list(queryset.order_by(F("recipient_id").asc(nulls_last=True), "pk")[:size])


def _link(notification: Notification) -> str:
    """Where in the portal the recipient acts on the notification (an e-mail has no page around it):
    the page of what it is about, else the inbox."""
    topic, record_id = _topic_of(notification)
    if topic is not None and topic.url is not None and record_id is not None:
        path = topic.url(record_id)
    else:
        path = reverse("notices:inbox")
    return settings.PORTAL_SITE_URL.rstrip("/") + path


def _attachments(notification: Notification) -> list[tuple[str, bytes, str]]:
    if not _carries_files(notification):
        return []
    topic, record_id = _topic_of(notification)
    return topic.attachments(record_id)


def message_id(notices: Sequence[Notification]) -> str:
    """The e-mail's Message-ID, derived from the unique keys of the notices it carries: a resend
    after an interruption between the mail server's acceptance and the "sent" mark carries the same
    one, so mail clients and servers see the same message again (SMTP itself is at least once)."""
    if len(notices) == 1:
        kind, text = "notification", notices[0].key
    else:
        kind, text = "notifications", "\n".join(sorted(n.key for n in notices))
    digest = hashlib.sha256(text.encode()).hexdigest()[:40]
    domain = urlsplit(settings.PORTAL_SITE_URL).hostname or "liaison.invalid"
    return f"<{kind}.{digest}@{domain}>"


def carried_keys(header: str) -> list[str]:
    """The keys of the notices an e-mail carries, from its ``X-Liaison-Notification`` header (keys
    hold no spaces; a long header is folded at the spaces between them)."""
    return header.split()


def _message(notices: list[Notification], address: str, connection, languages: dict[int, str]) -> EmailMessage:
    first = notices[0]
    if first.recipient_id is None:
        # Someone outside the portal (always alone): the portal's language, and no link to pages
        # they cannot open (the text carries what they need, e.g. a platform's rating link).
        with translation.override(settings.LANGUAGE_CODE):
            text = notification_text(first)
        subject, body = text.subject, text.body
    else:
        with translation.override(languages[first.recipient_id]):
            subject, body = _letter(notices)
    message = EmailMessage(
        subject=one_line(subject),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        connection=connection,
        headers={"X-Liaison-Notification": " ".join(n.key for n in notices), "Message-ID": message_id(notices)},
    )
    if len(notices) == 1:
        for filename, content, mimetype in _attachments(first):
            message.attach(filename, content, mimetype)
    return message


def _letter(notices: list[Notification]) -> tuple[str, str]:
    """A portal user's e-mail, in the active language: one notice as it is, with its link; several
    numbered, each with its link, and the inbox's address at the end."""
    texts = [notification_text(n) for n in notices]
    if len(notices) == 1:
        return texts[0].subject, f"{texts[0].body}\n\n{_link(notices[0])}"
    count = len(notices)
    subject = ngettext("Liaison portal: %(count)d notice", "Liaison portal: %(count)d notices", count) % {
        "count": count}
    opening = ngettext("You have %(count)d new notice:", "You have %(count)d new notices:", count) % {"count": count}
    items = [f"{number}. {one_line(text.subject)}\n{text.body}\n{_link(notice)}"
             for number, (notice, text) in enumerate(zip(notices, texts, strict=True), start=1)]
    inbox = settings.PORTAL_SITE_URL.rstrip("/") + reverse("notices:inbox")
    closing = _("All your notices: %(inbox)s") % {"inbox": inbox}
    return subject, "\n\n".join([opening, *items, closing])


def _record_failure(notification: Notification, error: Exception, now) -> None:
    notification.attempts += 1
    notification.last_error = f"{type(error).__name__}: {error}"[:2000]
    if notification.attempts >= MAX_EMAIL_ATTEMPTS:
        notification.email_status = EmailStatus.FAILED
        notification.next_attempt_at = None
    else:
        notification.next_attempt_at = now + min(timedelta(minutes=2 ** (notification.attempts - 1)), MAX_BACKOFF)
    notification.save(update_fields=["attempts", "last_error", "email_status", "next_attempt_at"])


def _is_server_error(error: Exception) -> bool:
    """Whether the mail server as a whole failed (stop this run), not one message (go on)."""
    if isinstance(error, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, smtplib.SMTPHeloError,
                          smtplib.SMTPAuthenticationError)):
        return True
    # Socket errors: refused, unreachable, timed out. (SMTPException is an OSError too.)
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def _close_quietly(connection) -> None:
    if connection is None:
        return
    try:
        connection.close()
    except Exception as error:  # noqa: BLE001 - a broken connection is being discarded anyway
        logger.debug("Closing the mail connection failed: %s", error)
