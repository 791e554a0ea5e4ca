import django_filters
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.filtersets import PortalFilterSet
from liaison.access import cadres_visible_to, choices_for_request, platforms_visible_to, units_visible_to
from liaison.models import Assignment

# The choices offered (the browsable API lists them in its filter form): only what the user may see.
_units = choices_for_request(units_visible_to)

from .models import ExtensionRequest, Issue, IssueClass, Supervision
from .supervision import filter_supervisions


class IssueFilter(PortalFilterSet):
    """Issue filters. ``cadre`` and ``unit`` mean the platform's current responsible cadre and
    that cadre's unit (responsibility follows the platform); ``overdue`` is as of today in
    Asia/Shanghai; ``due_after`` and ``due_before`` bound the due date, both inclusive.

    Searching by title is the ``search`` parameter (the search backend).
    """

    issue_class = django_filters.MultipleChoiceFilter(choices=IssueClass.choices, label=_("class"))
    status = django_filters.MultipleChoiceFilter(choices=Issue.Status.choices)
    service_area = django_filters.MultipleChoiceFilter(choices=Issue.ServiceArea.choices)
    cadre = django_filters.ModelChoiceFilter(
        field_name="platform__assignments__cadre",
        queryset=choices_for_request(cadres_visible_to),
        method="filter_cadre",
        label=_("responsible cadre"),
    )
    unit = django_filters.ModelChoiceFilter(
        field_name="platform__assignments__cadre__unit",
        queryset=_units,
        method="filter_unit",
        label=_("unit of the responsible cadre"),
    )
    handed_to_unit = django_filters.ModelChoiceFilter(queryset=_units, label=_("lead unit"))
    platform = django_filters.ModelChoiceFilter(queryset=choices_for_request(platforms_visible_to), label=_("platform"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("overdue (as of today)"))
    provisional = django_filters.BooleanFilter(field_name="due_date_provisional", label=_("due date provisional"))
    due = django_filters.DateFromToRangeFilter(field_name="due_date", label=_("due date"))
    recorded = django_filters.DateFromToRangeFilter(field_name="recorded_on", label=_("recorded on"))
    extension_pending = django_filters.BooleanFilter(
        method="filter_extension_pending", label=_("an extension request is waiting for a decision")
    )

    class Meta:
        model = Issue
        fields = ["platform"]

    def filter_cadre(self, queryset, name, value):
        active = Assignment.objects.active().filter(platform=OuterRef("platform_id"), cadre=value)
        return queryset.filter(Exists(active))

    def filter_unit(self, queryset, name, value):
        return queryset.responsible_unit(value.pk)

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        if value:
            return queryset.overdue(today)
        # One exclude(): not (open and due before today); an issue without a due date stays in.
        return queryset.exclude(status__in=Issue.OPEN_STATUSES, due_date__lt=today)

    def filter_extension_pending(self, queryset, name, value):
        pending = ExtensionRequest.objects.filter(issue=OuterRef("pk"), status=ExtensionRequest.Status.PENDING)
        return queryset.filter(Exists(pending)) if value else queryset.exclude(Exists(pending))


# ``class`` is what a person types (``?class=B``); Python cannot declare a filter by that name.
IssueFilter.base_filters["class"] = django_filters.MultipleChoiceFilter(
    field_name="issue_class", choices=IssueClass.choices, label=_("class (the same as issue_class)")
)


class SupervisionFilter(PortalFilterSet):
    """Supervision filters: ``status`` (``overdue``: open past its reply-by date, as of today in
    Asia/Shanghai), ``unit`` (the unit responsible when it was opened) and ``issue`` (its id)."""

    status = django_filters.ChoiceFilter(
        choices=[("open", _("awaiting reply")), ("overdue", _("overdue")), ("replied", _("replied")),
                 ("closed", _("closed"))],
        method="filter_status", label=_("status"),
    )
    unit = django_filters.ModelChoiceFilter(queryset=_units, label=_("responsible unit"))
    issue = django_filters.NumberFilter(field_name="issue_id", label=_("issue (id)"))

    class Meta:
        model = Supervision
        fields = ["status", "unit", "issue"]

    def filter_status(self, queryset, name, value):
        return filter_supervisions(queryset, status=value, today=timezone.localdate())
