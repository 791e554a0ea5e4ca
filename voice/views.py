"""The platform's rating page (/p/r/<token>/): no sign-in, the signed link is the key."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from issues.models import Issue

from . import services
from .forms import RatingForm
from .links import LinkRefused, refused_response, resolve_rating


@never_cache
@require_http_methods(["GET", "POST"])
def rating(request, token: str):
    try:
        link = resolve_rating(request, token)
    except LinkRefused as refused:
        return refused_response(request, refused)
    issue = link.issue
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issue = services.platform_rate(
                link=link, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            if getattr(error, "code", None) in {"used", "rated", "stale", "not_resolved"}:
                return refused_response(request, LinkRefused(410, error.code))
            form.add_error(None, error)
        else:
            return render(request, "voice/rated.html", {"reopened": issue.is_open})
    return render(
        request,
        "voice/rating.html",
        {
            "form": form,
            "issue": issue,
            "done": issue.resolution or issue.solution or issue.answer,
            "unit_name": _handling_unit_name(issue),
            "closed_on": issue.resolved_on or issue.closed_on,
        },
        status=400 if form.errors else 200,
    )


def _handling_unit_name(issue: Issue) -> str:
    unit = issue.handed_to_unit or issue.recorded_by.unit
    return unit.name if unit else ""
