"""Technology demands (技术需求) of districts, counties and parks and of the enterprises in them, and
the matches (对接) between an achievement and a demand.

A demand is raised by a district, county or park (``unit``), for itself or for one of its
enterprises, by that unit's cadres and leader or by bureau staff. Its status:

    open ─a match is confirmed─► matched ─the unit closes it─► closed
    matched ─every match failed─► open;  closed ─reopened─► open (or matched)

A match pairs one achievement with one demand, confirmed by a cadre who steers the achievement or
by the demand's unit. Its own status moves the achievement forward:

    proposed ─► contacted ─► negotiating (achievement: matched -> negotiating) ─► signed
    (achievement transformed, with the demand's enterprise and unit); failed from any status
    before signed.

``match_terms`` (on demands here and on achievements) are the words jieba finds in the title,
sub-field and description, written by the services: what ``achievements.matching`` compares.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from config.text_limits import (
    LONG_TEXT_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    LimitedCharField,
    LimitedTextField,
)
from liaison.models import Unit

from .achievement import Achievement, TechnologyField


class DemandStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("demand status", "Open")
    MATCHED = "matched", pgettext_lazy("demand status", "Matched")
    CLOSED = "closed", pgettext_lazy("demand status", "Closed")


class MatchStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("match status", "Proposed")
    CONTACTED = "contacted", pgettext_lazy("match status", "Contacted")
    NEGOTIATING = "negotiating", pgettext_lazy("match status", "Negotiating")
    SIGNED = "signed", pgettext_lazy("match status", "Signed")
    FAILED = "failed", pgettext_lazy("match status", "Failed")


#: A match's statuses in order; ``failed`` stands apart.
MATCH_STATUS_ORDER = [MatchStatus.PROPOSED, MatchStatus.CONTACTED, MatchStatus.NEGOTIATING, MatchStatus.SIGNED]
#: A match still under way.
LIVE_MATCH_STATUSES = [MatchStatus.PROPOSED, MatchStatus.CONTACTED, MatchStatus.NEGOTIATING]


class Demand(models.Model):
    """A technology demand of a district, county or park, or of an enterprise in one."""

    Status = DemandStatus
    Field = TechnologyField

    unit = models.ForeignKey(
        Unit, verbose_name=_("district, county or park"), on_delete=models.PROTECT, related_name="demands"
    )
    enterprise = LimitedCharField(
        _("enterprise"), max_length=TITLE_MAX_LENGTH, blank=True,
        help_text=_("The enterprise that needs the technology; leave empty if the unit itself does."),
    )
    title = LimitedCharField(_("title"), max_length=TITLE_MAX_LENGTH)
    description = LimitedTextField(_("description"), max_length=LONG_TEXT_MAX_LENGTH, blank=True)
    technology_field = models.CharField(
        _("technology field"), max_length=30, choices=TechnologyField.choices, db_index=True
    )
    sub_field = LimitedCharField(_("sub-field"), max_length=100, blank=True)
    budget = models.DecimalField(
        _("budget (10,000 yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    wanted_by = models.DateField(_("wanted by"), null=True, blank=True)
    contact_person = LimitedCharField(
        _("contact person"), max_length=SHORT_TEXT_MAX_LENGTH, blank=True,
        help_text=_("Who to call about the demand, with a phone number."),
    )
    status = models.CharField(_("status"), max_length=10, choices=DemandStatus.choices, default=DemandStatus.OPEN)
    close_reason = LimitedTextField(_("reason for closing"), max_length=SHORT_TEXT_MAX_LENGTH, blank=True)
    match_terms = models.TextField(_("match terms"), blank=True, editable=False)

    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )
    raised_on = models.DateField(_("raised on"), default=timezone.localdate, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["match_terms"])

    class Meta:
        verbose_name = _("technology demand")
        verbose_name_plural = _("technology demands")
        ordering = ["-raised_on", "-id"]
        indexes = [models.Index(fields=["status", "technology_field"], name="demand_status_field")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DemandStatus.values), name="demand_status_valid"),
            models.CheckConstraint(condition=Q(budget__isnull=True) | Q(budget__gte=0), name="demand_budget_not_negative"),
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(close_reason=""), name="demand_closed_has_reason"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open_for_matching(self) -> bool:
        return self.status != DemandStatus.CLOSED

    @property
    def who(self) -> str:
        """The enterprise and its unit, or the unit alone."""
        return f"{self.enterprise}（{self.unit}）" if self.enterprise else str(self.unit)


class Match(models.Model):
    """An achievement paired with a demand, and how far the pairing has come."""

    Status = MatchStatus

    achievement = models.ForeignKey(
        Achievement, verbose_name=_("achievement"), on_delete=models.PROTECT, related_name="matches"
    )
    demand = models.ForeignKey(Demand, verbose_name=_("demand"), on_delete=models.PROTECT, related_name="matches")
    status = models.CharField(_("status"), max_length=12, choices=MatchStatus.choices, default=MatchStatus.PROPOSED)
    #: The fit when it was confirmed (0 to 100) and the words that matched: why it was suggested.
    fit = models.PositiveSmallIntegerField(_("fit"), default=0)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    note = LimitedTextField(_("note"), max_length=SHORT_TEXT_MAX_LENGTH, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), on_delete=models.PROTECT, related_name="+"
    )
    confirmed_on = models.DateField(_("confirmed on"), default=timezone.localdate)
    status_changed_on = models.DateField(_("status since"), default=timezone.localdate)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["-confirmed_on", "-id"]
        # The lists' default order, read from the newest: a page of 50 without sorting every match.
        indexes = [models.Index(fields=["-confirmed_on", "-id"], name="match_newest")]
        constraints = [
            models.UniqueConstraint(fields=["achievement", "demand"], name="match_one_per_pair"),
            models.CheckConstraint(condition=Q(status__in=MatchStatus.values), name="match_status_valid"),
            models.CheckConstraint(condition=Q(fit__lte=100), name="match_fit_at_most_100"),
        ]

    def __str__(self):
        return f"{self.achievement} ↔ {self.demand}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_MATCH_STATUSES
