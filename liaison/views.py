"""The cadre's pages and where each role lands. (The unit leader's and bureau staff's homes are the
evaluation's dashboards: ``evaluation.views``.)

Each view is thin: it checks access with the shared functions of ``liaison.access`` (scoped
querysets, ``get_visible_or_404``) and ``role_required``, calls one selector or service, and
renders.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from . import selectors
from .access import contacts_visible_to, get_visible_or_404, role_required, roles_of

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
