"""A select of one record among thousands: the full list up to ``FULL_LIST_MAX`` choices (the
launch's 290 platforms, 89 cadres and 20 units); beyond, only the chosen option, and a search box
that asks the portal for the records matching what is typed (``static/js/search_select.js``).

A select of 29,000 platforms made a page of 1.5 MB at national scale, most of its time spent
rendering options nobody reads (bench/README.md, "Every page at national scale"). The field still
validates against its whole queryset: only what is rendered changes.

The rooms register, for each model, the URL that answers a search with ``<option>`` elements
(``register``); a model without one keeps the full list.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

#: More choices than this and the select becomes a search.
FULL_LIST_MAX = 500

_SEARCH_URLS: dict[type, tuple[str, dict]] = {}


def too_many_to_list(queryset) -> bool:
    """Whether ``queryset`` has more than ``FULL_LIST_MAX`` rows, asked without its order: reading
    the first ``FULL_LIST_MAX + 1`` in order sorted all 8,900 cadres with their users and units
    (16 ms at national scale) to list none of them."""
    return queryset.order_by().values_list("pk", flat=True)[FULL_LIST_MAX:FULL_LIST_MAX + 1].exists()


def register(model, url_name: str, **kwargs) -> None:
    """``url_name`` (with ``kwargs``) answers ``?q=<text>`` with the options of ``model`` the user
    may choose that match ``text``."""
    _SEARCH_URLS[model] = (url_name, kwargs)


def search_url(model) -> str | None:
    found = _SEARCH_URLS.get(model)
    return reverse(found[0], kwargs=found[1]) if found else None


class SearchSelect(forms.Select):
    """A ``ModelChoiceField``'s select that becomes a search when its choices are many. One query
    either way (the first ``FULL_LIST_MAX + 1`` choices), and one more for a chosen record beyond."""

    def get_context(self, name, value, attrs):
        self._listed, self._search_url = None, None
        queryset = getattr(self.choices, "queryset", None)
        url = search_url(queryset.model) if queryset is not None else None
        if url:
            first = list(queryset[:FULL_LIST_MAX + 1])
            if len(first) > FULL_LIST_MAX:
                self._search_url = url
            else:
                self._listed = first
        context = super().get_context(name, value, attrs)
        if self._search_url:
            context["widget"]["attrs"].update({
                "data-search-url": self._search_url,
                "data-search-placeholder": _("Type a few characters of the name to search"),
                "data-search-none": _("Nothing matches"),
            })
        return context

    def optgroups(self, name, value, attrs=None):
        listed, search = getattr(self, "_listed", None), getattr(self, "_search_url", None)
        if listed is None and search is None:  # not through get_context, or no search for the model
            return super().optgroups(name, value, attrs)
        every_choice = self.choices
        try:
            records = listed if listed is not None else self._chosen(value)
            self.choices = self._empty_choice() + [every_choice.choice(record) for record in records]
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = every_choice

    def _empty_choice(self) -> list:
        empty_label = self.choices.field.empty_label
        return [("", empty_label)] if empty_label is not None else []

    def _chosen(self, value) -> list:
        """The chosen record, when it is one of the choices."""
        chosen = [v for v in value if v not in (None, "")]
        if not chosen:
            return []
        try:
            return list(self.choices.queryset.filter(pk__in=chosen))
        except (ValueError, TypeError, ValidationError):
            return []  # not an id: the field's own validation says so


def searchable(form: forms.BaseForm) -> None:
    """Give every single-record select of ``form`` a ``SearchSelect`` (which stays a plain select
    until its choices are many)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(field, forms.ModelChoiceField) and type(widget) is forms.Select:
            search = SearchSelect(attrs=widget.attrs)
            search.choices = widget.choices
            search.is_required = widget.is_required
            field.widget = search
