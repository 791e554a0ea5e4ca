"""The API for platforms.

Reads are scoped by ``liaison.access``; every change goes through the services: creating and
editing (``platforms.services``, as the admin and the bulk import do), deleting, deactivating and
handing a platform over (``liaison.services``).
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from liaison import services
from liaison.access import platforms_visible_to
from liaison.api import ReadOrAdmin, errors_renamed
from liaison.models import Assignment
from liaison.serializers import PlatformDeactivateSerializer, PlatformTransferSerializer

from . import services as platform_services
from .filters import PlatformFilter
from .models import Platform
from .serializers import PlatformSerializer


@extend_schema_view(
    destroy=extend_schema(description=_("Delete a platform with no history (400 otherwise: deactivate it instead)."))
)
class PlatformViewSet(viewsets.ModelViewSet):
    serializer_class = PlatformSerializer
    permission_classes = [ReadOrAdmin]
    filterset_class = PlatformFilter
    search_fields = ["name", "host_institution"]
    ordering_fields = ["name", "level", "category", "district", "batch", "updated_at"]

    def get_queryset(self):
        active = Assignment.objects.active().select_related("cadre__user", "cadre__unit")
        queryset = Platform.objects.prefetch_related(
            Prefetch("assignments", queryset=active, to_attr="active_assignments")
        )
        return platforms_visible_to(self.request.user, queryset)

    def perform_create(self, serializer):
        serializer.instance = platform_services.platform_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = platform_services.platform_update(platform=serializer.instance,
                                                                **serializer.validated_data)

    def perform_destroy(self, instance):
        services.platform_delete(platform=instance)

    def _fresh(self, platform):
        return Response(PlatformSerializer(self.get_queryset().get(pk=platform.pk)).data)

    @extend_schema(request=PlatformDeactivateSerializer, responses=PlatformSerializer)
    @action(detail=True, methods=["post"], serializer_class=PlatformDeactivateSerializer)
    def deactivate(self, request, pk=None, format=None):
        """Take the platform out of the scheme; its active assignment ends with ``end_reason``."""
        platform = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.platform_deactivate(platform=platform, reason=serializer.validated_data["end_reason"])
        return self._fresh(platform)

    @extend_schema(request=PlatformTransferSerializer, responses=PlatformSerializer)
    @action(detail=True, methods=["post"], serializer_class=PlatformTransferSerializer)
    def transfer(self, request, pk=None, format=None):
        """Hand the platform over to ``cadre`` on ``date`` (today if empty), in one step."""
        platform = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with errors_renamed(start_date="date", end_date="date", platform=NON_FIELD_ERRORS):
            services.assignment_transfer(
                platform=platform, to_cadre=data["cadre"], reason=data["end_reason"], date=data["date"], by=request.user
            )
        return self._fresh(platform)
