from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.text_limits import LimitedTextSerializerMixin

from .models import Platform


class PlatformBriefSerializer(serializers.ModelSerializer):
    """A platform as named in another record (an assignment, a contact, a cadre's list)."""

    class Meta:
        model = Platform
        fields = ["id", "name", "level", "district", "is_active"]
        read_only_fields = fields


class ResponsibleSerializer(serializers.Serializer):
    """The active assignment of a platform, seen from the platform: who is responsible since when."""

    assignment = serializers.IntegerField(source="id")
    cadre = serializers.IntegerField(source="cadre_id")
    cadre_name = serializers.CharField(source="cadre.name")
    unit = serializers.IntegerField(source="cadre.unit_id")
    unit_name = serializers.CharField(source="cadre.unit.name")
    start_date = serializers.DateField()


class PlatformSerializer(LimitedTextSerializerMixin, serializers.ModelSerializer):
    """A platform and its responsible cadre.

    ``is_active`` is read-only: taking a platform out of the scheme ends its assignment, so it
    goes through the ``deactivate`` action, never a plain update.
    """

    level_display = serializers.CharField(source="get_level_display", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    preferred_channel_display = serializers.CharField(source="get_preferred_channel_display", read_only=True)
    responsible = serializers.SerializerMethodField()

    class Meta:
        model = Platform
        fields = [
            "id",
            "name",
            "level",
            "level_display",
            "category",
            "category_display",
            "host_institution",
            "district",
            "technology_field",
            "address",
            "contact_person",
            "contact_phone",
            "contact_email",
            "preferred_channel",
            "preferred_channel_display",
            "preferred_times",
            "is_active",
            "batch",
            "responsible",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_active", "created_at", "updated_at"]

    @extend_schema_field(ResponsibleSerializer(allow_null=True))
    def get_responsible(self, platform):
        # Lists prefetch the active assignment into ``active_assignments``; a platform just
        # created or updated may not carry it, and then one query finds it.
        active = getattr(platform, "active_assignments", None)
        if active is None:
            active = list(platform.assignments.active().select_related("cadre__user", "cadre__unit"))
        return ResponsibleSerializer(active[0]).data if active else None
