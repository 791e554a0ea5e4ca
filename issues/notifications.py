"""Notifications: the inbox, writing them exactly once, and e-mailing them.

In-app delivery is the row itself: once written (in the sweep's transaction, with the timeline
event or escalation that caused it) it is in the recipient's inbox. E-mail delivery is separate:

- after the transaction commits, a ``deliver_notifications`` task is enqueued for the new rows.
  The enqueue never raises and never waits long: with the broker down it is logged and dropped,
  and the every-minute ``deliver_pending_notifications`` job sends the rows once the broker and
  a worker are back. Nothing is lost, because the queue is the table, not the broker.
- ``deliver_pending`` claims one row at a time with ``select_for_update(skip_locked=True)``
  (concurrent workers never take the same row), sends it through Django's e-mail backend and
  stamps ``emailed_at`` in the same transaction.

Texts follow the reader: a row keeps its ``kind`` and ``params``, and ``notification_text``
renders them in the active language (the inbox's reader's); an e-mail is rendered at delivery in
its recipient's language (``NotificationPreference``, else the portal's default).
"""

import logging
import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.celery import app as celery_app

from . import notices
from .models import Notification, NotificationPreference
from .notices import Text

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
#: The task that e-mails given notifications (``issues.tasks.deliver_notifications``).
DELIVER_TASK = "issues.tasks.deliver_notifications"

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the inbox ---------------------------------------------------------------------------------


def inbox_for(user) -> QuerySet:
    """The user's notifications, newest first, with what each concerns joined (not the report's file)."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return (
        Notification.objects.filter(recipient=user)
        .select_related("issue", "platform", "assignment__platform", "report")
        .defer("report__xlsx", "report__figures")
        .order_by("-created_at", "-id")
    )


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


@transaction.atomic
def notification_mark_read(*, notification: Notification, by) -> Notification:
    """Mark one of ``by``'s notifications read (again is harmless: the first reading time stays)."""
    if notification.recipient_id != by.pk:
        raise PermissionDenied("This notification is addressed to someone else.")
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    return Notification.objects.get(pk=notification.pk)


@transaction.atomic
def notifications_mark_all_read(*, by) -> int:
    """Mark all of ``by``'s unread notifications read; return how many."""
    return Notification.objects.filter(recipient=by, read_at__isnull=True).update(read_at=timezone.now())


def notification_text(notification: Notification) -> Text:
    """The notification's subject and body in the active language (see ``issues.notices``); the
    stored text for a row without params."""
    rendered = notices.notification_text(notification.kind, notification.params)
    return rendered or Text(notification.subject, notification.body)


def with_texts(rows: Iterable[Notification]) -> list[Notification]:
    """The rows, each with ``text`` (its subject and body in the active language) for display."""
    rows = list(rows)
    for row in rows:
        row.text = notification_text(row)
    return rows


# --- the recipient's language ----------------------------------------------------------------------


def saved_language(user) -> str:
    """The language ``user`` chose with the switch when signed in, or "" if they never did."""
    return NotificationPreference.objects.filter(user=user).values_list("language", flat=True).first() or ""


def recipient_language(user_id: int) -> str:
    """The language ``user_id`` reads their e-mail in: their choice, else the portal's default."""
    chosen = NotificationPreference.objects.filter(user_id=user_id).values_list("language", flat=True).first()
    return chosen or settings.LANGUAGE_CODE


@transaction.atomic
def notification_preference_set_language(*, user, language: str) -> NotificationPreference:
    """Record the language ``user`` chose (with the language switch) for what the portal e-mails them."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the portal's languages.")}, code="invalid_language")
    preference, _created = NotificationPreference.objects.update_or_create(user=user, defaults={"language": language})
    return preference


@transaction.atomic
def notifications_requeue_email(*, notification_ids: Sequence[int]) -> int:
    """Send these again by e-mail if they failed or were skipped (say, once the address is fixed).

    For admins; a notification already e-mailed is left alone. Returns how many were requeued.
    """
    count = Notification.objects.filter(
        pk__in=list(notification_ids), email_status__in=[EmailStatus.FAILED, EmailStatus.SKIPPED]
    ).update(email_status=EmailStatus.PENDING, attempts=0, next_attempt_at=None, last_error="")
    return count


# --- writing them exactly once -------------------------------------------------------------------


class Outgoing(NamedTuple):
    """A notification a sweep has decided on, before it is written (or, in a dry run, instead).

    A named tuple: a sweep makes thousands of them.
    """

    key: str
    kind: str
    recipient_id: int
    subject: str
    body: str
    issue_id: int | None = None
    assignment_id: int | None = None
    platform_id: int | None = None
    report_id: int | None = None
    #: For printing: the recipient's name and address.
    recipient_label: str = ""
    #: What ``subject`` and ``body`` were rendered from (``issues.notices``), to render them again in
    #: each reader's language. The subject and body are the text in the portal's default language.
    params: dict | None = None


def outgoing(*, key: str, kind: str, recipient_id: int, params: dict, **concerns) -> Outgoing:
    """A notification of ``kind`` made of ``params``, its stored text rendered in the portal's default
    language (``concerns``: the other ``Outgoing`` fields). For the services' one-off notices; a
    sweep renders its thousands under one ``translation.override`` instead."""
    with translation.override(settings.LANGUAGE_CODE):
        text = notices.notification_text(kind, params)
    return Outgoing(key=key, kind=kind, recipient_id=recipient_id, subject=text.subject, body=text.body,
                    params=params, **concerns)


def existing_keys(keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    found: set[str] = set()
    for start in range(0, len(keys), 2000):  # stay under SQLite's bound-parameter limit
        found.update(Notification.objects.filter(key__in=keys[start:start + 2000]).values_list("key", flat=True))
    return found


def existing_keys_for_issues(issue_ids: Iterable[int]) -> set[str]:
    """The keys of every notification about these issues (a superset of those a sweep checks)."""
    ids = list(issue_ids)
    found: set[str] = set()
    for start in range(0, len(ids), 5000):
        found.update(
            Notification.objects.filter(issue_id__in=ids[start:start + 5000]).values_list("key", flat=True)
        )
    return found


def notifications_insert(outgoing: Sequence[Outgoing], *, now) -> list[Notification]:
    """Write the notifications whose key is not taken yet; return those written.

    Call it inside the transaction that makes the change causing them. The sweeps already
    serialise on their lock row and leave out keys that exist, so a conflict here means a sweep
    of another day raced this one: the unique constraint is the last guard, and on a conflict the
    rows are inserted one by one, each in a savepoint, keeping those that fit. E-mail delivery is
    enqueued for after the commit.
    """
    seen: set[str] = set()
    rows = []
    for item in outgoing:
        if item.key in seen:
            continue
        seen.add(item.key)
        concerns = {name: value for name, value in (("issue_id", item.issue_id), ("assignment_id", item.assignment_id),
                                                    ("platform_id", item.platform_id), ("report_id", item.report_id))
                    if value is not None}
        rows.append(Notification(key=item.key, kind=item.kind, recipient_id=item.recipient_id,
                                 subject=_one_line(item.subject)[:300], body=item.body, params=item.params or {},
                                 created_at=now, **concerns))
    if not rows:
        return []
    try:
        with transaction.atomic():
            inserted = Notification.objects.bulk_create(rows)
    except IntegrityError:
        inserted = []
        for row in rows:
            row.pk = None
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except IntegrityError:
                continue
            inserted.append(row)
    enqueue_delivery([row.pk for row in inserted])
    return inserted


def _one_line(text: str) -> str:
    # A subject is a mail header: a line break in a title must not end it.
    return " ".join(text.split())


# --- enqueueing, never blocking on the broker -----------------------------------------------------


def enqueue_delivery(notification_ids: Sequence[int]) -> None:
    """After the commit, ask a worker to e-mail these notifications (best effort, see the module)."""
    if not notification_ids:
        return
    ids = list(notification_ids)

    def send():
        for start in range(0, len(ids), ENQUEUE_CHUNK):
            enqueue_safely(DELIVER_TASK, notification_ids=ids[start:start + ENQUEUE_CHUNK])

    transaction.on_commit(send)


def enqueue_safely(task_name: str, **kwargs) -> bool:
    """Send the task named ``task_name`` with ``kwargs`` to the broker; on any failure log it and
    return False.

    Callers are web requests and sweeps whose work is already committed: a broker that is down
    or slow must not fail them or hold them up. So: one connection attempt with short timeouts,
    no publish retries. What was not enqueued is picked up by ``deliver_pending_notifications``.
    The task is named, not imported: ``tasks`` uses this module, and this module must not use it.
    """
    app = celery_app
    task = app.signature(task_name)
    try:
        if app.conf.task_always_eager:
            task.apply_async(kwargs=kwargs)
            return True
        with app.connection_for_write(
            connect_timeout=BROKER_TIMEOUT,
            transport_options={"socket_connect_timeout": BROKER_TIMEOUT, "socket_timeout": BROKER_TIMEOUT},
        ) as connection:
            connection.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT)
            task.apply_async(kwargs=kwargs, connection=connection, retry=False)
        return True
    except Exception as error:  # noqa: BLE001 - whatever the broker does, the caller carries on
        logger.warning(
            "Could not enqueue %s (%s); the periodic delivery will pick the work up.", task_name, error
        )
        return False


# --- e-mail delivery ---------------------------------------------------------------------------


@dataclass
class DeliveryResult:
    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    #: The mail server could not be reached: the run stopped early, to retry later.
    server_down: bool = False


def deliver_pending(*, notification_ids: Sequence[int] | None = None, limit: int = 1000) -> DeliveryResult:
    """E-mail pending notifications (all that are due, or only ``notification_ids``), up to ``limit``.

    One row per transaction: claim it (``select_for_update(skip_locked=True)``, so concurrent
    workers share the queue without taking the same row), send, stamp ``emailed_at``, commit.
    SMTP is at-least-once: a crash after the server accepted a message and before the commit
    sends that one message again on the next run. Stamping each row in its own short transaction
    keeps that window to one message and the milliseconds between the server's reply and the
    commit. Users without an e-mail address are marked skipped (the inbox still has it).
    """
    result = DeliveryResult()
    connection = None
    try:
        for _ in range(limit):
            with transaction.atomic():
                notification = _claim_next(notification_ids)
                if notification is None:
                    break
                now = timezone.now()
                address = (notification.recipient.email or "").strip()
                if not address:
                    notification.email_status = EmailStatus.SKIPPED
                    notification.last_error = "The recipient has no e-mail address."
                    notification.save(update_fields=["email_status", "last_error"])
                    result.skipped.append(notification.pk)
                    continue
                if connection is None:
                    connection = get_connection()
                try:
                    _message(notification, address, connection).send()
                except Exception as error:  # noqa: BLE001 - recorded on the row, retried with backoff
                    _record_failure(notification, error, now)
                    result.failed.append(notification.pk)
                    if _is_server_error(error):
                        result.server_down = True
                        break
                    _close_quietly(connection)
                    connection = None
                    continue
                notification.email_status = EmailStatus.SENT
                notification.emailed_at = now
                notification.attempts += 1
                notification.last_error = ""
                notification.save(update_fields=["email_status", "emailed_at", "attempts", "last_error"])
                result.sent.append(notification.pk)
    finally:
        if connection is not None:
            _close_quietly(connection)
    if result.failed:
        logger.warning("E-mail failed for notifications %s", result.failed)
    return result


def _claim_next(notification_ids) -> Notification | None:
    now = timezone.now()
    queryset = (
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("recipient")
        .filter(email_status=EmailStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    )
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=list(notification_ids))
    return queryset.order_by("pk").first()


def _link(notification: Notification) -> str:
    """Where in the portal the recipient acts on the notification (an e-mail has no page around it)."""
    if notification.issue_id:
        path = reverse("issues:detail", args=[notification.issue_id])
    elif notification.platform_id:
        path = reverse("platforms:detail", args=[notification.platform_id])
    else:
        path = reverse("issues:inbox")
    return settings.PORTAL_SITE_URL.rstrip("/") + path


def _message(notification: Notification, address: str, connection) -> EmailMessage:
    with translation.override(recipient_language(notification.recipient_id)):
        text = notification_text(notification)
    message = EmailMessage(
        subject=_one_line(text.subject),
        body=f"{text.body}\n\n{_link(notification)}",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        connection=connection,
        headers={"X-Liaison-Notification": notification.key},
    )
    if notification.report_id:
        report = notification.report
        message.attach(report.filename, bytes(report.xlsx), _XLSX)
    return message


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
    try:
        connection.close()
    except Exception as error:  # noqa: BLE001 - a broken connection is being discarded anyway
        logger.debug("Closing the mail connection failed: %s", error)
