"""What every list's filters share."""

import django_filters

from .search_select import searchable


class PortalFilterSet(django_filters.FilterSet):
    """A FilterSet whose record selects become searches when their choices are many
    (``config.search_select``)."""

    @property
    def form(self):
        if not hasattr(self, "_form"):
            searchable(super().form)
        return self._form
