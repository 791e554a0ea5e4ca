"""The platform's links as tokens: made, read back and refused.

A token is the link's kind, id and nonce, signed with the project's key and a salt of its own
(``django.core.signing``). Reading one checks the signature before anything else: a tampered or
made-up token never reaches the database, and the only lookup is by the signed id. A token that
never existed and one that was tampered with are refused alike (400), so a refusal says nothing
about which other links exist; an expired, revoked or used link is 410; too many tries from one
address or on one link is 429 (django-ratelimit, counted in the shared cache).
"""

from dataclasses import dataclass

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited

from config.portal import portal_setting
from issues.models import Issue
from issues.services import closure_number

from .models import PlatformLink

SALT = "voice.links"
_SIGNER = signing.Signer(salt=SALT)
_KIND_CODES = {PlatformLink.Kind.STANDING: "s", PlatformLink.Kind.RATING: "r"}


@dataclass
class LinkRefused(Exception):
    """A link that does not open: ``status`` is the HTTP status to answer with, ``reason`` a word
    for logs and tests ("tampered", "kind", "expired", "revoked", "used", "rate_limited")."""

    status: int
    reason: str

    def __str__(self):
        return f"{self.status} {self.reason}"


def make_token(link: PlatformLink) -> str:
    # Signed without a timestamp: a link's token is the same each time it is written (the e-mail, the
    # QR code, the command), and its expiry is the link's own ``expires_at``.
    return _SIGNER.sign_object([_KIND_CODES[link.kind], link.pk, link.nonce])


def standing_url(link: PlatformLink) -> str:
    """The standing link's path (``/p/<token>/``); prefix ``PORTAL_SITE_URL`` for an address."""
    return reverse("voice:standing", kwargs={"token": make_token(link)})


def rating_url(link: PlatformLink) -> str:
    """The rating link's path (``/p/r/<token>/``); prefix ``PORTAL_SITE_URL`` for an address."""
    return reverse("voice:rating", kwargs={"token": make_token(link)})


def _limited(request: HttpRequest, *, group: str, key, rate: str) -> bool:
    return is_ratelimited(request, group=group, key=key, rate=rate, increment=True)


def resolve(request: HttpRequest, token: str, *, kind: str = PlatformLink.Kind.STANDING) -> PlatformLink:
    """The live link ``token`` stands for, with its platform (and issue), or ``LinkRefused``.

    Every call counts against the client's address (``PORTAL["LINK_RATE_PER_ADDRESS"]``), and a
    genuine token also against its link (``PORTAL["LINK_RATE_PER_LINK"]``).
    """
    if _limited(request, group="voice:address", key="ip", rate=portal_setting("LINK_RATE_PER_ADDRESS")):
        raise LinkRefused(429, "rate_limited")
    try:
        code, link_id, nonce = _SIGNER.unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkRefused(400, "tampered") from None
    if code != _KIND_CODES.get(kind) or not isinstance(link_id, int) or not isinstance(nonce, str):
        raise LinkRefused(400, "kind")
    per_link = portal_setting("LINK_RATE_PER_LINK")
    if _limited(request, group="voice:link", key=lambda group, request: f"{kind}:{link_id}", rate=per_link):
        raise LinkRefused(429, "rate_limited")
    link = (
        PlatformLink.objects.select_related(
            "platform", "issue__platform", "issue__handed_to_unit", "issue__recorded_by__unit"
        )
        .filter(pk=link_id, kind=kind)
        .first()
    )
    if link is None or not constant_time_compare(link.nonce, nonce):
        # A link deleted, or a nonce that is not the link's: the same answer as a forged token.
        raise LinkRefused(400, "tampered")
    reason = link.refusal(timezone.now())
    if reason:
        raise LinkRefused(410, reason)
    return link


def resolve_rating(request: HttpRequest, token: str) -> PlatformLink:
    """The live rating link ``token`` stands for, whose closure is still the issue's current one
    and not rated yet (by the platform or by its cadre); else ``LinkRefused`` (410 once it is not)."""
    link = resolve(request, token, kind=PlatformLink.Kind.RATING)
    issue = link.issue
    if issue.status not in Issue.CLOSED_STATUSES or closure_number(issue) != link.closure or issue.rating is not None:
        raise LinkRefused(410, "used")
    return link


_MESSAGES = {
    400: _(
        "This link is not valid. Please check that it was copied whole, or ask your liaison cadre for a new one."
    ),
    410: _(
        "This link can no longer be used: it has expired, been replaced or already been used. Please ask "
        "your liaison cadre for a new one."
    ),
    429: _("Too many attempts. Please wait a few minutes and try again."),
}


def refused_response(request: HttpRequest, refused: LinkRefused) -> HttpResponse:
    """The plain page for a refused link, with its 4xx status; the same page whatever the detail."""
    response = render(
        request,
        "voice/refused.html",
        {"message": _MESSAGES.get(refused.status, _MESSAGES[400])},
        status=refused.status,
    )
    if refused.status == 429:
        response["Retry-After"] = "60"
    return response
