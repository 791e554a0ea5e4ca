"""The API's shapes for achievements and their timeline.

Serializers check the shape of the input (types, required fields, that ids exist); the rules (who
may act, which stage allows what, the readiness levels 1-9, a non-negative amount, dates not in the
future) are the services'. The input serializers name their fields as the services name them in
their errors, so a service's refusal lands on the field the request sent.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.text_limits import LONG_TEXT_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, LimitedSerializerField
from issues.access import issues_visible_to
from issues.models import Issue
from liaison.access import contacts_visible_to
from liaison.models import Contact, Unit, user_display_name
from platforms.models import Platform

from .access import achievements_visible_to
from .models import (
    Achievement,
    AchievementEvent,
    AchievementType,
    Demand,
    Judgement,
    Match,
    MatchStatus,
    ServiceKind,
    ServiceRecord,
    TechnologyField,
    TransformationMode,
)


class AchievementNamedSerializer(serializers.Serializer):
    """Another record as an achievement names it: its id and its name."""

    id = serializers.IntegerField()
    name = serializers.CharField()


def _named(obj, name=None):
    return None if obj is None else {"id": obj.pk, "name": name if name is not None else str(obj)}


class AchievementSerializer(serializers.ModelSerializer):
    """An achievement as the pages show it. ``stage`` is one of ``collected``, ``assessed``,
    ``matched``, ``negotiating``, ``transformed``, ``dropped``; ``readiness_level`` is 1-9 (GB/T
    22900) once assessed, with its meaning in ``readiness_meaning``; ``contract_amount`` is in
    10,000 yuan. ``responsible_cadre`` is the platform's current cadre; ``collected_by`` is
    credited with the achievement for good."""

    stage_display = serializers.CharField(source="get_stage_display", read_only=True)
    achievement_type_display = serializers.CharField(source="get_achievement_type_display", read_only=True)
    technology_field_display = serializers.CharField(source="get_technology_field_display", read_only=True)
    judgement_display = serializers.CharField(source="get_judgement_display", read_only=True)
    readiness_meaning = serializers.CharField(read_only=True)
    platform = serializers.SerializerMethodField()
    collected_by = serializers.SerializerMethodField()
    responsible_cadre = serializers.SerializerMethodField()
    landing_unit = serializers.SerializerMethodField()
    assessed_by = serializers.SerializerMethodField()

    class Meta:
        model = Achievement
        fields = [
            "id", "title", "description", "achievement_type", "achievement_type_display", "registration_numbers",
            "technology_field", "technology_field_display", "sub_field", "platform", "collected_by",
            "collected_on", "contact", "responsible_cadre", "stage", "stage_display", "stage_entered_on",
            "readiness_level", "readiness_meaning", "ip_status", "market_prospects", "judgement",
            "judgement_display", "recommended_mode", "assessed_by", "assessed_at", "drop_reason", "dropped_from",
            "transformation_mode", "counterpart_enterprise", "landing_unit", "contract_amount", "transformed_on",
            "created_at", "updated_at",
        ]
        read_only_fields = fields
        # "" until assessed, dropped or transformed: the schema's enums list "" too (a read-only
        # model field loses ``allow_blank``, and the schema then refused what the API returns).
        extra_kwargs = {
            name: {"allow_blank": True}
            for name in ["judgement", "recommended_mode", "dropped_from", "transformation_mode"]
        }

    @extend_schema_field(AchievementNamedSerializer)
    def get_platform(self, a):
        return _named(a.platform, a.platform.name)

    @extend_schema_field(AchievementNamedSerializer)
    def get_collected_by(self, a):
        return _named(a.collected_by, a.collected_by.name)

    @extend_schema_field(AchievementNamedSerializer(allow_null=True))
    def get_responsible_cadre(self, a):
        if getattr(a, "responsible_cadre_id", None) is None:
            return None
        return {"id": a.responsible_cadre_id, "name": a.responsible_cadre_name}

    @extend_schema_field(AchievementNamedSerializer(allow_null=True))
    def get_landing_unit(self, a):
        return _named(a.landing_unit, a.landing_unit.name if a.landing_unit else None)

    @extend_schema_field(AchievementNamedSerializer(allow_null=True))
    def get_assessed_by(self, a):
        return _named(a.assessed_by, user_display_name(a.assessed_by) if a.assessed_by else None)


class AchievementEventSerializer(serializers.ModelSerializer):
    """One timeline entry: what happened, who did it, when, and what changed (before/after)."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    actor_name = serializers.SerializerMethodField()
    before = serializers.DictField(read_only=True)
    after = serializers.DictField(read_only=True)

    class Meta:
        model = AchievementEvent
        fields = ["id", "kind", "kind_display", "actor", "actor_name", "at", "before", "after", "note"]
        read_only_fields = fields

    def get_actor_name(self, event) -> str | None:
        return None if event.actor is None else user_display_name(event.actor)


# --- collecting and acting -------------------------------------------------------------------------


class AchievementCollectSerializer(serializers.Serializer):
    """An achievement as its platform's responsible cadre collects it; the cadre is the one signed in.
    ``collected_on`` defaults to the contact's date, else today."""

    platform = serializers.PrimaryKeyRelatedField(queryset=Platform.objects.all())
    title = LimitedSerializerField(max_length=TITLE_MAX_LENGTH)
    achievement_type = serializers.ChoiceField(choices=AchievementType.choices)
    technology_field = serializers.ChoiceField(choices=TechnologyField.choices)
    sub_field = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=100)
    registration_numbers = LimitedSerializerField(
        required=False, allow_blank=True, default="", max_length=SHORT_TEXT_MAX_LENGTH
    )
    description = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=LONG_TEXT_MAX_LENGTH)
    collected_on = serializers.DateField(required=False, allow_null=True, default=None)
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.none(), required=False, allow_null=True, default=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["contact"].queryset = contacts_visible_to(request.user)


class AchievementAssessSerializer(serializers.Serializer):
    readiness_level = serializers.IntegerField(help_text=_("1 to 9, as GB/T 22900 defines the levels."))
    judgement = serializers.ChoiceField(choices=Judgement.choices)
    ip_status = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT_MAX_LENGTH)
    market_prospects = LimitedSerializerField(
        required=False, allow_blank=True, default="", max_length=SHORT_TEXT_MAX_LENGTH
    )
    recommended_mode = serializers.ChoiceField(
        choices=TransformationMode.choices, required=False, allow_blank=True, default=""
    )
    on = serializers.DateField(required=False, allow_null=True, default=None)


class AchievementAdvanceSerializer(serializers.Serializer):
    """assessed -> matched -> negotiating, with a note on what happened."""

    note = LimitedSerializerField(max_length=SHORT_TEXT_MAX_LENGTH, allow_blank=True)
    on = serializers.DateField(required=False, allow_null=True, default=None)


class AchievementTransformSerializer(serializers.Serializer):
    transformation_mode = serializers.ChoiceField(choices=TransformationMode.choices)
    counterpart_enterprise = LimitedSerializerField(max_length=TITLE_MAX_LENGTH, allow_blank=True)
    contract_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("In 10,000 yuan; 0 or more.")
    )
    transformed_on = serializers.DateField(required=False, allow_null=True, default=None)
    landing_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, allow_null=True,
                                                      default=None)
    note = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT_MAX_LENGTH)


class AchievementReasonSerializer(serializers.Serializer):
    reason = LimitedSerializerField(max_length=SHORT_TEXT_MAX_LENGTH, allow_blank=True)


class AchievementDropSerializer(AchievementReasonSerializer):
    on = serializers.DateField(required=False, allow_null=True, default=None)


class AchievementCommentSerializer(serializers.Serializer):
    text = LimitedSerializerField(max_length=SHORT_TEXT_MAX_LENGTH, allow_blank=True)


# --- demands, matches and suggestions ------------------------------------------------------------------


class DemandSerializer(serializers.ModelSerializer):
    """A technology demand. ``status`` is one of ``open``, ``matched`` (a match of it stands),
    ``closed``; ``budget`` is in 10,000 yuan."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    technology_field_display = serializers.CharField(source="get_technology_field_display", read_only=True)
    unit = serializers.SerializerMethodField()
    raised_by = serializers.SerializerMethodField()
    live_matches = serializers.IntegerField(read_only=True, help_text=_("Matches of it not failed."))

    class Meta:
        model = Demand
        fields = [
            "id", "title", "description", "unit", "enterprise", "technology_field", "technology_field_display",
            "sub_field", "budget", "wanted_by", "contact_person", "status", "status_display", "close_reason",
            "raised_by", "raised_on", "live_matches", "created_at", "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(AchievementNamedSerializer)
    def get_unit(self, d):
        return _named(d.unit, d.unit.name)

    @extend_schema_field(AchievementNamedSerializer)
    def get_raised_by(self, d):
        return _named(d.raised_by, user_display_name(d.raised_by))


class DemandInputSerializer(serializers.Serializer):
    """A demand as it is entered (``unit`` only when raising: a demand keeps its unit)."""

    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    title = LimitedSerializerField(max_length=TITLE_MAX_LENGTH, allow_blank=True)
    technology_field = serializers.ChoiceField(choices=TechnologyField.choices)
    enterprise = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=TITLE_MAX_LENGTH)
    sub_field = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=100)
    description = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=LONG_TEXT_MAX_LENGTH)
    budget = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True, default=None,
                                      help_text=_("In 10,000 yuan; 0 or more."))
    wanted_by = serializers.DateField(required=False, allow_null=True, default=None)
    contact_person = LimitedSerializerField(required=False, allow_blank=True, default="",
                                            max_length=SHORT_TEXT_MAX_LENGTH)


class DemandUpdateSerializer(DemandInputSerializer):
    unit = None


class DemandReopenSerializer(serializers.Serializer):
    """Reopening takes nothing but the demand."""


class DemandCloseSerializer(serializers.Serializer):
    reason = LimitedSerializerField(max_length=SHORT_TEXT_MAX_LENGTH, allow_blank=True)


class MatchSerializer(serializers.ModelSerializer):
    """A match of an achievement with a demand. ``status`` is one of ``proposed``, ``contacted``,
    ``negotiating``, ``signed``, ``failed``; ``fit`` (0-100) and ``reasons`` (the words in common)
    are as they were when it was confirmed."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    achievement = serializers.SerializerMethodField()
    demand = serializers.SerializerMethodField()
    confirmed_by = serializers.SerializerMethodField()
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Match
        fields = ["id", "achievement", "demand", "status", "status_display", "fit", "reasons", "note",
                  "confirmed_by", "confirmed_on", "status_changed_on", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(AchievementNamedSerializer)
    def get_achievement(self, m):
        return _named(m.achievement, m.achievement.title)

    @extend_schema_field(AchievementNamedSerializer)
    def get_demand(self, m):
        return _named(m.demand, m.demand.title)

    @extend_schema_field(AchievementNamedSerializer)
    def get_confirmed_by(self, m):
        return _named(m.confirmed_by, user_display_name(m.confirmed_by))


class MatchConfirmSerializer(serializers.Serializer):
    """The pair to match, by id (a list of every title is not offered to choose from)."""

    achievement = serializers.IntegerField()
    demand = serializers.IntegerField()
    note = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT_MAX_LENGTH)

    def validate_achievement(self, value):
        achievement = Achievement.objects.filter(pk=value).first()
        if achievement is None:
            raise serializers.ValidationError(_("No such achievement."))
        return achievement

    def validate_demand(self, value):
        demand = Demand.objects.filter(pk=value).select_related("unit").first()
        if demand is None:
            raise serializers.ValidationError(_("No such demand."))
        return demand


class MatchStatusSerializer(serializers.Serializer):
    """The match's new status; a note (required when it failed); when signed, the transformation's
    mode, amount (10,000 yuan) and date, and the counterpart if not the demand's enterprise."""

    status = serializers.ChoiceField(choices=MatchStatus.choices)
    note = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT_MAX_LENGTH)
    transformation_mode = serializers.ChoiceField(choices=TransformationMode.choices, required=False,
                                                  allow_blank=True, default="")
    contract_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True,
                                               default=None)
    transformed_on = serializers.DateField(required=False, allow_null=True, default=None)
    counterpart_enterprise = LimitedSerializerField(required=False, allow_blank=True, default="",
                                                    max_length=TITLE_MAX_LENGTH)


class SuggestionSerializer(serializers.Serializer):
    """A suggested counterpart: its id and title, the fit (0-100), the words in common, rarest first,
    and whether both are in the same field."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    technology_field = serializers.CharField()
    fit = serializers.IntegerField()
    words = serializers.ListField(child=serializers.CharField())
    same_field = serializers.BooleanField()


# --- service records -------------------------------------------------------------------------------


class ServiceRecordSerializer(serializers.ModelSerializer):
    """A service given to a platform. ``kind`` is one of ``policy_consultation``,
    ``project_application``, ``coordination``, ``intermediary``, ``investor``, ``other``;
    ``given_by`` is the cadre responsible for the platform on ``given_on``, credited with it."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    platform = serializers.SerializerMethodField()
    given_by = serializers.SerializerMethodField()
    achievement = serializers.SerializerMethodField()
    issue = serializers.SerializerMethodField()
    recorded_by_name = serializers.SerializerMethodField()

    class Meta:
        model = ServiceRecord
        fields = [
            "id", "kind", "kind_display", "platform", "given_by", "given_on", "achievement", "issue", "contact",
            "description", "outcome", "recorded_by", "recorded_by_name", "recorded_at", "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(AchievementNamedSerializer)
    def get_platform(self, r):
        return _named(r.platform, r.platform.name)

    @extend_schema_field(AchievementNamedSerializer)
    def get_given_by(self, r):
        return _named(r.given_by, r.given_by.name)

    @extend_schema_field(AchievementNamedSerializer(allow_null=True))
    def get_achievement(self, r):
        return _named(r.achievement, r.achievement.title if r.achievement else None)

    @extend_schema_field(AchievementNamedSerializer(allow_null=True))
    def get_issue(self, r):
        return _named(r.issue, r.issue.title if r.issue else None)

    def get_recorded_by_name(self, r) -> str:
        return user_display_name(r.recorded_by)


class _ServiceRecordInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ServiceKind.choices)
    description = LimitedSerializerField(max_length=LONG_TEXT_MAX_LENGTH, allow_blank=True)
    outcome = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=SHORT_TEXT_MAX_LENGTH)
    given_on = serializers.DateField(required=False, allow_null=True, default=None)
    achievement = serializers.PrimaryKeyRelatedField(
        queryset=Achievement.objects.none(), required=False, allow_null=True, default=None
    )
    issue = serializers.PrimaryKeyRelatedField(queryset=Issue.objects.none(), required=False, allow_null=True,
                                               default=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only what the user may see can be named; anything else is "does not exist".
            self.fields["achievement"].queryset = achievements_visible_to(request.user)
            self.fields["issue"].queryset = issues_visible_to(request.user)


class ServiceRecordCreateSerializer(_ServiceRecordInput):
    """A service as it is recorded; ``given_on`` defaults to the contact's date, else today."""

    platform = serializers.PrimaryKeyRelatedField(queryset=Platform.objects.all())
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.none(), required=False, allow_null=True, default=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["contact"].queryset = contacts_visible_to(request.user)


class ServiceRecordUpdateSerializer(_ServiceRecordInput):
    """The record as corrected: every field is sent (``given_on`` left out keeps the date)."""


class ServiceRecordDeleteSerializer(serializers.Serializer):
    reason = LimitedSerializerField(max_length=SHORT_TEXT_MAX_LENGTH, allow_blank=True)
