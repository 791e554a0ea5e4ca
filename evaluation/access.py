"""Who may see what the evaluation room shows, on top of ``liaison.access``."""

from django.db.models import QuerySet

from issues.models import DispatchReport
from liaison.access import roles_of

# --- dispatch reports


def sees_reports(user) -> bool:
    """A dispatch report covers every unit: bureau staff, admins and the office's leader see the
    reports (``Roles.sees_everything``); unit leaders and cadres do not."""
    return roles_of(user).sees_everything


def reports_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """The stored dispatch reports ``user`` may open: all of them, or none."""
    queryset = DispatchReport.objects.all() if queryset is None else queryset
    return queryset if sees_reports(user) else queryset.none()
