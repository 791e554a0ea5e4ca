"""The cadre's, the unit leader's and bureau staff's pages.

Each view is thin: it checks access with the shared functions of ``liaison.access`` (scoped
querysets, ``get_visible_or_404``) and ``role_required``, calls one selector or service, and
renders.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from . import selectors
from .access import contacts_visible_to, get_visible_or_404, platforms_loggable_by, role_required, roles_of
from .forms import (
    ISSUES_PREFIX,
    ContactForm,
    ContactIssueFormSet,
    apply_contact_log_errors,
    issues_to_log,
)
from .services import contact_log

#: Where each role lands after signing in.
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


@role_required("leader")
def unit_home(request):
    return render(request, "liaison/unit_home.html", {"overview": selectors.unit_overview(user=request.user)})


@role_required("bureau")
def bureau_home(request):
    return render(request, "liaison/bureau_home.html", {"overview": selectors.deadline_overview(user=request.user)})


# --- contacts --------------------------------------------------------------------------------------


def _platform_from_query(request, platforms):
    raw = request.GET.get("platform", "")
    if not raw:
        return None
    # Not str.isdigit(): it accepts digits such as "²" that int() refuses.
    if not (raw.isascii() and raw.isdigit()):
        raise Http404
    return get_visible_or_404(platforms, pk=int(raw))


@role_required("cadre")
@require_http_methods(["GET", "POST"])
def contact_new(request):
    """Log a contact and the issues raised in it, in one form, saved all or nothing."""
    roles = roles_of(request.user)
    platforms = platforms_loggable_by(request.user)
    fixed_platform = _platform_from_query(request, platforms)
    if fixed_platform is None and len(choices := list(platforms[:2])) == 1:
        fixed_platform = choices[0]

    if request.method == "POST":
        form = ContactForm(request.POST, platforms=platforms)
        formset = ContactIssueFormSet(request.POST, prefix=ISSUES_PREFIX)
        if form.is_valid() and formset.is_valid():
            issues, issue_forms = issues_to_log(formset)
            data = form.cleaned_data
            try:
                contact = contact_log(
                    cadre=roles.cadre,
                    platform=data["platform"],
                    date=data["date"],
                    kind=data["kind"],
                    summary=data["summary"],
                    people_met=data["people_met"],
                    needs=data["needs"],
                    issues=issues,
                    by=request.user,
                )
            except ValidationError as error:
                apply_contact_log_errors(error, form=form, issue_forms=issue_forms)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Contact with %(platform)s on %(date)s saved, with %(count)d issue.",
                        "Contact with %(platform)s on %(date)s saved, with %(count)d issues.",
                        len(issues),
                    )
                    % {"platform": contact.platform, "date": contact.date.isoformat(), "count": len(issues)},
                )
                return redirect("platforms:detail", pk=contact.platform_id)
    else:
        initial = {"platform": fixed_platform} if fixed_platform else {}
        form = ContactForm(platforms=platforms, initial=initial)
        formset = ContactIssueFormSet(prefix=ISSUES_PREFIX)

    return render(
        request,
        "liaison/contact_form.html",
        {
            "form": form,
            "formset": formset,
            "fixed_platform": fixed_platform,
            "has_platforms": platforms.exists(),
        },
    )


@login_required
def contact_detail(request, pk):
    contact = get_visible_or_404(
        contacts_visible_to(request.user).select_related("platform", "cadre__user", "cadre__unit"), pk=pk
    )
    return render(
        request,
        "liaison/contact_detail.html",
        {"contact": contact, "issues": selectors.contact_issues(user=request.user, contact=contact)},
    )
