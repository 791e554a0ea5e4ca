"""The API's shapes for units, cadres, assignments and contacts.

Serializers check the shape of the input (types, required fields, that ids exist); the rules
(2 to 4 platforms, one cadre per platform, who may log a contact when) are the services'. The
input serializers name their fields as the services name them in their errors, so a service's
refusal lands on the field the request sent; where an action's name must differ, the view
renames the errors (``liaison.api.errors_renamed``).
"""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.text_limits import LONG_TEXT_MAX_LENGTH, LimitedSerializerField, LimitedTextSerializerMixin
from platforms.models import Platform
from platforms.serializers import PlatformBriefSerializer

from .access import roles_of
from .models import Assignment, Cadre, Contact, Unit, user_display_name
from .selectors import cadre_is_incomplete


class UnitSerializer(LimitedTextSerializerMixin, serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    leader_name = serializers.SerializerMethodField()

    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "kind_display", "leader", "leader_name", "is_office"]

    def get_leader_name(self, unit) -> str | None:
        if unit.leader is None:
            return None
        return user_display_name(unit.leader)


class CadreSerializer(LimitedTextSerializerMixin, serializers.ModelSerializer):
    """A cadre, with their active platforms.

    Lists annotate ``active_platform_count`` in the database; ``is_active`` is read-only because
    a cadre leaves through the ``deactivate`` action, which refuses while they hold platforms.
    """

    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    active_platform_count = serializers.SerializerMethodField()
    is_incomplete = serializers.SerializerMethodField()
    platforms = serializers.SerializerMethodField()

    class Meta:
        model = Cadre
        fields = [
            "id",
            "user",
            "username",
            "name",
            "unit",
            "unit_name",
            "phone",
            "title",
            "is_active",
            "batch",
            "active_platform_count",
            "is_incomplete",
            "platforms",
        ]
        read_only_fields = ["is_active"]

    def _active_assignments(self, cadre):
        active = getattr(cadre, "active_assignments", None)
        if active is None:
            # A cadre just created or updated carries no prefetch.
            active = list(cadre.assignments.active().select_related("platform"))
        return active

    def get_active_platform_count(self, cadre) -> int:
        count = getattr(cadre, "active_platform_count", None)
        return count if count is not None else len(self._active_assignments(cadre))

    def get_is_incomplete(self, cadre) -> bool:
        """An active cadre serving fewer platforms than the minimum still needs some."""
        return cadre_is_incomplete(
            is_active=cadre.is_active, active_platform_count=self.get_active_platform_count(cadre)
        )

    @extend_schema_field(PlatformBriefSerializer(many=True))
    def get_platforms(self, cadre):
        return PlatformBriefSerializer([a.platform for a in self._active_assignments(cadre)], many=True).data


class CadreSetPlatformsSerializer(serializers.Serializer):
    platforms = serializers.PrimaryKeyRelatedField(queryset=Platform.objects.all(), many=True)
    end_reason = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=200)
    start_date = serializers.DateField(required=False, allow_null=True, default=None)


class AssignmentSerializer(serializers.ModelSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    unit = serializers.IntegerField(source="cadre.unit_id", read_only=True)
    unit_name = serializers.CharField(source="cadre.unit.name", read_only=True)
    platform_name = serializers.CharField(source="platform.name", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "cadre",
            "cadre_name",
            "unit",
            "unit_name",
            "platform",
            "platform_name",
            "start_date",
            "end_date",
            "end_reason",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields


class AssignmentCreateSerializer(serializers.Serializer):
    cadre = serializers.PrimaryKeyRelatedField(queryset=Cadre.objects.select_related("user"))
    platform = serializers.PrimaryKeyRelatedField(queryset=Platform.objects.all())
    start_date = serializers.DateField(required=False, allow_null=True, default=None)


class AssignmentEndSerializer(serializers.Serializer):
    end_reason = LimitedSerializerField(max_length=200)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)


class PlatformTransferSerializer(serializers.Serializer):
    """Hand a platform to ``cadre`` on ``date``: the old assignment ends then, the new one starts."""

    cadre = serializers.PrimaryKeyRelatedField(queryset=Cadre.objects.select_related("user"))
    end_reason = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=200)
    date = serializers.DateField(required=False, allow_null=True, default=None)


class PlatformDeactivateSerializer(serializers.Serializer):
    """``end_reason`` ends the platform's active assignment, if it has one."""

    end_reason = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=200)


class ContactSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    platform_name = serializers.CharField(source="platform.name", read_only=True)
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    is_visit = serializers.BooleanField(read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "platform",
            "platform_name",
            "cadre",
            "cadre_name",
            "date",
            "kind",
            "kind_display",
            "is_visit",
            "people_met",
            "summary",
            "needs",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class ContactCreateSerializer(serializers.Serializer):
    """A contact as a cadre logs it; the cadre is the one signed in.

    ``platform`` accepts any platform the cadre has ever served: the service decides whether they
    were responsible on ``date`` (a cadre may still log a contact from before a handover).
    """

    platform = serializers.PrimaryKeyRelatedField(queryset=Platform.objects.none())
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=Contact.Kind.choices)
    people_met = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=300)
    summary = LimitedSerializerField(max_length=LONG_TEXT_MAX_LENGTH)
    needs = LimitedSerializerField(required=False, allow_blank=True, default="", max_length=LONG_TEXT_MAX_LENGTH)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        cadre = roles_of(request.user).cadre if request is not None else None
        if cadre is not None:
            served = Assignment.objects.filter(platform=OuterRef("pk"), cadre=cadre)
            self.fields["platform"].queryset = Platform.objects.filter(Exists(served))  # no join to make distinct


# --- a cadre leaves: the hand-over ----------------------------------------------------------------


class HandOverLineSerializer(serializers.Serializer):
    platform = serializers.PrimaryKeyRelatedField(queryset=Platform.objects.all())
    successor = serializers.PrimaryKeyRelatedField(queryset=Cadre.objects.select_related("user", "unit"))


class CadreHandOverSerializer(serializers.Serializer):
    """A leaving cadre's platforms, each with its successor; ``dry_run`` previews without changing anything."""

    successors = HandOverLineSerializer(many=True)
    reason = LimitedSerializerField(max_length=200, allow_blank=True)
    date = serializers.DateField(required=False, allow_null=True, default=None)
    dry_run = serializers.BooleanField(required=False, default=False)

    def validate_successors(self, lines):
        seen = set()
        for line in lines:
            if line["platform"].pk in seen:
                raise serializers.ValidationError(
                    _("%(platform)s is listed twice: give each platform one successor.")
                    % {"platform": line["platform"]})
            seen.add(line["platform"].pk)
        return lines


class HandOverSuccessorLoadSerializer(serializers.Serializer):
    cadre = serializers.IntegerField(source="cadre.pk")
    name = serializers.CharField(source="cadre.name")
    unit_name = serializers.CharField(source="cadre.unit.name")
    platforms_now = serializers.IntegerField(source="option.serving")
    platforms_after = serializers.IntegerField(source="serving_after")
    open_issues_now = serializers.IntegerField(source="option.open_issues")
    open_issues_after = serializers.IntegerField()


class HandOverResultLineSerializer(serializers.Serializer):
    platform = serializers.IntegerField(source="platform.pk")
    platform_name = serializers.CharField(source="platform.name")
    successor = serializers.IntegerField(source="successor.pk")
    successor_name = serializers.CharField(source="successor.name")
    #: The new assignment, once made (null in a dry run).
    assignment = serializers.IntegerField(source="started.pk", allow_null=True, default=None)


class HandOverResultSerializer(serializers.Serializer):
    """What the hand-over did (or, with ``dry_run``, would do)."""

    cadre = serializers.IntegerField(source="cadre.pk")
    cadre_name = serializers.CharField(source="cadre.name")
    date = serializers.DateField()
    reason = serializers.CharField()
    dry_run = serializers.BooleanField()
    lines = HandOverResultLineSerializer(many=True)
    #: Each successor's load now and after (the ``loads`` the view passes in the context).
    successors = serializers.SerializerMethodField()
    account_closed = serializers.SerializerMethodField()
    account_kept_because = serializers.CharField()

    @extend_schema_field(HandOverSuccessorLoadSerializer(many=True))
    def get_successors(self, result):
        return HandOverSuccessorLoadSerializer(self.context.get("loads", []), many=True).data

    def get_account_closed(self, result) -> bool:
        return not result.account_kept_because
