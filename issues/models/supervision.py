"""``Supervision`` (督办): bureau staff chase an issue with a written instruction and a reply-by date.

The life of one (every step through ``issues.supervision``, each on the issue's timeline)::

    (open) ─► open ─reply─► replied ─close─► closed
               │  ▲            │
               │  └──renew─────┘     (renew: a new instruction and reply-by; the round counts up)
               └──close──────────────► closed

An open supervision past its reply-by date (the end of that day, Asia/Shanghai) is overdue; the
daily supervision sweep escalates it to the office's leader once per round (``escalated_at``).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.text_limits import LONG_TEXT_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH, LimitedTextField
from liaison.models import Unit, user_display_name

from .issue import Issue


class SupervisionQuerySet(models.QuerySet):
    def live(self):
        """Open or replied: not closed. An issue has at most one."""
        return self.filter(status__in=Supervision.LIVE_STATUSES)

    def overdue(self, today):
        """Open (not replied) supervisions whose reply-by date ended before ``today`` (Asia/Shanghai)."""
        return self.filter(status=Supervision.Status.OPEN, reply_by__lt=today)


class Supervision(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting reply")
        REPLIED = "replied", _("Replied")
        CLOSED = "closed", _("Closed")

    #: At most one supervision of an issue is in these at a time.
    LIVE_STATUSES = (Status.OPEN, Status.REPLIED)

    issue = models.ForeignKey(Issue, verbose_name=_("issue"), on_delete=models.PROTECT, related_name="supervisions")
    #: The unit responsible when it was opened: the unit of the platform's cadre then (of the cadre
    #: who recorded the issue, if the platform had none). Its leader is told and may reply.
    unit = models.ForeignKey(Unit, verbose_name=_("responsible unit"), on_delete=models.PROTECT,
                             related_name="supervisions")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT,
                                  related_name="+")
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    #: The instruction in force: the first one, or the latest renewal's (the earlier ones are on the timeline).
    instruction = LimitedTextField(_("instruction"), max_length=LONG_TEXT_MAX_LENGTH)
    reply_working_days = models.PositiveSmallIntegerField(_("working days to reply"))
    #: The day the reply-by date counts from (not counted itself): the opening day, or the latest renewal's.
    counted_from = models.DateField(_("counted from"))
    reply_by = models.DateField(_("reply by"))
    #: Counted on weekdays alone because the count reached a year whose calendar is not loaded.
    reply_by_provisional = models.BooleanField(_("reply-by date provisional"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)

    #: This round's reply; cleared by a renewal (the earlier replies are on the timeline).
    reply = LimitedTextField(_("reply"), max_length=LONG_TEXT_MAX_LENGTH, blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("replied by"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)

    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("closed by"), on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_note = LimitedTextField(_("closing note"), max_length=SHORT_TEXT_MAX_LENGTH, blank=True)

    #: How many times staff sent it back with a new instruction (the round; 0 for the first).
    renew_count = models.PositiveSmallIntegerField(_("times renewed"), default=0)
    #: When the sweep escalated this round, overdue, to the office's leader; empty until then, and
    #: again after a renewal. Set only by the sweep.
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    objects = SupervisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")
        ordering = ["-opened_at", "-id"]
        indexes = [
            # The sweep's query: open, not escalated this round, reply-by before a date.
            models.Index(fields=["status", "reply_by"], name="supervision_status_reply_by"),
            models.Index(fields=["unit", "status"], name="supervision_unit_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["issue"], condition=Q(status__in=["open", "replied"]), name="supervision_one_live_per_issue"
            ),
            models.CheckConstraint(condition=Q(status__in=["open", "replied", "closed"]), name="supervision_status_valid"),
            models.CheckConstraint(condition=Q(reply_working_days__gte=1), name="supervision_reply_days_positive"),
            models.CheckConstraint(condition=Q(reply_by__gt=F("counted_from")), name="supervision_reply_by_after_count"),
            models.CheckConstraint(
                condition=Q(status="open", reply="", replied_at__isnull=True, replied_by__isnull=True)
                | Q(status="replied", replied_at__isnull=False) & ~Q(reply="")
                | Q(status="closed"),
                name="supervision_reply_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False) | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="supervision_closed_at_matches_status",
            ),
        ]

    def __str__(self):
        return f"{self.issue_id} · {self.get_status_display()} · {self.reply_by.isoformat()}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    @property
    def escalated(self) -> bool:
        return self.escalated_at is not None

    # Names as the portal shows them, for the pages (the users are joined by the reads that show them).

    @property
    def opened_by_name(self) -> str:
        return user_display_name(self.opened_by)

    @property
    def replied_by_name(self) -> str:
        return user_display_name(self.replied_by) if self.replied_by_id else ""

    @property
    def closed_by_name(self) -> str:
        return user_display_name(self.closed_by) if self.closed_by_id else ""
