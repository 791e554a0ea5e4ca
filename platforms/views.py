"""The platform page: its profile, how it prefers to be reached, its cadre, the sections other rooms
add (``platforms.sections``), and one timeline."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from liaison import selectors
from liaison.access import get_visible_or_404, platforms_loggable_by, platforms_visible_to

from .sections import sections_context

#: Timeline entries shown before "show all".
TIMELINE_LENGTH = 50


@login_required
def platform_detail(request, pk):
    platform = get_visible_or_404(platforms_visible_to(request.user), pk=pk)
    today = timezone.localdate()
    assignment = selectors.platform_current_assignment(platform, today=today)
    show_all = request.GET.get("all") == "1"
    timeline = selectors.platform_timeline(
        user=request.user, platform=platform, limit=None if show_all else TIMELINE_LENGTH, today=today
    )
    return render(
        request,
        "platforms/detail.html",
        {
            # What other rooms add (achievements): ``platforms.sections``.
            **sections_context(request, platform),
            "platform": platform,
            "assignment": assignment,
            "timeline": timeline,
            # The buttons to log a contact or record an issue: the same rule as the contact form's.
            "serves_it": platforms_loggable_by(request.user).filter(pk=platform.pk).exists(),
            "today": today,
        },
    )
