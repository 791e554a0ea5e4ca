"""The inbox's reads: a user's notices, each in the reader's language, with where it links."""

from collections.abc import Iterable

from django.conf import settings
from django.db.models import QuerySet

from . import registry
from .models import Notification, NotificationPreference
from .registry import Text


def inbox_for(user) -> QuerySet:
    """The user's notifications, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_text(notification: Notification) -> Text:
    """The notification's subject and body in the active language (rendered by its kind); the
    stored text for a row without params or of a kind no room registers."""
    rendered = registry.render(notification.kind, notification.params)
    return rendered or Text(notification.subject, notification.body)


def with_texts(rows: Iterable[Notification]) -> list[Notification]:
    """The rows, each with ``text`` (its subject and body in the active language) and ``kind_label``."""
    rows = list(rows)
    for row in rows:
        row.text = notification_text(row)
        row.kind_label = registry.kind_label(row.kind)
    return rows


def with_links(user, rows: list[Notification]) -> list[Notification]:
    """Set on each row what it is about as the inbox shows it: ``about`` (the record's name),
    ``link`` (its page, only if ``user`` may still open it), ``open_label`` and ``closed_label``
    (why there is no link). Two queries per kind of topic on the page, whatever its size."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        name, record_id = registry.topic_parts(row.topic)
        if record_id is not None:
            wanted.setdefault(name, set()).add(record_id)
    topics = registry.topics()
    labels: dict[str, dict[int, str]] = {}
    openable: dict[str, set[int]] = {}
    for name, ids in wanted.items():
        if name in topics:
            labels[name] = topics[name].labels(ids)
            openable[name] = topics[name].openable(user, ids) if topics[name].url else set()
    for row in rows:
        name, record_id = registry.topic_parts(row.topic)
        topic = topics.get(name)
        row.about = labels.get(name, {}).get(record_id, "")
        row.link = ""
        row.open_label = row.closed_label = ""
        if topic is None or record_id is None or topic.url is None:
            continue
        if record_id in openable.get(name, set()):
            row.link = topic.url(record_id)
            row.open_label = str(topic.open_label)
        else:
            row.closed_label = str(topic.closed_label)
    return rows


def saved_language(user) -> str:
    """The language ``user`` chose with the switch when signed in, or "" if they never did."""
    return NotificationPreference.objects.filter(user=user).values_list("language", flat=True).first() or ""


def recipient_languages(user_ids) -> dict[int, str]:
    """The language each of ``user_ids`` reads their e-mail in (their choice, else the portal's
    default), in one query."""
    chosen = dict(NotificationPreference.objects.filter(user_id__in=user_ids).exclude(language="")
                  .values_list("user_id", "language"))
    return {user_id: chosen.get(user_id) or settings.LANGUAGE_CODE for user_id in user_ids}
