"""What the periodic jobs send, and the bookkeeping that makes each send happen exactly once.

- ``Notification``: one message to one person (in the inbox at once, by e-mail when delivered).
  Its ``key`` says what it is for whom ("this reminder for this deadline to this person"); the
  unique constraint on it is the last guard against a duplicate, whatever retries or double runs.
- ``DispatchReport``: the weekly periodic-dispatch report (定期调度), its figures and its Excel file,
  which the report's notifications refer to.
- ``SweepRun``: one row per sweep kind and day. A sweep locks its row first, so two sweeps of the
  same kind and day run one after the other, the second seeing what the first wrote.
- ``NotificationPreference``: a user's language for e-mail, chosen with the language switch.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.models import Assignment
from platforms.models import Platform

from .issue import Issue


class DispatchReport(models.Model):
    """The periodic dispatch report for one week (Monday to Sunday), made once."""

    period_start = models.DateField(_("period start"))
    #: The last day of the period, inclusive.
    period_end = models.DateField(_("period end"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    #: The report's numbers as built by ``issues.reports.report_figures`` (JSON-safe).
    figures = models.JSONField(_("figures"), default=dict)
    #: The Excel workbook sent with the e-mail, kept so the inbox and the admin can offer it again.
    xlsx = models.BinaryField(_("Excel file"), editable=False)

    class Meta:
        verbose_name = _("dispatch report")
        verbose_name_plural = _("dispatch reports")
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["period_start", "period_end"], name="dispatchreport_one_per_period"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="dispatchreport_period_ordered"),
        ]

    def __str__(self):
        return f"{self.period_start.isoformat()} – {self.period_end.isoformat()}"

    @property
    def filename(self) -> str:
        return f"dispatch-report-{self.period_start.isoformat()}-{self.period_end.isoformat()}.xlsx"


class Notification(models.Model):
    """One message to one person: shown in their inbox, and e-mailed once."""

    class Kind(models.TextChoices):
        ISSUE_REMINDER = "issue_reminder", _("Issue due soon")
        ISSUE_ESCALATION = "issue_escalation", _("Issue overdue: escalated")
        QUARTER_CONTACT = "quarter_contact", _("Platform not yet contacted this quarter")
        QUARTER_CONTACT_UNIT = "quarter_contact_unit", _("Platforms of the unit not contacted this quarter")
        FIRST_CONTACT = "first_contact", _("New assignment: first contact late")
        FIRST_VISIT = "first_visit", _("New assignment: first visit late")
        DISPATCH_REPORT = "dispatch_report", _("Periodic dispatch report")
        ISSUE_HANDED_OVER = "issue_handed_over", _("Issue handed over to your unit")
        EXTENSION_DECIDED = "extension_decided", _("Extension request decided")
        PLATFORM_TRANSFERRED = "platform_transferred", _("Platform transferred to you")

    class EmailStatus(models.TextChoices):
        PENDING = "pending", _("Waiting to be e-mailed")
        SENT = "sent", _("E-mailed")
        #: The recipient has no e-mail address: the inbox is the only delivery.
        SKIPPED = "skipped", _("Not e-mailed: no address")
        #: Every attempt failed; ``last_error`` says why. An admin may set it back to pending.
        FAILED = "failed", _("E-mail failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    #: What this is and for whom, e.g. ``reminder:3:issue:42:due:2026-05-15:user:7``: unique, so the
    #: same reminder for the same deadline never reaches the same person twice.
    key = models.CharField(_("key"), max_length=200, unique=True)
    #: The text in the portal's default language as written: what the admin and searches read, and
    #: what is shown when ``params`` is empty (a row written before texts had params).
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    #: What the text is made of: ``issues.notices`` renders the subject and body of ``kind`` from it
    #: in the reader's language (the inbox) or the recipient's (the e-mail).
    params = models.JSONField(
        _("text parameters"), default=dict, blank=True, db_default=models.Value({}, output_field=models.JSONField())
    )

    #: What it concerns (at most a few are set).
    issue = models.ForeignKey(
        Issue, verbose_name=_("issue"), on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    platform = models.ForeignKey(
        Platform, verbose_name=_("platform"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    report = models.ForeignKey(
        DispatchReport,
        verbose_name=_("report"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
    )

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
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
            # The delivery queue stays small however many notifications have been sent.
            models.Index(fields=["id"], condition=Q(email_status="pending"), name="notification_email_pending"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[
                    "issue_reminder", "issue_escalation", "quarter_contact", "quarter_contact_unit",
                    "first_contact", "first_visit", "dispatch_report", "issue_handed_over", "extension_decided",
                    "platform_transferred",
                ]),
                name="notification_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(email_status="sent", emailed_at__isnull=False)
                | Q(email_status__in=["pending", "skipped", "failed"], emailed_at__isnull=True),
                name="notification_emailed_at_matches_status",
            ),
        ]

    def __str__(self):
        return f"{self.recipient_id} · {self.subject}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


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
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user_id} · {self.language}"


class SweepRun(models.Model):
    """A sweep's lock and its record for one day (Asia/Shanghai).

    The sweep takes this row with ``select_for_update`` before it reads anything, so concurrent
    sweeps of one kind and day are serialised; the counts say what the runs did.
    """

    class Kind(models.TextChoices):
        DEADLINES = "deadlines", _("Deadline sweep")
        CONTACT_DUTIES = "contact_duties", _("Contact duties")
        DISPATCH_REPORT = "dispatch_report", _("Periodic dispatch report")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    day = models.DateField(_("day"))
    runs = models.PositiveIntegerField(_("runs"), default=0)
    notifications_created = models.PositiveIntegerField(_("notifications created"), default=0)
    last_run_at = models.DateTimeField(_("last run at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sweep run")
        verbose_name_plural = _("sweep runs")
        ordering = ["-day", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "day"], name="sweeprun_one_per_kind_and_day"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.day.isoformat()}"
