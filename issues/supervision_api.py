"""The API for supervisions (督办): the list and one supervision, opening one, and its actions.

Reads are scoped by ``issues.access.supervisions_visible_to``: a supervision the user may not see
is a 404. Every change goes through one service in ``issues.supervision``, which decides who may
take it (a ``PermissionDenied`` is a 403 with its message) and raises ``ValidationError`` for the
rest (a 400 with field messages, by ``config.api.exception_handler``). Every action answers with
the supervision as it now stands.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import supervision as services
from .filters import SupervisionFilter
from .serializers import (
    SupervisionCloseSerializer,
    SupervisionOpenSerializer,
    SupervisionRenewSerializer,
    SupervisionReplySerializer,
    SupervisionSerializer,
)

_DENIED = OpenApiResponse(description=_("The user may not take this action (the message says why)."))
_NOT_VISIBLE = OpenApiResponse(description=_("No such supervision among those the user may see."))
_INVALID = OpenApiResponse(description=_("Invalid input: the messages are listed per field."))


def _action_schema(request, *, summary):
    return extend_schema(
        summary=summary, request=request,
        responses={200: SupervisionSerializer, 400: _INVALID, 403: _DENIED, 404: _NOT_VISIBLE},
    )


@extend_schema_view(
    list=extend_schema(summary=_("The supervisions the user may see: waiting for a reply first")),
    retrieve=extend_schema(summary=_("One supervision")),
    create=extend_schema(
        summary=_("Open a supervision of an issue (bureau staff)"),
        request=SupervisionOpenSerializer,
        responses={201: SupervisionSerializer, 400: _INVALID, 403: _DENIED},
    ),
)
class SupervisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                         viewsets.GenericViewSet):
    """Supervisions of issues. They are never edited or deleted: each change is an action with its
    own service and its own entry on the issue's timeline."""

    serializer_class = SupervisionSerializer
    filterset_class = SupervisionFilter
    search_fields = ["issue__title", "instruction"]
    ordering_fields = ["reply_by", "opened_at"]

    def get_queryset(self):
        return services.ordered(services.supervision_list(user=self.request.user))

    def get_serializer_class(self):
        # The browsable API renders the list's POST form with the list's action name.
        if self.action in {"create", "list"} and self.request.method == "POST":
            return SupervisionOpenSerializer
        return super().get_serializer_class()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def _input(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _fresh(self, supervision, status_code=status.HTTP_200_OK):
        """The supervision as it now stands, read again through the list queryset."""
        fresh = self.get_queryset().get(pk=supervision.pk)
        return Response(SupervisionSerializer(fresh, context=self.get_serializer_context()).data, status=status_code)

    def create(self, request, format=None):
        supervision = services.supervision_open(by=request.user, **self._input(request))
        return self._fresh(supervision, status.HTTP_201_CREATED)

    @_action_schema(SupervisionReplySerializer, summary=_("Reply to the supervision (the responsible unit)"))
    @action(detail=True, methods=["post"], serializer_class=SupervisionReplySerializer)
    def reply(self, request, pk=None, format=None):
        """The responsible unit's leader, the platform's cadre, or bureau staff for them."""
        supervision = services.supervision_reply(supervision=self.get_object(), by=request.user,
                                                 **self._input(request))
        return self._fresh(supervision)

    @_action_schema(SupervisionCloseSerializer, summary=_("Close the supervision (bureau staff)"))
    @action(detail=True, methods=["post"], serializer_class=SupervisionCloseSerializer)
    def close(self, request, pk=None, format=None):
        """Replied to, or no longer needed; with an optional note."""
        supervision = services.supervision_close(supervision=self.get_object(), by=request.user,
                                                 **self._input(request))
        return self._fresh(supervision)

    @_action_schema(SupervisionRenewSerializer, summary=_("Renew the supervision: a new instruction and reply-by date"))
    @action(detail=True, methods=["post"], serializer_class=SupervisionRenewSerializer)
    def renew(self, request, pk=None, format=None):
        """Sent back to the unit, counted from today; the unit's leader and the cadre are told again."""
        supervision = services.supervision_renew(supervision=self.get_object(), by=request.user,
                                                 **self._input(request))
        return self._fresh(supervision)
