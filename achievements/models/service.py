"""Service records (服务记录): what a cadre did for a platform, beyond collecting its issues and
achievements: policy consultation, help with a project application, coordination between
departments, an introduction to a technology intermediary or a venture investor.

A record changes only through ``achievements.service_records``: each change is one function that
checks who may make it. Its history (who changed what, and a deletion with its reason) is kept by
django-simple-history.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.text_limits import LONG_TEXT_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH, LimitedTextField
from issues.models import Issue
from liaison.models import Cadre, Contact
from platforms.models import Platform

from .achievement import Achievement


class ServiceKind(models.TextChoices):
    POLICY_CONSULTATION = "policy_consultation", _("Policy consultation")
    PROJECT_APPLICATION = "project_application", _("Help with a project application")
    COORDINATION = "coordination", _("Coordination between departments")
    INTERMEDIARY = "intermediary", _("Introduction to a technology intermediary")
    INVESTOR = "investor", _("Introduction to a venture investor")
    OTHER = "other", _("Other service")


class ServiceRecord(models.Model):
    """A service given to a platform, credited to the cadre responsible for it that day."""

    Kind = ServiceKind

    platform = models.ForeignKey(
        Platform, verbose_name=_("platform"), on_delete=models.PROTECT, related_name="service_records"
    )
    kind = models.CharField(_("kind of service"), max_length=30, choices=ServiceKind.choices, db_index=True)
    #: The cadre responsible for the platform on ``given_on``: credited with it for good, even after
    #: the platform moves to another cadre (as an achievement's ``collected_by``).
    given_by = models.ForeignKey(
        Cadre, verbose_name=_("given by"), on_delete=models.PROTECT, related_name="services_given"
    )
    given_on = models.DateField(_("given on"), db_index=True)
    achievement = models.ForeignKey(
        Achievement, verbose_name=_("achievement"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="service_records", help_text=_("The platform's achievement the service was for, if any."),
    )
    issue = models.ForeignKey(
        Issue, verbose_name=_("issue"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="service_records", help_text=_("The platform's issue the service was for, if any."),
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="service_records", help_text=_("The contact at which the service was given, if any."),
    )
    description = LimitedTextField(_("what was done"), max_length=LONG_TEXT_MAX_LENGTH)
    outcome = LimitedTextField(_("outcome"), max_length=SHORT_TEXT_MAX_LENGTH, blank=True)

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    #: The reason for a deletion is kept with the history: a text, as long as the reason may be.
    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-given_on", "-id"]
        indexes = [
            models.Index(fields=["platform", "given_on"], name="service_platform_given"),
            models.Index(fields=["given_by", "given_on"], name="service_cadre_given"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ServiceKind.values), name="service_kind_valid"),
            models.CheckConstraint(condition=~Q(description=""), name="service_description_given"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.platform.name if self.platform_id else ''} · {self.given_on}"
