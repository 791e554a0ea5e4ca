"""The staff's lists of platforms, cadres, units and contacts, and the assignment board.

For bureau staff and admins (everything) and unit leaders (their units'); a cadre without another
role gets 403 (``role_required``). Each list is the scoped, annotated queryset of
``liaison.lists``, filtered by its FilterSet (``liaison.filters``), sorted by a whitelisted
column (``?sort=name``, ``?sort=-name``) and paginated.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from . import bulk, lists
from .access import role_required
from .filters import CadreListFilter, ContactListFilter, PlatformListFilter, UnitListFilter
from .models import user_display_name

#: Rows per page of a list.
PAGE_SIZE = 50
_CSS = {"select": "form-select"}


@dataclass(frozen=True)
class ListPage:
    """One list: its rows ((user, today) -> queryset), filters, sorts, template, and its kind in
    ``liaison.bulk`` for the export."""

    rows: Callable
    filterset: type
    sorts: dict
    default_sort: str
    template: str
    export_kind: str
    #: Readies a page's rows for the template (the names the database does not write).
    decorate: Callable = list


def _with_leader_names(units) -> list:
    units = list(units)
    for unit in units:
        unit.leader_display = user_display_name(unit.leader) if unit.leader else ""
    return units


PLATFORMS = ListPage(
    rows=lambda user, today: lists.platform_rows(user=user, today=today),
    filterset=PlatformListFilter,
    sorts=lists.PLATFORM_SORTS,
    default_sort="name",
    template="liaison/lists/platforms.html",
    export_kind="platforms",
)
CADRES = ListPage(
    rows=lambda user, today: lists.cadre_rows(user=user, today=today),
    filterset=CadreListFilter,
    sorts=lists.CADRE_SORTS,
    default_sort="unit",
    template="liaison/lists/cadres.html",
    export_kind="cadres",
)
UNITS = ListPage(
    rows=lambda user, today: lists.unit_rows(user=user, today=today),
    filterset=UnitListFilter,
    sorts=lists.UNIT_SORTS,
    default_sort="name",
    template="liaison/lists/units.html",
    export_kind="units",
    decorate=_with_leader_names,
)
CONTACTS = ListPage(
    rows=lambda user, today: lists.contact_rows(user=user),
    filterset=ContactListFilter,
    sorts=lists.CONTACT_SORTS,
    default_sort="-date",
    template="liaison/lists/contacts.html",
    export_kind="contacts",
)


def _styled(filterset):
    for field in filterset.form.fields.values():
        css = _CSS.get(type(field.widget).__name__.lower(), "form-control")
        field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()
    return filterset


def _filtered(request, page: ListPage):
    """The list's filterset and its rows, filtered and sorted as the query string asks. An invalid
    filter (a unit out of the user's scope, say) shows its error and filters nothing away."""
    today = timezone.localdate()
    filterset = _styled(page.filterset(request.GET or None, queryset=page.rows(request.user, today), request=request))
    rows, sort = lists.sort_rows(
        filterset.qs, sort=request.GET.get("sort", ""), sorts=page.sorts, default=page.default_sort
    )
    return filterset, rows, sort, today


def _render(request, page: ListPage):
    filterset, rows, sort, today = _filtered(request, page)
    paginated = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        page.template,
        {
            "filters": filterset,
            "is_filtered": any(value for key, value in request.GET.items() if key not in ("page", "sort")),
            "page": paginated,
            "rows": page.decorate(paginated.object_list),
            "sort": sort,
            "sorts": page.sorts,
            "today": today,
            "limits": {
                "minimum": settings.PORTAL["MIN_PLATFORMS_PER_CADRE"],
                "maximum": settings.PORTAL["MAX_PLATFORMS_PER_CADRE"],
            },
            "export_url": f"{request.resolver_match.view_name}_export",
            "file_formats": bulk.FORMATS,
        },
    )


def _export(request, page: ListPage):
    """The list as filtered (``?file_format=csv``; xlsx by default), every row, not one page."""
    file_format = request.GET.get("file_format", "xlsx")
    if file_format not in bulk.FORMATS:
        file_format = "xlsx"
    rows = _filtered(request, page)[1]
    # The export reads its own columns: the filtered rows, without the page's figures.
    queryset = rows.model.objects.filter(pk__in=rows.values("pk"))
    content = bulk.export_bytes(kind=page.export_kind, queryset=queryset, file_format=file_format)
    response = HttpResponse(content, content_type=bulk.CONTENT_TYPES[file_format])
    name = bulk.file_name(kind=page.export_kind, file_format=file_format)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@role_required("bureau", "leader")
def platform_list(request):
    return _render(request, PLATFORMS)


@role_required("bureau", "leader")
def cadre_list(request):
    return _render(request, CADRES)


@role_required("bureau", "leader")
def unit_list(request):
    return _render(request, UNITS)


@role_required("bureau", "leader")
def contact_list(request):
    return _render(request, CONTACTS)


@role_required("bureau", "leader")
def assignment_board(request):
    board = lists.assignment_board(user=request.user, page_number=request.GET.get("page"))
    return render(request, "liaison/lists/board.html", {"board": board, "page": board.page})


@role_required("bureau", "leader")
def platform_export(request):
    return _export(request, PLATFORMS)


@role_required("bureau", "leader")
def cadre_export(request):
    return _export(request, CADRES)


@role_required("bureau", "leader")
def unit_export(request):
    return _export(request, UNITS)


@role_required("bureau", "leader")
def contact_export(request):
    return _export(request, CONTACTS)
