"""The API's shapes for issues, their timeline and the working-day calendar.

Serializers check the shape of the input (types, required fields, that ids exist); the rules
(who may act, which class goes to which unit, what a rating may be) are the services'. The input
serializers of the actions name their fields as the services name them in their errors, so a
service's refusal lands on the field the request sent.

``IssueSerializer`` reads what the list queryset prepared: the responsible cadre and unit
annotated in the database, and ``working_days_left`` / ``is_overdue`` attached by
``issues.selectors.with_deadline_status``; it makes no query of its own.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.text_limits import LONG_TEXT_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, LimitedSerializerField
from liaison.access import contacts_visible_to
from liaison.models import Contact, Unit, user_display_name
from platforms.models import Platform

from . import holiday_notice, notices
from .access import issues_visible_to
from .models import CalendarDay, ExtensionRequest, Issue, IssueClass, IssueEvent, Supervision
from .supervision import MAX_REPLY_WORKING_DAYS
from .workdays import FIRST_DATE, LAST_DATE


def person_name(user) -> str | None:
    """A user as the portal names them: family name then given name, else the username."""
    if user is None:
        return None
    return user_display_name(user)


class NamedSerializer(serializers.Serializer):
    """Another record as an issue names it: its id and its name."""

    id = serializers.IntegerField()
    name = serializers.CharField()


# --- reading -------------------------------------------------------------------------------------


class ExtensionRequestSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    requested_by_name = serializers.SerializerMethodField()
    decided_by_name = serializers.SerializerMethodField()

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "status",
            "status_display",
            "reason",
            "requested_by",
            "requested_by_name",
            "requested_at",
            "requested_due_date",
            "requested_working_days",
            "due_date_at_request",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "decision_note",
            "granted_due_date",
            "granted_working_days",
        ]
        read_only_fields = fields

    def get_requested_by_name(self, extension) -> str:
        return person_name(extension.requested_by)

    def get_decided_by_name(self, extension) -> str | None:
        return person_name(extension.decided_by)


class IssueSerializer(serializers.ModelSerializer):
    """An issue with its deadline as the pages show it.

    ``due_date`` is the deadline in force (the end of that day, Asia/Shanghai);
    ``original_due_date`` is the class's limit before extensions. ``working_days_left`` is 0 on
    the due day and negative once overdue; it and ``is_overdue`` are null/false once the clock
    has stopped. ``escalation_level`` is how far the deadline sweep has escalated an overdue
    issue (0 not, 1 to the unit leader, 2 to the office). ``responsible_cadre`` and ``responsible_unit`` are the platform's current cadre
    and that cadre's unit (null when the platform has none).
    """

    issue_class_display = serializers.CharField(source="get_issue_class_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    service_area_display = serializers.CharField(source="get_service_area_display", read_only=True)
    #: "" while the clock runs. Declared so the schema's enum lists "" too (a read-only model field
    #: loses ``allow_blank``, and the schema then refused what the API returns).
    closure_kind = serializers.ChoiceField(choices=Issue.ClosureKind.choices, allow_blank=True, read_only=True)
    closure_kind_display = serializers.CharField(source="get_closure_kind_display", read_only=True)
    escalation_level_display = serializers.CharField(source="get_escalation_level_display", read_only=True)
    platform = serializers.SerializerMethodField()
    recorded_by = serializers.SerializerMethodField()
    responsible_cadre = serializers.SerializerMethodField()
    responsible_unit = serializers.SerializerMethodField()
    handed_to_unit = serializers.SerializerMethodField()
    cooperating_units = serializers.SerializerMethodField()
    working_day_limit = serializers.IntegerField(read_only=True, allow_null=True)
    working_days_left = serializers.IntegerField(read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)
    is_open = serializers.BooleanField(read_only=True)
    extensions = ExtensionRequestSerializer(many=True, read_only=True)

    class Meta:
        model = Issue
        fields = [
            "id",
            "title",
            "description",
            "service_area",
            "service_area_display",
            "issue_class",
            "issue_class_display",
            "status",
            "status_display",
            "is_open",
            "platform",
            "recorded_by",
            "contact",
            "responsible_cadre",
            "responsible_unit",
            "recorded_on",
            "clock_started_on",
            "working_day_limit",
            "original_due_date",
            "due_date",
            "due_date_provisional",
            "working_days_left",
            "is_overdue",
            "handed_to_unit",
            "cooperating_units",
            "handed_over_at",
            "answer",
            "solution",
            "resolution",
            "closure_kind",
            "closure_kind_display",
            "on_time",
            "closed_on",
            "resolved_on",
            "reopen_count",
            "escalation_level",
            "escalation_level_display",
            "rating",
            "rating_comment",
            "rated_at",
            "extensions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(NamedSerializer)
    def get_platform(self, issue):
        return {"id": issue.platform_id, "name": issue.platform.name}

    @extend_schema_field(NamedSerializer)
    def get_recorded_by(self, issue):
        return {"id": issue.recorded_by_id, "name": issue.recorded_by.name}

    @extend_schema_field(NamedSerializer(allow_null=True))
    def get_responsible_cadre(self, issue):
        if issue.responsible_cadre_id is None:
            return None
        name = issue.responsible_cadre_name or issue.responsible_cadre_username
        return {"id": issue.responsible_cadre_id, "name": name}

    @extend_schema_field(NamedSerializer(allow_null=True))
    def get_responsible_unit(self, issue):
        if issue.responsible_unit_id is None:
            return None
        return {"id": issue.responsible_unit_id, "name": issue.responsible_unit_name}

    @extend_schema_field(NamedSerializer(allow_null=True))
    def get_handed_to_unit(self, issue):
        unit = issue.handed_to_unit
        return None if unit is None else {"id": unit.pk, "name": unit.name}

    @extend_schema_field(NamedSerializer(many=True))
    def get_cooperating_units(self, issue):
        # Prefetched by the list queryset; sorted here so the prefetch needs no ordering of its own.
        return [{"id": u.pk, "name": u.name} for u in sorted(issue.cooperating_units.all(), key=lambda u: u.name)]


class IssueEventSerializer(serializers.ModelSerializer):
    """One timeline entry: what happened, who did it (null for the system), when, and what changed."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    actor_name = serializers.SerializerMethodField()
    before = serializers.DictField(read_only=True)
    after = serializers.DictField(read_only=True)
    #: In the language the client asked for: a note the portal wrote (a reminder, an escalation, a
    #: calendar change) is rendered from its message key; a note a person typed is as typed.
    note = serializers.SerializerMethodField()

    class Meta:
        model = IssueEvent
        fields = ["id", "kind", "kind_display", "actor", "actor_name", "at", "before", "after", "note"]
        read_only_fields = fields

    def get_actor_name(self, event) -> str | None:
        return person_name(event.actor)

    def get_note(self, event) -> str:
        return notices.event_note(event)


# --- creating and acting -------------------------------------------------------------------------


class IssueCreateSerializer(serializers.Serializer):
    """An issue as its platform's responsible cadre records it; the cadre is the one signed in.

    ``platform`` accepts any platform: the service decides whether the user was its responsible
    cadre on ``recorded_on`` (today if empty; never in the future). Class A needs the ``answer``
    given on the spot; ``contact`` is the contact at which the platform raised the issue.
    """

    platform = serializers.PrimaryKeyRelatedField(queryset=Platform.objects.all())
    title = LimitedSerializerField(max_length=TITLE_MAX_LENGTH)
    description = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=LONG_TEXT_MAX_LENGTH)
    service_area = serializers.ChoiceField(choices=Issue.ServiceArea.choices)
    issue_class = serializers.ChoiceField(choices=IssueClass.choices)
    recorded_on = serializers.DateField(required=False, allow_null=True, default=None)
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.none(), required=False, allow_null=True, default=None
    )
    answer = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=LONG_TEXT_MAX_LENGTH)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["contact"].queryset = contacts_visible_to(request.user)


class IssueReclassifySerializer(serializers.Serializer):
    """To class A the issue is resolved now with the ``answer``; among B, C and D its handover is cleared."""

    new_class = serializers.ChoiceField(choices=IssueClass.choices)
    reason = LimitedSerializerField(max_length=SHORT_TEXT_MAX_LENGTH)
    answer = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=LONG_TEXT_MAX_LENGTH)


class IssueHandOverSerializer(serializers.Serializer):
    """B goes to the cadre's own unit and D to the office (``lead_unit`` may be left out for both);
    C names a ``lead_unit`` and at least one of the ``cooperating_units``."""

    lead_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, allow_null=True)
    cooperating_units = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), many=True, required=False, default=list
    )
    note = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT_MAX_LENGTH)


class IssueCommentSerializer(serializers.Serializer):
    text = LimitedSerializerField(max_length=SHORT_TEXT_MAX_LENGTH)


class ExtensionRequestCreateSerializer(serializers.Serializer):
    """Ask for either a new due date or a number of extra working days, with a reason."""

    reason = LimitedSerializerField(max_length=SHORT_TEXT_MAX_LENGTH)
    new_due_date = serializers.DateField(required=False, allow_null=True, default=None)
    extra_working_days = serializers.IntegerField(required=False, allow_null=True, default=None)


class ExtensionDecisionSerializer(serializers.Serializer):
    """Approve (granting what was asked unless ``new_due_date`` or ``extra_working_days`` says
    otherwise) or refuse (with a ``note`` for the cadre)."""

    approve = serializers.BooleanField()
    note = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT_MAX_LENGTH)
    new_due_date = serializers.DateField(required=False, allow_null=True, default=None)
    extra_working_days = serializers.IntegerField(required=False, allow_null=True, default=None)


class IssueSolutionSerializer(serializers.Serializer):
    solution = LimitedSerializerField(max_length=LONG_TEXT_MAX_LENGTH)


class IssueResolveSerializer(serializers.Serializer):
    resolution = LimitedSerializerField(max_length=LONG_TEXT_MAX_LENGTH)


class IssueReopenSerializer(serializers.Serializer):
    reason = LimitedSerializerField(max_length=SHORT_TEXT_MAX_LENGTH)


class IssueRateSerializer(serializers.Serializer):
    """The platform's rating from 1 (poor) to 5 (very good); 1 or 2 reopens the issue and needs a comment."""

    rating = serializers.IntegerField()
    comment = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT_MAX_LENGTH)


# --- the calendar -------------------------------------------------------------------------------

class CalendarDueQuerySerializer(serializers.Serializer):
    issue_class = serializers.ChoiceField(choices=IssueClass.choices)
    recorded_on = serializers.DateField(
        required=False, help_text=_("The day the issue is recorded (not counted); today if empty.")
    )

    # The range a projection can count from is ``projected_due_date``'s rule (a 400 on
    # ``recorded_on`` from there).

    def validate(self, attrs):
        attrs.setdefault("recorded_on", timezone.localdate())
        return attrs


class CalendarDueSerializer(serializers.Serializer):
    """The due date an issue of ``issue_class`` recorded on ``recorded_on`` would get.

    ``working_days`` is the class's limit; ``due_date`` is null for class A (no deadline).
    ``due_date_provisional`` says the count reached a year whose calendar is not loaded, so it
    was made on weekdays alone.
    """

    issue_class = serializers.CharField()
    recorded_on = serializers.DateField()
    working_days = serializers.IntegerField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    due_date_provisional = serializers.BooleanField()


class CalendarYearSerializer(serializers.Serializer):
    """What the calendar knows about one year. ``source``: ``package``, ``package+admin``
    (corrected by an admin), ``admin`` (entered and declared loaded), or ``none`` (weekdays
    alone: deadlines reaching into it are provisional)."""

    year = serializers.IntegerField()
    loaded = serializers.BooleanField()
    source = serializers.CharField()
    in_package = serializers.BooleanField()
    admin_loaded = serializers.BooleanField()
    holidays_entered = serializers.IntegerField()
    workdays_entered = serializers.IntegerField()
    source_note = serializers.CharField()


class CalendarDaySerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "kind_display", "note", "entered_by", "entered_at"]
        read_only_fields = fields


class CalendarDayEntrySerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=CalendarDay.Kind.choices)
    note = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=200)

    def validate_date(self, value):
        if not FIRST_DATE <= value <= LAST_DATE:
            raise serializers.ValidationError(_("Enter a date between 1900 and 9998."))
        return value


class CalendarSetDaysSerializer(serializers.Serializer):
    """Enter or correct days (``entries``), delete entries (``remove``), and declare whole years
    loaded (``mark_years_loaded``, with the notice they come from in ``source_note``)."""

    entries = CalendarDayEntrySerializer(many=True, required=False, default=list)
    remove = serializers.ListField(child=serializers.DateField(), required=False, default=list)
    mark_years_loaded = serializers.ListField(
        child=serializers.IntegerField(min_value=1900, max_value=9998), required=False, default=list
    )
    source_note = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=200)

    def validate(self, attrs):
        if not (attrs["entries"] or attrs["remove"] or attrs["mark_years_loaded"]):
            raise serializers.ValidationError(_("Enter days, remove entries or mark years loaded."))
        return attrs


class CalendarChangeSerializer(serializers.Serializer):
    """What a calendar change did; ``issues_recomputed`` are the open issues whose deadline moved."""

    created = serializers.ListField(child=serializers.DateField())
    updated = serializers.ListField(child=serializers.DateField())
    unchanged = serializers.ListField(child=serializers.DateField())
    removed = serializers.ListField(child=serializers.DateField())
    years_loaded = serializers.ListField(child=serializers.IntegerField())
    issues_recomputed = serializers.ListField(child=serializers.IntegerField())


class CalendarNoticeSerializer(serializers.Serializer):
    """The State Council's holiday notice as published (``text``), read and loaded: its days entered,
    its year marked loaded with its title as ``source_note`` (unless one is given). ``year`` only
    if the text has no title naming it. ``dry_run`` (the default) changes nothing: it answers what
    the load would do."""

    text = serializers.CharField(max_length=holiday_notice.NOTICE_MAX_LENGTH, trim_whitespace=False)
    year = serializers.IntegerField(min_value=1900, max_value=9998, required=False, allow_null=True, default=None)
    source_note = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=200)
    dry_run = serializers.BooleanField(required=False, default=True)


class CalendarPreviewDaySerializer(serializers.Serializer):
    """A day read; ``status`` against the entries stored now: ``new``, ``changed`` or ``unchanged``."""

    date = serializers.DateField()
    kind = serializers.CharField()
    note = serializers.CharField()
    status = serializers.CharField()


class DueDateMoveSerializer(serializers.Serializer):
    """An open issue whose due date or provisional flag the load moves, from what to what."""

    issue_id = serializers.IntegerField()
    issue_title = serializers.CharField()
    due_date_before = serializers.DateField(allow_null=True)
    due_date_after = serializers.DateField(allow_null=True)
    provisional_before = serializers.BooleanField()
    provisional_after = serializers.BooleanField()
    stops_being_provisional = serializers.BooleanField()


class CalendarImportResultSerializer(serializers.Serializer):
    """What the load did, or would do (``dry_run``): the days, the years marked loaded and the
    open issues whose due dates move."""

    dry_run = serializers.BooleanField()
    source_note = serializers.CharField()
    years_loaded = serializers.ListField(child=serializers.IntegerField())
    days = CalendarPreviewDaySerializer(many=True)
    moves = DueDateMoveSerializer(many=True)


# --- supervision (督办) ------------------------------------------------------------------------------


class SupervisionSerializer(serializers.ModelSerializer):
    """A supervision as the list and its issue's page show it.

    ``status`` is ``open`` (waiting for the unit's reply), ``replied`` or ``closed``; ``is_overdue``
    says an open one is past its ``reply_by`` date (the end of that day, Asia/Shanghai). ``unit`` is
    the unit responsible when it was opened; ``responsible_cadre`` the platform's cadre now.
    ``renew_count`` counts the rounds staff sent it back; ``escalated_at`` is when the sweep
    escalated this round to the office's leader (null until then).
    """

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    issue = serializers.SerializerMethodField()
    platform = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()
    responsible_cadre = serializers.CharField(source="responsible_cadre_name", read_only=True)
    opened_by = serializers.SerializerMethodField()
    replied_by = serializers.SerializerMethodField()
    closed_by = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Supervision
        fields = [
            "id", "issue", "platform", "unit", "responsible_cadre", "status", "status_display", "is_overdue",
            "instruction", "reply_working_days", "counted_from", "reply_by", "reply_by_provisional",
            "opened_by", "opened_at", "reply", "replied_by", "replied_at", "closed_by", "closed_at", "close_note",
            "renew_count", "escalated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(NamedSerializer)
    def get_issue(self, supervision):
        return {"id": supervision.issue_id, "name": supervision.issue.title}

    @extend_schema_field(NamedSerializer)
    def get_platform(self, supervision):
        return {"id": supervision.issue.platform_id, "name": supervision.issue.platform.name}

    @extend_schema_field(NamedSerializer)
    def get_unit(self, supervision):
        return {"id": supervision.unit_id, "name": supervision.unit.name}

    @extend_schema_field(NamedSerializer)
    def get_opened_by(self, supervision):
        return {"id": supervision.opened_by_id, "name": supervision.opened_by_name}

    @extend_schema_field(NamedSerializer(allow_null=True))
    def get_replied_by(self, supervision):
        return {"id": supervision.replied_by_id, "name": supervision.replied_by_name} if supervision.replied_by_id else None

    @extend_schema_field(NamedSerializer(allow_null=True))
    def get_closed_by(self, supervision):
        return {"id": supervision.closed_by_id, "name": supervision.closed_by_name} if supervision.closed_by_id else None

    def get_is_overdue(self, supervision) -> bool:
        today = self.context.get("today") or timezone.localdate()
        return supervision.status == Supervision.Status.OPEN and supervision.reply_by < today


def _reply_working_days_field():
    return serializers.IntegerField(
        min_value=1, max_value=MAX_REPLY_WORKING_DAYS,
        help_text=_("Working days to reply, counted like a deadline: the day it is sent is not counted."),
    )


class SupervisionOpenSerializer(serializers.Serializer):
    """Open a supervision (bureau staff): the ``issue`` (one the user may see, not resolved), the
    ``instruction`` and the working days to reply."""

    issue = serializers.PrimaryKeyRelatedField(queryset=Issue.objects.none())
    instruction = LimitedSerializerField(max_length=LONG_TEXT_MAX_LENGTH)
    reply_working_days = _reply_working_days_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["issue"].queryset = issues_visible_to(request.user)


class SupervisionReplySerializer(serializers.Serializer):
    reply = LimitedSerializerField(max_length=LONG_TEXT_MAX_LENGTH)


class SupervisionCloseSerializer(serializers.Serializer):
    note = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT_MAX_LENGTH)


class SupervisionRenewSerializer(serializers.Serializer):
    """A new instruction and a new reply-by date counted from today; the unit is told again."""

    instruction = LimitedSerializerField(max_length=LONG_TEXT_MAX_LENGTH)
    reply_working_days = _reply_working_days_field()
