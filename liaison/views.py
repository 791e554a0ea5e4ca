"""The cadre's pages and where each role lands. (The unit leader's and bureau staff's homes are the
evaluation's dashboards: ``evaluation.views``.)

Each view is thin: it checks access with the shared functions of ``liaison.access`` (scoped
querysets, ``get_visible_or_404``) and ``role_required``, calls one selector or service, and
renders.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html_join
from django.views.decorators.http import require_GET
from django.utils import timezone

from . import selectors
from .access import (
    cadres_visible_to,
    contacts_visible_to,
    get_visible_or_404,
    platforms_visible_to,
    role_required,
    roles_of,
    units_visible_to,
)
from .models import user_full_name

#: Where each role lands after signing in (``unit_home`` and ``bureau_home`` are evaluation's).
HOME_BY_ROLE = {"admin": "admin_home", "bureau": "bureau_home", "leader": "unit_home", "cadre": "my_platforms"}


@login_required
def home(request):
    """Each role lands on its own home page."""
    target = HOME_BY_ROLE.get(roles_of(request.user).primary)
    if target:
        return redirect(target)
    return render(request, "liaison/no_role.html")


@role_required("admin")
def admin_home(request):
    return render(request, "liaison/admin_home.html")


@role_required("cadre")
def my_platforms(request):
    rows = selectors.my_platforms(user=request.user)
    today = timezone.localdate()
    return render(
        request,
        "liaison/my_platforms.html",
        {"rows": rows, "today": today, "quarter": selectors.quarter_bounds(today)},
    )


# --- contacts --------------------------------------------------------------------------------------
# Logging a contact (with its issues, achievements and services) is achievements.views.contact_new.


@login_required
def contact_detail(request, pk):
    contact = get_visible_or_404(
        contacts_visible_to(request.user)
        .select_related("platform", "cadre__user", "cadre__unit")
        # What was collected and given at the contact (achievements' rows, named by their relations:
        # the page shows them, liaison does not import achievements).
        .prefetch_related("achievements", "service_records__given_by__user", "service_records__achievement",
                          "service_records__issue"),
        pk=pk,
    )
    return render(
        request,
        "liaison/contact_detail.html",
        {"contact": contact, "issues": selectors.contact_issues(user=request.user, contact=contact)},
    )


#: How many matches a record search answers with: enough to pick from, few enough to read.
SEARCH_MATCHES = 20
#: kind -> (the records the user may choose, the fields a search matches, each match's label).
_CHOICE_SEARCHES = {
    "platforms": (platforms_visible_to, ("name", "host_institution"), str),
    "units": (units_visible_to, ("name",), str),
    # Thousands of cadres share a few hundred names at national scale: the unit tells them apart.
    "cadres": (lambda user: cadres_visible_to(user).select_related("user", "unit")
               .alias(full_name=user_full_name("user")), ("full_name", "user__username"),
               lambda cadre: f"{cadre.name} · {cadre.unit.name}"),
}


@login_required
@require_GET
def choice_search(request, kind):
    """The records of ``kind`` the user may see whose name holds ``?q=``, as ``<option>`` elements:
    what a record select with too many choices to list offers as the user types
    (``config.search_select``). The form still checks the choice when it is sent."""
    if kind not in _CHOICE_SEARCHES:
        raise Http404
    records, fields, label = _CHOICE_SEARCHES[kind]
    text = request.GET.get("q", "").strip()[:100]
    found = records(request.user)
    if text:
        matches = Q()
        for name in fields:
            matches |= Q(**{f"{name}__icontains": text})
        found = found.filter(matches)
    return HttpResponse(format_html_join("", '<option value="{}">{}</option>',
                                         ((record.pk, label(record)) for record in found[:SEARCH_MATCHES])))
