"""The issues app's models, split by concept and re-exported here."""

from .calendar import CalendarDay, CalendarYear
from .issue import (
    WORKING_DAYS_BY_CLASS,
    ExtensionRequest,
    Issue,
    IssueClass,
    IssueEvent,
    IssueQuerySet,
)

__all__ = [
    "WORKING_DAYS_BY_CLASS",
    "CalendarDay",
    "CalendarYear",
    "ExtensionRequest",
    "Issue",
    "IssueClass",
    "IssueEvent",
    "IssueQuerySet",
]
