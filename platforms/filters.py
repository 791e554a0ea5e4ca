import django_filters
from django.utils.translation import gettext_lazy as _

from config.filtersets import PortalFilterSet
from liaison.access import cadres_visible_to, choices_for_request, units_visible_to

from .models import Platform


class PlatformFilter(PortalFilterSet):
    """Platform filters; ``cadre`` and ``unit`` mean the one currently responsible.

    Searching by name or host institution is the ``search`` parameter (the search backend).
    """

    level = django_filters.MultipleChoiceFilter(choices=Platform.Level.choices)
    category = django_filters.MultipleChoiceFilter(choices=Platform.Category.choices)
    cadre = django_filters.ModelChoiceFilter(
        field_name="assignments__cadre",
        queryset=choices_for_request(cadres_visible_to),
        method="filter_active_assignment",
        label=_("responsible cadre"),
    )
    unit = django_filters.ModelChoiceFilter(
        field_name="assignments__cadre__unit",
        queryset=choices_for_request(units_visible_to),
        method="filter_active_assignment",
        label=_("unit of the responsible cadre"),
    )

    class Meta:
        model = Platform
        fields = ["level", "category", "district", "is_active", "batch", "cadre", "unit"]

    def filter_active_assignment(self, queryset, name, value):
        # Both conditions go in one filter() so that they apply to the same assignment row; a
        # platform has at most one active assignment, so the join cannot repeat a platform.
        return queryset.filter(**{"assignments__end_date__isnull": True, name: value})
