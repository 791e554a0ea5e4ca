"""The portal's side of a platform's links (signed in): issue, revoke and reissue them. Each is a
POST from the platform's or the issue's page, back to it with a message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from issues.access import issues_visible_to
from liaison.access import get_visible_or_404, platforms_visible_to

from . import services
from .models import PlatformLink


@login_required
@require_POST
def standing_issue(request, pk: int):
    """A new standing link for the platform (the live one, if any, stops working)."""
    platform = get_visible_or_404(platforms_visible_to(request.user), pk=pk)
    services.standing_link_issue(platform=platform, by=request.user)
    messages.success(request, _("A new link was made: the one before it no longer works."))
    return redirect("platforms:detail", pk=platform.pk)


@login_required
@require_POST
def rating_issue(request, pk: int):
    """A new rating link for the issue's current closure (the old one, if any, stops working)."""
    issue = get_visible_or_404(issues_visible_to(request.user).select_related("platform"), pk=pk)
    try:
        services.rating_link_reissue(issue=issue, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("A new rating link was made: the one before it no longer works."))
    return redirect("issues:detail", pk=issue.pk)


@login_required
@require_POST
def revoke(request, pk: int):
    """Revoke a link of a platform the user may see (the service checks they may manage it)."""
    link = get_visible_or_404(
        PlatformLink.objects.filter(platform__in=platforms_visible_to(request.user)).select_related("platform"), pk=pk
    )
    try:
        services.link_revoke(link=link, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The link was revoked: it no longer works."))
    if link.kind == PlatformLink.Kind.RATING:
        return redirect("issues:detail", pk=link.issue_id)
    return redirect("platforms:detail", pk=link.platform_id)


