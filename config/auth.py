"""The doors: API tokens that expire and die with a password change, and the answer django-axes
gives a locked-out client. The token endpoint is ``config.auth_views`` (apart, because DRF's views
import this module's authentication class)."""

import datetime

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.renderers import BrowsableAPIRenderer


def token_lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.PORTAL_API_TOKEN_HOURS)


def token_expired(token: Token) -> bool:
    return token.created < timezone.now() - token_lifetime()


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing a token older than ``PORTAL_API_TOKEN_HOURS``."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed(_("The token has expired: ask for a new one."))
        return user, token


class PortalAxesBackend(AxesStandaloneBackend):
    """django-axes' lockout check on every door a person knocks at (each has a request); a sign-in
    without a request (the test client's ``login``, a shell) is no door and is left to the next backend."""

    def authenticate(self, request=None, *args, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


class PortalBrowsableAPIRenderer(BrowsableAPIRenderer):
    """The browsable API with its raw-data (JSON) forms only: the HTML forms list every choice of a
    serializer's related fields (every platform's name) to whoever may post. The filter forms stay;
    their choices are scoped to the user (``liaison.access.choices_for_request``)."""

    def get_rendered_html_form(self, data, view, method, request):
        return None


def client_ip(request) -> str:
    """The client's address for django-axes: the same header as the rate limits (``RATELIMIT_IP_META_KEY``)."""
    return request.META.get(settings.RATELIMIT_IP_META_KEY, "")


def locked_out_message() -> str:
    return _("Too many failed sign-ins. Signing in is refused for a while; try again later or ask an administrator to unlock.")


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer once an account or address is locked out: JSON on the API, a page otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": locked_out_message()}, status=settings.AXES_HTTP_RESPONSE_CODE)
    return render(
        request, "registration/locked_out.html", {"message": locked_out_message()},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


@receiver(pre_save, sender=get_user_model(), dispatch_uid="portal_tokens_die_with_password")
def delete_tokens_on_password_change(sender, instance, raw=False, **kwargs):
    """A password change (by the user, an admin or a command) ends the user's API tokens."""
    update_fields = kwargs.get("update_fields")
    if raw or instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    old = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if old is not None and old != instance.password:
        Token.objects.filter(user_id=instance.pk).delete()
