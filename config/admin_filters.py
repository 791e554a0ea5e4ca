"""The admin's list filters at national scale.

A filter by a related record (``cadre__unit``) lists every record of that model in the sidebar:
1,900 units made the contacts' admin page 240 KB and most of its time (bench/README.md, "Every
page at national scale"). ``ManyRelatedFieldListFilter`` lists them up to ``FULL_LIST_MAX``, as the
search selects do (``config.search_select``), and beyond lists only the one chosen: the admin's
search box finds a unit's records by its name (the list's ``search_fields``), and a filtered link
(``?cadre__unit__id__exact=7``) still filters.
"""

from django.contrib import admin

from .search_select import too_many_to_list


def listed_or_chosen(records, chosen) -> list:
    """``records`` if there are at most ``FULL_LIST_MAX``; else those among them whose id is in
    ``chosen`` (the filter's values, as given)."""
    if too_many_to_list(records):
        return list(records.filter(pk__in=[value for value in chosen if str(value).isdigit()]))
    return list(records)


class ManyRelatedFieldListFilter(admin.RelatedFieldListFilter):
    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin) or field.remote_field.model._meta.ordering
        records = field.remote_field.model._default_manager.order_by(*ordering)
        return [(record.pk, str(record)) for record in listed_or_chosen(records, self.lookup_val or [])]

    def has_output(self):
        # One chosen unit among many is still worth showing, with "All" to go back.
        return bool(self.lookup_choices) or super().has_output()
