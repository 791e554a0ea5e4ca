"""voice's sections on the portal's pages (registered in ``VoiceConfig.ready``): a closed issue's
rating link and the platform's standing link, each with its QR code, for whoever may manage them."""

from django.conf import settings
from django.http import HttpRequest

from issues.models import Issue
from issues.sections import IssueSection, register_issue_section
from issues.services import closure_number
from liaison.access import may_manage_platform_links
from platforms.models import Platform
from platforms.sections import PlatformSection, register_platform_section

from .links import rating_url, standing_url
from .models import PlatformLink
from .qr import qr_svg
from .services import live_standing_link


def _shown(path: str) -> dict:
    url = settings.PORTAL_SITE_URL.rstrip("/") + path
    return {"url": url, "qr": qr_svg(url)}


def issue_section_context(request: HttpRequest, issue: Issue) -> dict:
    """``rating_link``: for a closed, unrated issue and someone who may manage the platform's links,
    the current closure's live link (``url``, ``qr``, ``link``) or ``{}`` (none yet, or not live)."""
    if issue.status not in Issue.CLOSED_STATUSES or issue.rating is not None:
        return {}
    if not may_manage_platform_links(request.user, platform=issue.platform):
        return {}
    link = PlatformLink.objects.filter(
        kind=PlatformLink.Kind.RATING, issue=issue, closure=closure_number(issue)
    ).first()
    if link is None or link.refusal():
        return {"rating_link": {}}
    return {"rating_link": {"link": link, **_shown(rating_url(link))}}


def platform_section_context(request: HttpRequest, platform: Platform) -> dict:
    """``standing_link``: for someone who may manage the platform's links, its live standing link
    (``url``, ``qr``, ``link``) or ``{}`` (none live)."""
    if not may_manage_platform_links(request.user, platform=platform):
        return {}
    link = live_standing_link(platform)
    if link is None:
        return {"standing_link": {}}
    return {"standing_link": {"link": link, **_shown(standing_url(link))}}


def register() -> None:
    register_issue_section(
        IssueSection(key="voice_rating_link", template="voice/partials/issue_rating_link.html",
                     context=issue_section_context)
    )
    register_platform_section(
        PlatformSection(key="voice_standing_link", template="voice/partials/platform_standing_link.html",
                        context=platform_section_context)
    )
