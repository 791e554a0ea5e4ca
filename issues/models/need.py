"""``PlatformNeed``: a need a platform raised between visits, waiting for its cadre to classify it.

The life of one (every step through ``issues.needs``)::

    raised ─► awaiting classification ─classify (A to D)─► became issue #n
                 │
                 ├─ on its classify-by day, still waiting: the responsible cadre is reminded (once)
                 └─ the next working day, still waiting: their unit's leader is told (once)

A need comes from the platform itself, through its standing link (``source="platform"``), or is
entered by its cadre on its behalf (``source="cadre"``, shown as such). Classifying it records an
issue counted from the day the need arrived: the platform's clock started when it asked.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.text_limits import LONG_TEXT_MAX_LENGTH, LimitedCharField, LimitedTextField

from .issue import Issue


class PlatformNeedQuerySet(models.QuerySet):
    def awaiting(self):
        """Not classified yet."""
        return self.filter(issue__isnull=True)


class PlatformNeed(models.Model):
    class Source(models.TextChoices):
        PLATFORM = "platform", _("From the platform directly")
        CADRE = "cadre", _("Entered by the cadre on the platform's behalf")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Not urgent")
        SOON = "soon", _("Soon (within weeks)")
        URGENT = "urgent", _("Urgent (within days)")

    platform = models.ForeignKey(
        "platforms.Platform", verbose_name=_("platform"), on_delete=models.PROTECT, related_name="needs"
    )
    what = LimitedTextField(_("what the problem is"), max_length=LONG_TEXT_MAX_LENGTH)
    service_area = models.CharField(_("service area"), max_length=30, choices=Issue.ServiceArea.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    callback_name = LimitedCharField(_("who to call back"), max_length=50)
    callback_phone = LimitedCharField(_("callback phone"), max_length=30)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    #: The cadre's user who entered it on the platform's behalf; empty when the platform raised it.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received at"))
    #: The day it arrived (Asia/Shanghai): the issue it becomes is recorded on this day.
    received_on = models.DateField(_("received on"))
    #: The last day to classify it: ``PORTAL["NEED_CLASSIFY_WORKING_DAYS"]`` working days after arrival.
    classify_by = models.DateField(_("classify by"))
    issue = models.OneToOneField(
        Issue, verbose_name=_("issue"), on_delete=models.PROTECT, null=True, blank=True, related_name="need"
    )
    classified_at = models.DateTimeField(_("classified at"), null=True, blank=True)
    classified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("classified by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    #: Stamped by the needs sweep, each once: the cadre reminded, the unit's leader told.
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    objects = PlatformNeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("platform need")
        verbose_name_plural = _("platform needs")
        ordering = ["classify_by", "received_at", "id"]
        indexes = [
            # The sweep and the cadre's list read only the needs still waiting, by their date.
            models.Index(fields=["classify_by"], condition=Q(issue__isnull=True), name="need_awaiting_by_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(source="platform", entered_by__isnull=True) | Q(source="cadre", entered_by__isnull=False),
                name="need_source_entered_by",
            ),
        ]

    def __str__(self):
        return f"{self.platform_id} · {self.received_on.isoformat()} · {self.what[:30]}"

    @property
    def is_awaiting(self) -> bool:
        return self.issue_id is None
