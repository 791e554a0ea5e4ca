"""Sections other rooms add to the issue page.

``issues`` may not import the rooms to its right (voice's rating link and its QR code, for one).
Each such room registers an ``IssueSection`` from its ``AppConfig.ready``; the page includes each
section's template after its facts, with the section's context merged into the page's.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

from .models import Issue


@dataclass(frozen=True)
class IssueSection:
    key: str
    #: Included after the issue's facts; it sees the page's context (``issue``, ``roles``...) and its own.
    template: str
    #: ``context(request, issue)``: the section's context, {} to show nothing. Its queries must not
    #: grow with the data (the page's query count is asserted).
    context: Callable[[HttpRequest, Issue], dict]


_SECTIONS: dict[str, IssueSection] = {}


def register_issue_section(section: IssueSection) -> None:
    """Show ``section`` on every issue page; registering the same key again replaces it."""
    _SECTIONS[section.key] = section


def sections_context(request: HttpRequest, issue: Issue) -> dict:
    """The page's context for its sections: ``section_templates`` in order, and each section's own."""
    context: dict = {"section_templates": []}
    for section in _SECTIONS.values():
        context.update(section.context(request, issue))
        context["section_templates"].append(section.template)
    return context
