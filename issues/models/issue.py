from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.text_limits import (
    LONG_TEXT_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    LimitedCharField,
    LimitedTextField,
)
from liaison.models import Assignment, Cadre, Contact, Unit
from platforms.models import Platform


class IssueClass(models.TextChoices):
    A = "A", _("A: solved on the spot")
    B = "B", _("B: solved by the cadre's own unit")
    C = "C", _("C: needs coordination between units")
    D = "D", _("D: needs city-level dispatch")


#: The limit for each class, in working days after the day the issue was recorded. Class A has
#: none: it is recorded as solved.
WORKING_DAYS_BY_CLASS = {IssueClass.B: 10, IssueClass.C: 15, IssueClass.D: 30}


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("Not escalated")
    UNIT_LEADER = 1, _("Escalated to the unit leader")
    OFFICE = 2, _("Escalated to the office")


class IssueQuerySet(models.QuerySet):
    def open(self):
        """Issues whose clock is running: recorded or handed over, not yet closed."""
        return self.filter(status__in=Issue.OPEN_STATUSES)

    def clock_stopped(self):
        return self.filter(status__in=Issue.CLOSED_STATUSES)

    def overdue(self, today):
        """Open issues whose due date ended before ``today`` (a date in Asia/Shanghai)."""
        return self.open().filter(due_date__lt=today)

    def with_responsible_cadre(self):
        """Annotate the platform's current responsible cadre and that cadre's unit.

        First-inquiry responsibility follows the platform: when a platform is transferred, its
        issues go with it, so this is read from the active assignment, never copied onto the issue.
        """
        active = Assignment.objects.active().filter(platform=OuterRef("platform_id"))
        return self.annotate(
            responsible_cadre_id=Subquery(active.values("cadre_id")[:1]),
            responsible_unit_id=Subquery(active.values("cadre__unit_id")[:1]),
        )

    def responsible_unit(self, unit_id):
        """Issues whose platform's current cadre belongs to ``unit_id``."""
        active = Assignment.objects.active().filter(platform=OuterRef("platform_id"), cadre__unit_id=unit_id)
        return self.filter(Exists(active))


class Issue(models.Model):
    """An issue a platform raised (问题清单), classified A to D, with its deadline.

    ``status``, the dates and the handover change only through ``issues.services``: each action
    is one function that checks who may take it and records it on the timeline.

    The state machine::

        (create A) ───────────────────────────────────────────────► resolved
        (create B/C/D) ─► open ─hand over─► handed_over ─┬─► solution_determined ─► resolved
                            └──────────────────────────────┴──────────────────────────► resolved
        solution_determined / resolved ─reopen─► open or handed_over (as before closing)

    Determining a solution or resolving stops the clock (``closed_on``, ``closure_kind``,
    ``on_time``); resolving after a solution was determined keeps the clock where it stopped.
    Reopening restarts nothing: the due date stands, and the issue is late if it has passed.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        HANDED_OVER = "handed_over", _("Handed over (in progress)")
        SOLUTION_DETERMINED = "solution_determined", _("Solution determined")
        RESOLVED = "resolved", _("Resolved")

    #: The clock runs in these statuses.
    OPEN_STATUSES = (Status.OPEN, Status.HANDED_OVER)
    #: The clock has stopped in these.
    CLOSED_STATUSES = (Status.SOLUTION_DETERMINED, Status.RESOLVED)

    class ServiceArea(models.TextChoices):
        CONDITION_BUILDING = "condition_building", _("Condition building")
        TECHNOLOGY_INNOVATION = "technology_innovation", _("Technology innovation")
        ACHIEVEMENT_TRANSFORMATION = "achievement_transformation", _("Achievement transformation")
        TALENT_CULTIVATION = "talent_cultivation", _("Talent cultivation")
        OTHER = "other", _("Other")

    class ClosureKind(models.TextChoices):
        RESOLVED = "resolved", _("Resolved")
        SOLUTION_DETERMINED = "solution_determined", _("Solution determined")

    EscalationLevel = EscalationLevel

    platform = models.ForeignKey(Platform, verbose_name=_("platform"), on_delete=models.PROTECT, related_name="issues")
    #: The cadre who recorded the issue. The cadre responsible *now* is the platform's current
    #: cadre: see ``IssueQuerySet.with_responsible_cadre``.
    recorded_by = models.ForeignKey(
        Cadre, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="recorded_issues"
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issues",
        help_text=_("The contact at which the platform raised the issue."),
    )
    title = LimitedCharField(_("title"), max_length=TITLE_MAX_LENGTH)
    description = LimitedTextField(_("description"), max_length=LONG_TEXT_MAX_LENGTH, blank=True)
    service_area = models.CharField(_("service area"), max_length=30, choices=ServiceArea.choices)
    issue_class = models.CharField(_("class"), max_length=1, choices=IssueClass.choices, db_index=True)
    recorded_on = models.DateField(_("recorded on"), db_index=True)
    #: The day the working days are counted from: the recorded date, except for a class A issue
    #: that was reopened (it had no clock until then, so its new clock starts at the reopening).
    clock_started_on = models.DateField(_("counted from"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, db_index=True)

    #: The class's limit counted from ``clock_started_on``, before any extension.
    original_due_date = models.DateField(_("original due date"), null=True, blank=True)
    #: The deadline in force: the original one moved by approved extensions.
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    #: Computed on weekdays alone because the count reached a year whose calendar is not loaded.
    due_date_provisional = models.BooleanField(_("due date provisional"), default=False)

    handed_to_unit = models.ForeignKey(
        Unit,
        verbose_name=_("lead unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_issues",
        help_text=_("B: the cadre's own unit; C: the lead unit; D: the city committee's office."),
    )
    cooperating_units = models.ManyToManyField(
        Unit, verbose_name=_("cooperating units"), blank=True, related_name="cooperating_issues"
    )
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)

    #: Class A: what the cadre answered on the spot.
    answer = LimitedTextField(_("answer given on the spot"), max_length=LONG_TEXT_MAX_LENGTH, blank=True)
    solution = LimitedTextField(_("solution determined"), max_length=LONG_TEXT_MAX_LENGTH, blank=True)
    resolution = LimitedTextField(_("how it was resolved"), max_length=LONG_TEXT_MAX_LENGTH, blank=True)

    #: When and how the clock stopped, and whether that was within the deadline.
    closed_on = models.DateField(_("clock stopped on"), null=True, blank=True)
    closure_kind = models.CharField(_("clock stopped by"), max_length=20, choices=ClosureKind.choices, blank=True)
    on_time = models.BooleanField(_("on time"), null=True, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    #: How far the deadline sweep has escalated the issue for its due date in force (see
    #: ``issues.enforcement``): 0 not escalated, 1 to the unit leader, 2 to the office. Set only by
    #: the sweep; back to 0 when an extension moves the due date past today.
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )

    #: The platform's rating of the closure (1-5): given through its rating link, or entered by the
    #: cadre on its behalf (the RATED timeline entry says which).
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = LimitedTextField(_("rating comment"), max_length=SHORT_TEXT_MAX_LENGTH, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = IssueQuerySet.as_manager()

    class Meta:
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        ordering = ["-recorded_on", "-id"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="issue_status_due"),
            models.Index(fields=["platform", "recorded_on"], name="issue_platform_recorded"),
            # The deadline sweep's escalation query: open, not yet at a level, due before a date.
            models.Index(fields=["status", "escalation_level", "due_date"], name="issue_status_level_due"),
            # The evaluation's issues closed in a period: a period's rows, not every year's.
            models.Index(fields=["closed_on"], name="issue_closed_on"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(issue_class__in=IssueClass.values), name="issue_class_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "handed_over", "solution_determined", "resolved"]),
                name="issue_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    service_area__in=[
                        "condition_building",
                        "technology_innovation",
                        "achievement_transformation",
                        "talent_cultivation",
                        "other",
                    ]
                ),
                name="issue_service_area_valid",
            ),
            # Class A is solved when logged, with its answer, and has no deadline.
            models.CheckConstraint(
                condition=~Q(issue_class="A")
                | (Q(status="resolved") & ~Q(answer="") & Q(due_date__isnull=True, original_due_date__isnull=True)),
                name="issue_class_a_answered_and_resolved",
            ),
            models.CheckConstraint(
                condition=Q(issue_class="A")
                | Q(due_date__isnull=False, original_due_date__isnull=False, due_date__gte=F("original_due_date")),
                name="issue_bcd_has_due_date",
            ),
            models.CheckConstraint(
                condition=Q(clock_started_on__gte=F("recorded_on")), name="issue_clock_starts_when_recorded_or_later"
            ),
            # The clock has stopped exactly when the status says so, and we know how and whether in time.
            models.CheckConstraint(
                condition=(
                    Q(status__in=["open", "handed_over"], closed_on__isnull=True, closure_kind="", on_time__isnull=True)
                    | Q(
                        status="solution_determined",
                        closed_on__isnull=False,
                        closure_kind="solution_determined",
                        on_time__isnull=False,
                    )
                    | Q(status="resolved", closed_on__isnull=False, on_time__isnull=False)
                    & Q(closure_kind__in=["resolved", "solution_determined"])
                ),
                name="issue_clock_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("recorded_on")),
                name="issue_closed_after_recorded",
            ),
            models.CheckConstraint(
                condition=Q(status="resolved", resolved_on__isnull=False) | (~Q(status="resolved") & Q(resolved_on__isnull=True)),
                name="issue_resolved_on_matches_status",
            ),
            models.CheckConstraint(
                condition=~Q(status="handed_over") | Q(handed_to_unit__isnull=False),
                name="issue_handed_over_has_unit",
            ),
            models.CheckConstraint(condition=Q(escalation_level__in=[0, 1, 2]), name="issue_escalation_level_valid"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True)
                | Q(rating__gte=1, rating__lte=5, status__in=["solution_determined", "resolved"]),
                name="issue_rating_1_to_5_when_closed",
            ),
        ]

    def __str__(self):
        return f"[{self.issue_class}] {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def working_day_limit(self) -> int | None:
        return WORKING_DAYS_BY_CLASS.get(self.issue_class)


class IssueEvent(models.Model):
    """One entry on an issue's timeline: what happened, who did it (empty for the system), when."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        CLASSIFIED = "classified", _("Classified")
        RECLASSIFIED = "reclassified", _("Reclassified")
        HANDED_OVER = "handed_over", _("Handed over")
        COMMENTED = "commented", _("Commented")
        #: For the periodic jobs: a reminder sent before or on the due date.
        REMINDED = "reminded", _("Reminded")
        #: For the periodic jobs: escalated to the unit leader or the office once overdue.
        ESCALATED = "escalated", _("Escalated")
        EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
        EXTENDED = "extended", _("Extended")
        EXTENSION_REFUSED = "extension_refused", _("Extension refused")
        SOLUTION_DETERMINED = "solution_determined", _("Solution determined")
        RESOLVED = "resolved", _("Resolved")
        REOPENED = "reopened", _("Reopened")
        RATED = "rated", _("Rated")
        DUE_DATE_RECOMPUTED = "due_date_recomputed", _("Due date recomputed")
        #: The platform moved to another responsible cadre (who, from whom, why), taking the issue along.
        TRANSFERRED = "transferred", _("Platform transferred to another cadre")
        #: Supervision (督办): bureau staff's instruction, the unit's reply, closing or renewing, and
        #: the sweep's escalation of an overdue one (``issues.supervision``).
        SUPERVISED = "supervised", _("Supervision opened")
        SUPERVISION_REPLIED = "supervision_replied", _("Supervision replied")
        SUPERVISION_RENEWED = "supervision_renewed", _("Supervision renewed")
        SUPERVISION_CLOSED = "supervision_closed", _("Supervision closed")
        SUPERVISION_ESCALATED = "supervision_escalated", _("Supervision overdue: escalated")

    issue = models.ForeignKey(Issue, verbose_name=_("issue"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    #: Empty when the system acted (a reminder, or a deadline moved by a calendar change's job).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    #: The fields the action changed, before and after (JSON-safe: dates as ISO strings).
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    #: A comment, a reason, or what was answered, determined or resolved: as long as the longest of them.
    note = LimitedTextField(_("note"), max_length=LONG_TEXT_MAX_LENGTH, blank=True)
    #: For a note the portal writes itself (a reminder, an escalation, a calendar change): its key
    #: in ``issues.notices`` and what it is made of, so that each reader sees it in their language;
    #: ``note`` then keeps it in the default language. Empty for a note a person typed.
    message = models.CharField(_("message"), max_length=40, blank=True, db_default="")
    message_params = models.JSONField(
        _("message parameters"), default=dict, blank=True, db_default=models.Value({}, output_field=models.JSONField())
    )

    class Meta:
        verbose_name = _("issue event")
        verbose_name_plural = _("issue events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["issue", "at"], name="issueevent_issue_at"), models.Index(fields=["kind", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "created",
                        "classified",
                        "reclassified",
                        "handed_over",
                        "commented",
                        "reminded",
                        "escalated",
                        "extension_requested",
                        "extended",
                        "extension_refused",
                        "solution_determined",
                        "resolved",
                        "reopened",
                        "rated",
                        "due_date_recomputed",
                        "transferred",
                        "supervised",
                        "supervision_replied",
                        "supervision_renewed",
                        "supervision_closed",
                        "supervision_escalated",
                    ]
                ),
                name="issueevent_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.issue_id} · {self.get_kind_display()} · {self.at:%Y-%m-%d %H:%M}"


class ExtensionRequest(models.Model):
    """A cadre's request for more time, and bureau staff's decision on it.

    Asked either as a new due date or as extra working days after the due date in force. What is
    granted is kept in the same form, so a working-day extension moves again with the calendar.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        #: The issue's clock stopped before anyone decided.
        WITHDRAWN = "withdrawn", _("Withdrawn")

    issue = models.ForeignKey(Issue, verbose_name=_("issue"), on_delete=models.PROTECT, related_name="extensions")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    reason = LimitedTextField(_("reason"), max_length=SHORT_TEXT_MAX_LENGTH)
    requested_due_date = models.DateField(_("requested due date"), null=True, blank=True)
    requested_working_days = models.PositiveSmallIntegerField(_("requested extra working days"), null=True, blank=True)
    #: The due date in force when the request was made, for the decision's context.
    due_date_at_request = models.DateField(_("due date when requested"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = LimitedTextField(_("reason for the decision"), max_length=SHORT_TEXT_MAX_LENGTH, blank=True)
    granted_due_date = models.DateField(_("granted due date"), null=True, blank=True)
    granted_working_days = models.PositiveSmallIntegerField(_("granted extra working days"), null=True, blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issue"], condition=Q(status="pending"), name="extension_one_pending_per_issue"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "refused", "withdrawn"]), name="extension_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(requested_due_date__isnull=False, requested_working_days__isnull=True)
                | Q(requested_due_date__isnull=True, requested_working_days__gte=1),
                name="extension_requested_date_or_days",
            ),
            models.CheckConstraint(
                condition=Q(
                    status="approved",
                    decided_at__isnull=False,
                    granted_due_date__isnull=False,
                    granted_working_days__isnull=True,
                )
                | Q(status="approved", decided_at__isnull=False, granted_due_date__isnull=True, granted_working_days__gte=1)
                | Q(status="refused", decided_at__isnull=False, granted_due_date__isnull=True, granted_working_days__isnull=True)
                | Q(
                    status__in=["pending", "withdrawn"],
                    decided_by__isnull=True,
                    granted_due_date__isnull=True,
                    granted_working_days__isnull=True,
                ),
                name="extension_decision_consistent",
            ),
        ]

    def __str__(self):
        return f"{self.issue_id} · {self.get_status_display()}"
