"""The API token endpoint: throttled per address and guarded by django-axes like the two sign-in pages."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from .auth import lockout_response, token_expired


class TokenRateThrottle(AnonRateThrottle):
    """Requests for a token, per client address (``PORTAL_API_TOKEN_RATE``)."""

    scope = "auth-token"

    def get_rate(self):
        return settings.PORTAL_API_TOKEN_RATE

    def allow_request(self, request, view):
        # Only the attempts count: a GET (405) tries no password.
        return request.method != "POST" or super().allow_request(request, view)


class PortalAuthTokenSerializer(AuthTokenSerializer):
    """DRF's, with a username no longer than a user's can be: a longer one is a field error before
    any sign-in is tried (django-axes logs the username of every attempt, and its column is 255 wide)."""

    username = serializers.CharField(
        label=_("Username"),
        max_length=get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD).max_length,
        write_only=True,
    )


class PortalObtainAuthToken(ObtainAuthToken):
    """A token for a username and password: a new one if the user's old one has expired; refused
    (429) while django-axes locks the account or the address out, and throttled per address."""

    throttle_classes = [TokenRateThrottle]
    serializer_class = PortalAuthTokenSerializer

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            # axes marks the Django request it was handed (DRF's wraps it): a lockout is a 429.
            if getattr(request._request, "axes_locked_out", False) or getattr(request, "axes_locked_out", False):
                return lockout_response(request._request)
            serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token = Token.objects.filter(user=user).first()
        if token is not None and token_expired(token):
            token.delete()
            token = None
        if token is None:
            token = Token.objects.create(user=user)
        return Response({"token": token.key}, status=status.HTTP_200_OK)
