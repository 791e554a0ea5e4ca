"""The platform page's achievements section (registered by ``AchievementsConfig.ready`` into
``platforms.sections``): the platform's newest achievements the user may see, and how many."""

from django.http import HttpRequest

from platforms.models import Platform
from platforms.sections import PlatformSection

from .selectors import platform_achievements

#: The platform's newest achievements shown on its page; the list has them all.
ACHIEVEMENTS_SHOWN = 5


def platform_section_context(request: HttpRequest, platform: Platform) -> dict:
    achievements, achievement_count = platform_achievements(
        user=request.user, platform=platform, limit=ACHIEVEMENTS_SHOWN
    )
    return {"achievements": achievements, "achievement_count": achievement_count}


PLATFORM_SECTION = PlatformSection(
    key="achievements", template="achievements/partials/platform_section.html", context=platform_section_context
)
