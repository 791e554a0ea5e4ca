"""Every change of state of the notification machinery; ``notices_send`` is the one door through
which every room sends.

In-app delivery is the row itself: once written (in the caller's transaction, with the timeline
entry or escalation that caused it) it is in the recipient's inbox. E-mail delivery follows after
the commit (``notices.delivery``).
"""

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import registry
from .bulk import insert_rows
from .delivery import enqueue_delivery, one_line
from .models import Notification, NotificationPreference

EmailStatus = Notification.EmailStatus


class Notice(NamedTuple):
    """One notice to send: what it is (``key``, unique: the same key is never sent twice), to whom,
    of which registered ``kind`` and made of which ``params``, and what it is about (``topic``, e.g.
    ``registry.topic("issue", 42)``; "" for nothing in particular).

    ``key`` holds no whitespace: an e-mail that carries several notices names their keys in one
    header, separated by spaces (``delivery.carried_keys``).

    ``subject`` and ``body`` are its text in the portal's default language, stored with the row for
    the admin and searches; left empty, ``notices_send`` renders them. (A sweep making thousands
    renders them itself, under one ``translation.override``.) A named tuple: a sweep makes thousands.
    """

    key: str
    kind: str
    recipient_id: int | None
    params: dict
    topic: str = ""
    subject: str = ""
    body: str = ""
    #: For printing (``enforce``): the recipient's name and address.
    recipient_label: str = ""
    #: Instead of a ``recipient_id`` (then None): an outside e-mail address, e.g. a platform's
    #: contact. E-mailed only, in the portal's default language, with no link into the portal.
    address: str = ""


def notices_send(notices: Iterable[Notice], *, now=None, dry_run: bool = False) -> list[Notification]:
    """Send the notices whose key is not taken yet, in the inbox now and by e-mail after the commit;
    return the rows written (with ``dry_run``: those that would be, unsaved, writing nothing).

    Call it inside the transaction that makes the change causing them. A key already taken is left
    out, so a repeated call sends nothing twice; two calls racing for a key are settled by the
    unique constraint (on PostgreSQL the insert skips a taken key, ``ON CONFLICT DO NOTHING``;
    elsewhere, or when another constraint fails, the rows are inserted one by one, each in a
    savepoint, keeping those that fit).
    """
    now = now or timezone.now()
    seen: set[str] = set()
    rows = []  # values in the order of _FIELDS: a sweep sends thousands (see notices.bulk)
    for notice in notices:
        if notice.key in seen:
            continue
        if not notice.key or len(notice.key.split()) != 1:
            raise ValueError(f"A notice's key must be one word: {notice.key!r}")
        seen.add(notice.key)
        subject, body = notice.subject, notice.body
        if not subject:
            with translation.override(settings.LANGUAGE_CODE):
                subject, body = registry.render(notice.kind, notice.params) or ("", "")
        rows.append((notice.key, notice.kind, notice.recipient_id,
                     notice.address if notice.recipient_id is None else "", one_line(subject)[:300], body,
                     notice.params or {}, notice.topic))
    if dry_run or connection.vendor != "postgresql":
        taken = existing_keys(row[0] for row in rows)
        rows = [row for row in rows if row[0] not in taken]
    if dry_run or not rows:
        return [_notification(row, now) for row in rows]
    try:
        with transaction.atomic():
            written = insert_rows(Notification, _FIELDS, rows, same={"created_at": now}, skip_conflicts_on="key",
                                  returning=["key"])
    except IntegrityError:
        inserted = []
        for row in (_notification(values, now) for values in rows):
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except IntegrityError:
                continue
            inserted.append(row)
    else:
        ids = {key: pk for pk, key in written}
        inserted = _saved_notifications([row for row in rows if row[0] in ids], ids, now)
    enqueue_delivery(inserted)
    return inserted


_FIELDS = ("key", "kind", "recipient_id", "address", "subject", "body", "params", "topic")


def _notification(values: tuple, created_at) -> Notification:
    return Notification(created_at=created_at, **dict(zip(_FIELDS, values, strict=True)))


def _saved_notifications(rows: list[tuple], ids: dict[str, int], created_at) -> list[Notification]:
    """The rows just inserted, as instances: made as the ORM makes the rows it reads (``from_db``,
    positional), a third of the cost of keyword arguments for a sweep's thousands."""
    columns = [f.attname for f in Notification._meta.concrete_fields]
    defaults = [None if f.primary_key or f.has_db_default() else f.get_default()
                for f in Notification._meta.concrete_fields]
    at = {name: index for index, name in enumerate(columns)}
    slots = [at[name] for name in _FIELDS]
    defaults[at["created_at"]] = created_at
    made = []
    for row in rows:
        values = list(defaults)
        values[at["id"]] = ids[row[0]]
        for slot, value in zip(slots, row, strict=True):
            values[slot] = value
        made.append(Notification.from_db(connection.alias, columns, values))
    return made


def existing_keys(keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    found: set[str] = set()
    for start in range(0, len(keys), 2000):  # stay under SQLite's bound-parameter limit
        found.update(Notification.objects.filter(key__in=keys[start:start + 2000]).values_list("key", flat=True))
    return found


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
    return Notification.objects.filter(
        pk__in=list(notification_ids), email_status__in=[EmailStatus.FAILED, EmailStatus.SKIPPED]
    ).update(email_status=EmailStatus.PENDING, attempts=0, next_attempt_at=None, last_error="")
