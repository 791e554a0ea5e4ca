"""The rows of the notification machinery.

- ``Notification``: one message to one person (in the inbox at once, by e-mail when delivered).
  Its ``key`` says what it is for whom ("this reminder for this deadline to this person"); the
  unique constraint on it is the last guard against a duplicate, whatever retries or double runs.
  What it is about is its ``topic`` ("issue:42", "platform:7", "achievement:5"), resolved by the
  room that registered the topic (``notices.registry``): this room knows no other room's tables.
- ``SweepRun``: one row per sweep kind and day. A sweep locks its row first, so two sweeps of the
  same kind and day run one after the other, the second seeing what the first wrote.
- ``NotificationPreference``: a user's language for e-mail, chosen with the language switch.

The tables keep the names they had when the machinery lived in ``issues`` (``issues_notification``
and so on): the rows moved rooms, not databases.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .registry import sweep_label


class Notification(models.Model):
    """One message to one person: shown in their inbox, and e-mailed once."""

    class EmailStatus(models.TextChoices):
        PENDING = "pending", _("Waiting to be e-mailed")
        SENT = "sent", _("E-mailed")
        #: The recipient has no e-mail address: the inbox is the only delivery.
        SKIPPED = "skipped", _("Not e-mailed: no address")
        #: Every attempt failed; ``last_error`` says why. An admin may set it back to pending.
        FAILED = "failed", _("E-mail failed")

    #: The person it is for; empty for a message to someone outside the portal (``address``),
    #: which no inbox lists.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="notifications",
        null=True,
        blank=True,
    )
    #: An outside address to e-mail (a platform's contact), when there is no ``recipient``.
    #: (A database default too: the benchmarks' bulk loaders insert rows without it.)
    address = models.EmailField(_("e-mail address"), blank=True, default="", db_default="")
    #: One of the kinds the rooms register (``notices.registry.register_kind``), which says how
    #: its text is rendered from ``params``.
    kind = models.CharField(_("kind"), max_length=40)
    #: What this is and for whom, e.g. ``reminder:3:issue:42:due:2026-05-15:user:7``: unique, so the
    #: same reminder for the same deadline never reaches the same person twice.
    key = models.CharField(_("key"), max_length=200, unique=True)
    #: The text in the portal's default language as written: what the admin and searches read, and
    #: what is shown when ``params`` is empty (a row written before texts had params).
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    #: What the text is made of: the kind's renderer makes the subject and body from it in the
    #: reader's language (the inbox) or the recipient's (the e-mail).
    params = models.JSONField(
        _("text parameters"), default=dict, blank=True, db_default=models.Value({}, output_field=models.JSONField())
    )
    #: What it is about, as ``"<topic>:<id>"`` (e.g. ``issue:42``), or "" for nothing in particular:
    #: where the inbox and the e-mail link to, if the reader may still open it.
    topic = models.CharField(_("about"), max_length=60, blank=True, default="", db_index=True)

    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    email_status = models.CharField(
        _("e-mail"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    #: After a failed attempt, not before this (backing off while the mail server is down).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        db_table = "issues_notification"
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
            # The delivery queue stays small however many notifications have been sent.
            models.Index(fields=["id"], condition=Q(email_status="pending"), name="notification_email_pending"),
            # The admin's list, newest first: a page read in order, not every notification sorted.
            models.Index(fields=["-created_at", "-id"], name="notification_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False, address="") | Q(recipient__isnull=True) & ~Q(address=""),
                name="notification_recipient_or_address",
            ),
            models.CheckConstraint(
                condition=Q(email_status="sent", emailed_at__isnull=False)
                | Q(email_status__in=["pending", "skipped", "failed"], emailed_at__isnull=True),
                name="notification_emailed_at_matches_status",
            ),
        ]

    def __str__(self):
        return f"{self.recipient_id or self.address} · {self.subject}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def topic_name(self) -> str:
        """The topic's kind of record ("issue"), or ""."""
        return self.topic.partition(":")[0]


class NotificationPreference(models.Model):
    """How a user wants to be notified: for now, the language of their e-mail.

    Recorded when a signed-in user uses the language switch (the pages follow the switch's cookie);
    a user without one is e-mailed in the portal's default language.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "issues_notificationpreference"
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user_id} · {self.language}"


class SweepRun(models.Model):
    """A sweep's lock and its record for one day (Asia/Shanghai).

    The sweep takes this row with ``select_for_update`` before it reads anything, so concurrent
    sweeps of one kind and day are serialised; the counts say what the runs did. ``kind`` is the
    name a room registered its sweep under (``notices.registry.register_sweep``).
    """

    kind = models.CharField(_("kind"), max_length=40)
    day = models.DateField(_("day"))
    runs = models.PositiveIntegerField(_("runs"), default=0)
    notifications_created = models.PositiveIntegerField(_("notifications created"), default=0)
    last_run_at = models.DateTimeField(_("last run at"), null=True, blank=True)

    class Meta:
        db_table = "issues_sweeprun"
        verbose_name = _("sweep run")
        verbose_name_plural = _("sweep runs")
        ordering = ["-day", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "day"], name="sweeprun_one_per_kind_and_day"),
        ]

    def __str__(self):
        return f"{sweep_label(self.kind)} {self.day.isoformat()}"


class IdempotencyKey(models.Model):
    """A request that created something, remembered by the key its client sent with it, so that a
    retry (a second tap on a weak connection, a client resending a POST) answers as the first did
    instead of creating again (``notices.idempotency``). Keys are per user; they are forgotten
    after a day (``idempotency_keys_forget``, a periodic job in ``config.schedules``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    #: What the client sent: the contact form's hidden field, or the API's ``Idempotency-Key`` header.
    key = models.CharField(_("key"), max_length=255)
    #: What the request was (method, path and a digest of its body): the same key with another
    #: request is refused rather than answered with the first one's response.
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    #: The first response: its status, its body (the API's JSON) and where it led (the form's redirect).
    status = models.PositiveSmallIntegerField(_("response status"))
    body = models.JSONField(_("response body"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotencykey_one_per_user_and_key"),
        ]

    def __str__(self):
        return f"{self.user_id} · {self.key}"
