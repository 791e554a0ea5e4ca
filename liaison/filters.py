import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from config.filtersets import PortalFilterSet
from platforms.models import Platform

from . import lists
from .access import choices_for_request, cadres_visible_to, platforms_visible_to, units_overseen_by, units_visible_to
from .models import Assignment, Cadre, Contact, Unit
from .selectors import incomplete_cadres


# The API's choices: only what the user may see (the browsable API lists them in its filter form).
_units = choices_for_request(units_visible_to)
_cadres = choices_for_request(cadres_visible_to)
_platforms = choices_for_request(platforms_visible_to)


class UnitFilter(PortalFilterSet):
    class Meta:
        model = Unit
        fields = ["kind", "is_office"]


class CadreFilter(PortalFilterSet):
    """``incomplete`` needs the queryset annotated with ``active_platform_count``."""

    unit = django_filters.ModelChoiceFilter(queryset=_units, label=_("unit"))
    incomplete = django_filters.BooleanFilter(
        method="filter_incomplete", label=_("active and serving fewer platforms than the minimum")
    )

    class Meta:
        model = Cadre
        fields = ["unit", "is_active", "batch", "incomplete"]

    def filter_incomplete(self, queryset, name, value):
        incomplete = incomplete_cadres()
        return queryset.filter(incomplete) if value else queryset.exclude(incomplete)


class AssignmentFilter(PortalFilterSet):
    cadre = django_filters.ModelChoiceFilter(queryset=_cadres, label=_("cadre"))
    platform = django_filters.ModelChoiceFilter(queryset=_platforms, label=_("platform"))
    unit = django_filters.ModelChoiceFilter(field_name="cadre__unit", queryset=_units, label=_("unit"))
    active = django_filters.BooleanFilter(field_name="end_date", lookup_expr="isnull", label=_("active"))

    class Meta:
        model = Assignment
        fields = ["cadre", "platform", "unit", "active"]


class ContactFilter(PortalFilterSet):
    """``date_after`` and ``date_before`` bound the date, both inclusive."""

    platform = django_filters.ModelChoiceFilter(queryset=_platforms, label=_("platform"))
    cadre = django_filters.ModelChoiceFilter(queryset=_cadres, label=_("cadre"))
    date = django_filters.DateFromToRangeFilter(label=_("date"))

    class Meta:
        model = Contact
        fields = ["platform", "cadre", "kind", "date"]


# --- the staff's list pages ------------------------------------------------------------------------
# Their own FilterSets, so that the API's above keep accepting exactly what they did. Each filters
# the annotated, scoped queryset of ``liaison.lists``; the units and places offered are the ones in
# the user's scope.

_DATE_INPUT = forms.DateInput(attrs={"type": "date"})


def _yes_or_no(label, **kwargs) -> django_filters.BooleanFilter:
    """A yes/no filter whose empty choice means "either" (Django's own reads "Unknown")."""
    widget = forms.Select(choices=[("", _("Either")), ("true", _("Yes")), ("false", _("No"))])
    return django_filters.BooleanFilter(label=label, widget=widget, **kwargs)


def _scoped_units(request):
    if request is None:
        return Unit.objects.none()
    return units_overseen_by(request.user)


class _ListFilter(PortalFilterSet):
    """``q`` searches with the list's ``search`` function."""

    q = django_filters.CharFilter(method="filter_search", label=_("Search"), max_length=100)
    #: The sort travels with the form; ``lists.sort_rows`` applies it.
    sort = django_filters.CharFilter(method="keep", widget=forms.HiddenInput)
    search = None

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return type(self).search(queryset, value) if value else queryset

    def keep(self, queryset, name, value):
        return queryset


class PlatformListFilter(_ListFilter):
    """For ``lists.platform_rows``: ``unit`` is the responsible cadre's unit."""

    search = staticmethod(lists.search_platforms)
    level = django_filters.ChoiceFilter(choices=Platform.Level.choices, label=_("Level"), empty_label=_("All levels"))
    category = django_filters.ChoiceFilter(
        choices=Platform.Category.choices, label=_("Category"), empty_label=_("All categories")
    )
    district = django_filters.ChoiceFilter(label=_("District or park"), empty_label=_("All districts and parks"))
    technology_field = django_filters.ChoiceFilter(label=_("Technology field"), empty_label=_("All fields"))
    unit = django_filters.ModelChoiceFilter(
        queryset=_scoped_units, method="filter_unit", label=_("Unit"), empty_label=_("All units")
    )
    batch = django_filters.NumberFilter(label=_("Batch"), min_value=1)
    is_active = _yes_or_no(_("Active"))
    without_cadre = _yes_or_no(_("Without a cadre"), method="filter_without_cadre")
    not_contacted = _yes_or_no(_("Not contacted this quarter"), method="filter_not_contacted")

    class Meta:
        model = Platform
        fields = ["q", "level", "category", "district", "technology_field", "unit", "batch", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The places and fields offered are those of the platforms in the user's scope.
        for name in ("district", "technology_field"):
            values = (
                self.queryset.prefetch_related(None).exclude(**{name: ""}).order_by(name)
                .values_list(name, flat=True).distinct()
            )
            self.filters[name].extra["choices"] = [(value, value) for value in values]

    def filter_unit(self, queryset, name, value):
        return queryset.filter(Exists(Assignment.objects.active().filter(platform=OuterRef("pk"), cadre__unit=value)))

    def filter_without_cadre(self, queryset, name, value):
        return queryset.filter(has_cadre=not value)

    def filter_not_contacted(self, queryset, name, value):
        return queryset.filter(contacted_this_quarter=not value)


class CadreListFilter(_ListFilter):
    """For ``lists.cadre_rows``."""

    search = staticmethod(lists.search_cadres)
    unit = django_filters.ModelChoiceFilter(queryset=_scoped_units, label=_("Unit"), empty_label=_("All units"))
    batch = django_filters.NumberFilter(label=_("Batch"), min_value=1)
    is_active = _yes_or_no(_("Active"))
    incomplete = _yes_or_no(_("Below the minimum of platforms"), method="filter_incomplete")

    class Meta:
        model = Cadre
        fields = ["q", "unit", "batch", "is_active", "incomplete"]

    filter_incomplete = CadreFilter.filter_incomplete


class UnitListFilter(_ListFilter):
    """For ``lists.unit_rows``."""

    search = staticmethod(lists.search_units)
    kind = django_filters.ChoiceFilter(choices=Unit.Kind.choices, label=_("Kind"), empty_label=_("All kinds"))

    class Meta:
        model = Unit
        fields = ["q", "kind"]


class ContactListFilter(_ListFilter):
    """For ``lists.contact_rows``: ``unit`` is the cadre's unit; the dates are both inclusive."""

    search = staticmethod(lists.search_contacts)
    kind = django_filters.ChoiceFilter(choices=Contact.Kind.choices, label=_("Kind"), empty_label=_("All kinds"))
    unit = django_filters.ModelChoiceFilter(
        field_name="cadre__unit", queryset=_scoped_units, label=_("Unit"), empty_label=_("All units")
    )
    level = django_filters.ChoiceFilter(
        field_name="platform__level", choices=Platform.Level.choices, label=_("Level"), empty_label=_("All levels")
    )
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("From"), widget=_DATE_INPUT)
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("Until"), widget=_DATE_INPUT)

    class Meta:
        model = Contact
        fields = ["q", "kind", "unit", "level", "date_after", "date_before"]
