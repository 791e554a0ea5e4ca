"""The achievement list's filters, one set for the pages, the export and the API.

``unit`` means the unit of the platform's current responsible cadre, or the district or park where
the achievement lands. The platforms offered are those the user may see.
"""

import django_filters
from django import forms
from django.forms import DateInput
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from config.filtersets import PortalFilterSet
from liaison.access import choices_for_request, platforms_visible_to, units_visible_to
from liaison.models import Assignment, Unit

from .models import (
    READINESS_MAX,
    READINESS_MIN,
    Achievement,
    Demand,
    DemandStatus,
    Judgement,
    Match,
    MatchStatus,
    ServiceKind,
    ServiceRecord,
    Stage,
    TechnologyField,
)


def _platforms(request):
    if request is None:
        return platforms_visible_to(None).none()
    return platforms_visible_to(request.user).order_by("name")


class AchievementFilter(PortalFilterSet):
    technology_field = django_filters.ChoiceFilter(
        choices=TechnologyField.choices, label=_("Technology field"), empty_label=_("All fields")
    )
    stage = django_filters.ChoiceFilter(choices=Stage.choices, label=_("Stage"), empty_label=_("All stages"))
    readiness_level = django_filters.ChoiceFilter(
        choices=[(n, str(n)) for n in range(READINESS_MIN, READINESS_MAX + 1)],
        label=_("Readiness level"),
        empty_label=_("Any level"),
    )
    judgement = django_filters.ChoiceFilter(
        choices=Judgement.choices, label=_("Judgement"), empty_label=_("Any judgement")
    )
    platform = django_filters.ModelChoiceFilter(queryset=_platforms, label=_("Platform"), empty_label=_("All platforms"))
    unit = django_filters.ModelChoiceFilter(
        field_name="platform__assignments__cadre__unit", queryset=choices_for_request(units_visible_to), method="filter_unit",
        label=_("Unit"), empty_label=_("All units"),
    )
    collected_after = django_filters.DateFilter(
        field_name="collected_on", lookup_expr="gte", label=_("Collected from"), widget=DateInput(attrs={"type": "date"})
    )
    collected_before = django_filters.DateFilter(
        field_name="collected_on", lookup_expr="lte", label=_("Collected until"), widget=DateInput(attrs={"type": "date"})
    )
    q = django_filters.CharFilter(method="filter_text", label=_("Search"), max_length=100)

    class Meta:
        model = Achievement
        fields = ["technology_field", "stage", "readiness_level", "judgement", "platform", "unit"]

    def filter_unit(self, queryset, name, value):
        active = Assignment.objects.active().filter(platform=OuterRef("platform_id"), cadre__unit=value)
        return queryset.filter(Exists(active) | Q(landing_unit=value))

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value) | Q(sub_field__icontains=value) | Q(counterpart_enterprise__icontains=value)
        )


class DemandFilter(PortalFilterSet):
    status = django_filters.ChoiceFilter(choices=DemandStatus.choices, label=_("Status"), empty_label=_("Any status"))
    technology_field = django_filters.ChoiceFilter(
        choices=TechnologyField.choices, label=_("Technology field"), empty_label=_("All fields")
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=choices_for_request(units_visible_to, Unit.objects.filter(kind__in=[Unit.Kind.DISTRICT, Unit.Kind.PARK])),
        label=_("District or park"),
        empty_label=_("All districts and parks"),
    )
    raised_after = django_filters.DateFilter(
        field_name="raised_on", lookup_expr="gte", label=_("Raised from"), widget=DateInput(attrs={"type": "date"})
    )
    raised_before = django_filters.DateFilter(
        field_name="raised_on", lookup_expr="lte", label=_("Raised until"), widget=DateInput(attrs={"type": "date"})
    )
    q = django_filters.CharFilter(method="filter_text", label=_("Search"), max_length=100)

    class Meta:
        model = Demand
        fields = ["status", "technology_field", "unit"]

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value) | Q(sub_field__icontains=value) | Q(enterprise__icontains=value)
            | Q(description__icontains=value)
        )


class MatchFilter(PortalFilterSet):
    status = django_filters.ChoiceFilter(choices=MatchStatus.choices, label=_("Status"), empty_label=_("Any status"))
    # By id, not a list of choices: a form must not list every title to whoever opens it.
    achievement = django_filters.NumberFilter(field_name="achievement_id", label=_("Achievement (id)"))
    demand = django_filters.NumberFilter(field_name="demand_id", label=_("Demand (id)"))

    class Meta:
        model = Match
        fields = ["status", "achievement", "demand"]


# --- service records -------------------------------------------------------------------------------


class ServiceRecordFilter(PortalFilterSet):
    """The service list's filters. ``unit`` is the unit of the cadre credited with the service; the
    period is the day it was given, both ends included."""

    kind = django_filters.ChoiceFilter(choices=ServiceKind.choices, label=_("Kind of service"),
                                       empty_label=_("All kinds"))
    platform = django_filters.ModelChoiceFilter(queryset=_platforms, label=_("Platform"), empty_label=_("All platforms"))
    unit = django_filters.ModelChoiceFilter(field_name="given_by__unit", queryset=choices_for_request(units_visible_to), label=_("Unit"),
                                            empty_label=_("All units"))
    given_from = django_filters.DateFilter(field_name="given_on", lookup_expr="gte", label=_("From"),
                                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    given_to = django_filters.DateFilter(field_name="given_on", lookup_expr="lte", label=_("To"),
                                         widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    achievement = django_filters.NumberFilter(field_name="achievement_id", label=_("Achievement"),
                                              widget=forms.HiddenInput)
    issue = django_filters.NumberFilter(field_name="issue_id", label=_("Issue"), widget=forms.HiddenInput)

    class Meta:
        model = ServiceRecord
        fields = ["kind", "platform", "unit", "given_from", "given_to", "achievement", "issue"]
