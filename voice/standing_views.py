"""The platform's standing page (/p/<token>/) and its need form (/p/<token>/need/): no sign-in,
the signed standing link is the key (``voice.links``).

The page shows the platform's own issues and needs, their state and due dates, and its
responsible cadre's name and office phone: nothing of another platform, no timeline, no comment,
no other person. Every refusal (forged, expired, revoked, too many tries) is the links' plain 4xx
page.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from config.forms import add_service_errors
from issues.models import Issue, PlatformNeed
from issues.need_views import NeedForm
from issues.needs import need_raise
from liaison.models import Assignment, user_display_name

from .links import LinkRefused, refused_response, resolve
from .models import PlatformLink

#: The platform's newest issues shown on its page.
ISSUES_SHOWN = 50


def _open(request, token: str):
    return resolve(request, token, kind=PlatformLink.Kind.STANDING)


@never_cache
@require_GET
def standing(request, token: str):
    try:
        link = _open(request, token)
    except LinkRefused as refused:
        return refused_response(request, refused)
    platform = link.platform
    assignment = Assignment.objects.active().filter(platform=platform).select_related("cadre__user").first()
    issues = list(
        Issue.objects.filter(platform=platform)
        .order_by("-recorded_on", "-pk")
        .only("title", "issue_class", "status", "recorded_on", "due_date", "closed_on", "platform_id")[:ISSUES_SHOWN]
    )
    waiting = list(
        PlatformNeed.objects.awaiting().filter(platform=platform)
        .order_by("-received_at", "-pk")
        .only("what", "received_on", "source", "platform_id")
    )
    return render(request, "voice/standing.html", {
        "platform": platform,
        "token": token,
        "cadre_name": user_display_name(assignment.cadre.user) if assignment else "",
        "cadre_phone": assignment.cadre.phone if assignment else "",
        "issues": issues,
        "waiting": waiting,
        "today": timezone.localdate(),
    })


@never_cache
@require_http_methods(["GET", "POST"])
def standing_need(request, token: str):
    try:
        link = _open(request, token)
    except LinkRefused as refused:
        return refused_response(request, refused)
    form = NeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            need = need_raise(platform=link.platform, source=PlatformNeed.Source.PLATFORM, by=None, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return render(request, "voice/need_thanks.html", {"platform": link.platform, "need": need, "token": token})
    return render(request, "voice/need_form.html", {"platform": link.platform, "form": form, "token": token},
                  status=400 if form.errors else 200)
