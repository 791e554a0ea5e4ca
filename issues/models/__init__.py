"""The issues app's models, split by concept and re-exported here."""

from .calendar import CalendarDay, CalendarYear
from .issue import (
    WORKING_DAYS_BY_CLASS,
    EscalationLevel,
    ExtensionRequest,
    Issue,
    IssueClass,
    IssueEvent,
    IssueQuerySet,
)
from .need import PlatformNeed, PlatformNeedQuerySet
from .notification import DispatchReport
from .supervision import Supervision, SupervisionQuerySet

__all__ = [
    "WORKING_DAYS_BY_CLASS",
    "CalendarDay",
    "CalendarYear",
    "DispatchReport",
    "EscalationLevel",
    "ExtensionRequest",
    "Issue",
    "IssueClass",
    "IssueEvent",
    "IssueQuerySet",
    "PlatformNeed",
    "PlatformNeedQuerySet",
    "Supervision",
    "SupervisionQuerySet",
]
