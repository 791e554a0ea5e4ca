"""The hand-over page: a cadre leaves, in one step (admins, and unit leaders for their units' cadres).

One address, three steps: pick the leaving cadre (``?cadre=<id>``); choose a successor for each of
their platforms, the reason and the day; preview; confirm. The preview and the confirmation call the
same service, ``liaison.services.cadre_hand_over`` (the preview with ``dry_run``), so what the
preview shows is what the confirmation does, and a refusal names each platform and why.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config import search_select

from . import selectors, services
from .access import cadres_handed_over_by, get_visible_or_404, role_required
from .forms import HandOverForm
from .models import Cadre


def _leaving_candidates(user):
    """The active cadres ``user`` may hand over, by unit and name."""
    return (
        cadres_handed_over_by(user, Cadre.objects.filter(is_active=True))
        .select_related("user", "unit")
        .order_by("unit__sort_key", "unit__name", "user__last_name", "user__first_name", "pk")
    )


def _pick_context(cadres) -> dict:
    """The cadres to pick from, by unit; at national scale (an admin picks among thousands) none
    listed, and a search instead (``config.search_select``)."""
    if search_select.too_many_to_list(cadres):
        return {"any_cadre": True, "cadres": [], "search_url": search_select.search_url(Cadre)}
    listed = list(cadres)
    return {"any_cadre": bool(listed), "cadres": listed}


@role_required("admin", "leader")
def hand_over(request):
    cadre_id = request.POST.get("cadre") if request.method == "POST" else request.GET.get("cadre")
    cadres = _leaving_candidates(request.user)
    if not cadre_id:
        if request.method == "POST":
            raise Http404
        return render(request, "liaison/handover/pick.html", _pick_context(cadres))
    if not str(cadre_id).isdigit():
        raise Http404
    cadre = get_visible_or_404(cadres, pk=cadre_id)
    page = selectors.hand_over_page(user=request.user, cadre=cadre)
    context = {"page": page, "cadre": cadre}
    if request.method != "POST":
        return render(request, "liaison/handover/form.html", {**context, "form": HandOverForm(page=page)})

    form = HandOverForm(request.POST, page=page)
    action = request.POST.get("action")
    if action == "edit" or not form.is_valid():
        form.is_valid()  # the typed values, back in place
        return render(request, "liaison/handover/form.html", {**context, "form": form})
    confirm = action == "confirm"
    try:
        result = services.cadre_hand_over(
            cadre=cadre, successors=form.successors(), reason=form.cleaned_data["reason"],
            date=form.cleaned_data["date"], by=request.user, dry_run=not confirm,
        )
    except services.HandOverRefused as refused:
        form.add_refusal(refused)
        return render(request, "liaison/handover/form.html", {**context, "form": form}, status=400)
    if not confirm:
        return render(request, "liaison/handover/preview.html", {
            **context, "form": form, "result": result, "loads": page.loads(form.chosen_ids()),
        })
    count = len(result.lines)
    messages.success(request, ngettext(
        "%(cadre)s has left: %(count)d platform was handed over and each successor has been told.",
        "%(cadre)s has left: %(count)d platforms were handed over and each successor has been told.",
        count,
    ) % {"cadre": cadre, "count": count})
    if result.account_kept_because:
        messages.info(request, _("Their user account stays open: %(why)s Only their cadre role has ended.")
                      % {"why": result.account_kept_because})
    return redirect("hand_over")
