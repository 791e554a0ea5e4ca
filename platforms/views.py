"""The platform page: its profile, how it prefers to be reached, its cadre, and one timeline."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from achievements.access import can_record_service
from achievements.selectors import platform_achievements, platform_service_records
from liaison import selectors
from liaison.access import get_visible_or_404, platforms_loggable_by, platforms_visible_to

#: Timeline entries shown before "show all".
TIMELINE_LENGTH = 50
#: The platform's newest achievements shown on its page; the list has them all.
ACHIEVEMENTS_SHOWN = 5
#: The platform's newest services shown on its page; the service list has them all.
SERVICES_SHOWN = 5


@login_required
def platform_detail(request, pk):
    platform = get_visible_or_404(platforms_visible_to(request.user), pk=pk)
    today = timezone.localdate()
    assignment = selectors.platform_current_assignment(platform, today=today)
    show_all = request.GET.get("all") == "1"
    timeline = selectors.platform_timeline(
        user=request.user, platform=platform, limit=None if show_all else TIMELINE_LENGTH, today=today
    )
    achievements, achievement_count = platform_achievements(
        user=request.user, platform=platform, limit=ACHIEVEMENTS_SHOWN
    )
    service_records, service_count = platform_service_records(
        user=request.user, platform=platform, limit=SERVICES_SHOWN
    )
    return render(
        request,
        "platforms/detail.html",
        {
            "platform": platform,
            "achievements": achievements,
            "achievement_count": achievement_count,
            "service_records": service_records,
            "service_count": service_count,
            "can_record_service": can_record_service(request.user, platform=platform, on=today),
            "assignment": assignment,
            "timeline": timeline,
            # The buttons to log a contact or record an issue: the same rule as the contact form's.
            "serves_it": platforms_loggable_by(request.user).filter(pk=platform.pk).exists(),
            "today": today,
        },
    )
