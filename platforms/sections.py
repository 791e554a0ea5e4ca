"""Sections other rooms add to the platform page.

A platform's achievements (and what later rooms keep per platform) belong on its page, but
``platforms`` may not import the rooms to its right. Each such room registers a
``PlatformSection`` from its ``AppConfig.ready``; the page includes each section's template in its
main column, above the timeline, with the section's context merged into the page's.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

from .models import Platform


@dataclass(frozen=True)
class PlatformSection:
    key: str
    #: Included in the page's main column; it sees the page's context (``platform``, ``serves_it``,
    #: ``today``...) and its own.
    template: str
    #: ``context(request, platform)``: the section's context. Its queries must not grow with the
    #: data (the page's query count is asserted).
    context: Callable[[HttpRequest, Platform], dict]


_SECTIONS: dict[str, PlatformSection] = {}


def register_platform_section(section: PlatformSection) -> None:
    """Show ``section`` on every platform page; registering the same key again replaces it."""
    _SECTIONS[section.key] = section


def platform_sections() -> list[PlatformSection]:
    """The registered sections, in the order they were first registered."""
    return list(_SECTIONS.values())


def sections_context(request: HttpRequest, platform: Platform) -> dict:
    """The page's context for its sections: ``section_templates`` in order, and each section's
    own context."""
    context: dict = {"section_templates": []}
    for section in platform_sections():
        context.update(section.context(request, platform))
        context["section_templates"].append(section.template)
    return context
