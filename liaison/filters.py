import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Assignment, Cadre, Contact, Unit
from .selectors import incomplete_cadres


class UnitFilter(django_filters.FilterSet):
    class Meta:
        model = Unit
        fields = ["kind", "is_office"]


class CadreFilter(django_filters.FilterSet):
    """``incomplete`` needs the queryset annotated with ``active_platform_count``."""

    incomplete = django_filters.BooleanFilter(
        method="filter_incomplete", label=_("active and serving fewer platforms than the minimum")
    )

    class Meta:
        model = Cadre
        fields = ["unit", "is_active", "batch", "incomplete"]

    def filter_incomplete(self, queryset, name, value):
        incomplete = incomplete_cadres()
        return queryset.filter(incomplete) if value else queryset.exclude(incomplete)


class AssignmentFilter(django_filters.FilterSet):
    unit = django_filters.ModelChoiceFilter(field_name="cadre__unit", queryset=Unit.objects.all(), label=_("unit"))
    active = django_filters.BooleanFilter(field_name="end_date", lookup_expr="isnull", label=_("active"))

    class Meta:
        model = Assignment
        fields = ["cadre", "platform", "unit", "active"]


class ContactFilter(django_filters.FilterSet):
    """``date_after`` and ``date_before`` bound the date, both inclusive."""

    date = django_filters.DateFromToRangeFilter(label=_("date"))

    class Meta:
        model = Contact
        fields = ["platform", "cadre", "kind", "date"]
