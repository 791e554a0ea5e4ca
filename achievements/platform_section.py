"""The platform page's sections (registered by ``AchievementsConfig.ready`` into
``platforms.sections``): the platform's newest achievements and services given that the user may
see, and how many of each."""

from django.http import HttpRequest
from django.utils import timezone

from platforms.models import Platform
from platforms.sections import PlatformSection

from .access import can_record_service
from .selectors import platform_achievements, platform_service_records

#: The platform's newest achievements shown on its page; the list has them all.
ACHIEVEMENTS_SHOWN = 5
#: The platform's newest services shown on its page; the service list has them all.
SERVICES_SHOWN = 5


def platform_section_context(request: HttpRequest, platform: Platform) -> dict:
    achievements, achievement_count = platform_achievements(
        user=request.user, platform=platform, limit=ACHIEVEMENTS_SHOWN
    )
    return {"achievements": achievements, "achievement_count": achievement_count}


PLATFORM_SECTION = PlatformSection(
    key="achievements", template="achievements/partials/platform_section.html", context=platform_section_context
)


def services_section_context(request: HttpRequest, platform: Platform) -> dict:
    service_records, service_count = platform_service_records(user=request.user, platform=platform,
                                                              limit=SERVICES_SHOWN)
    return {
        "service_records": service_records,
        "service_count": service_count,
        "can_record_service": can_record_service(request.user, platform=platform, on=timezone.localdate()),
    }


SERVICES_SECTION = PlatformSection(
    key="services", template="achievements/partials/platform_services_section.html",
    context=services_section_context,
)
