"""The cadre's side of the needs platforms raise (``issues.needs``): the needs waiting for a class,
classifying one into an issue, and entering one on a platform's behalf.

``NeedForm`` is also the platform's own form behind its standing link (``voice.standing_views``).
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from config.forms import PortalForm, add_service_errors
from config.forms import textarea as _textarea
from config.text_limits import LONG_TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, LimitedFormField
from liaison.access import platforms_loggable_by, role_required

from . import access, needs
from .forms import class_meanings
from .models import Issue, IssueClass, PlatformNeed

PAGE_SIZE = 50


class NeedForm(PortalForm):
    """The arguments of ``needs.need_raise`` a person types (the platform's contact, or its cadre)."""

    what = LimitedFormField(label=_("What is the problem?"), max_length=LONG_TEXT_MAX_LENGTH, widget=_textarea(5))
    service_area = forms.ChoiceField(label=_("Service area"), choices=Issue.ServiceArea.choices)
    urgency = forms.ChoiceField(label=_("How urgent is it?"), choices=PlatformNeed.Urgency.choices,
                                initial=PlatformNeed.Urgency.NORMAL, widget=forms.RadioSelect)
    callback_name = LimitedFormField(label=_("Who should we call back?"), max_length=50)
    callback_phone = LimitedFormField(label=_("Phone to call back"), max_length=30,
                                      widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))


class NeedEntryForm(NeedForm):
    platform = forms.ModelChoiceField(label=_("Platform"), queryset=None, empty_label=_("Choose a platform"))
    field_order = ["platform"]

    def __init__(self, *args, platforms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = platforms


class NeedClassifyForm(PortalForm):
    """The arguments of ``needs.need_classify``."""

    issue_class = forms.ChoiceField(label=_("Class"), choices=IssueClass.choices, widget=forms.RadioSelect)
    title = LimitedFormField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    answer = LimitedFormField(label=_("Answer given on the spot (class A only)"), required=False,
                              max_length=LONG_TEXT_MAX_LENGTH, widget=_textarea(3))
    description = LimitedFormField(label=_("Anything to add to the platform's words"), required=False,
                                   max_length=LONG_TEXT_MAX_LENGTH, widget=_textarea(3))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.meanings = class_meanings()


@login_required
def need_list(request):
    """The needs waiting for a class that the user may classify, the most pressing first."""
    waiting = access.needs_visible_to(request.user, PlatformNeed.objects.awaiting()).select_related("platform")
    page = Paginator(waiting.order_by("classify_by", "received_at", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "issues/needs/list.html", {
        "page": page, "needs": page.object_list, "today": timezone.localdate(),
        "can_enter": platforms_loggable_by(request.user).exists(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def need_classify(request, pk: int):
    need = get_object_or_404(
        access.needs_visible_to(request.user).select_related("platform", "entered_by", "issue"), pk=pk
    )
    form = NeedClassifyForm(request.POST or None, initial={"title": need.what.splitlines()[0][:TITLE_MAX_LENGTH]})
    if request.method == "POST" and form.is_valid():
        try:
            issue = needs.need_classify(need=need, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("issues:detail", pk=issue.pk)
    return render(request, "issues/needs/classify.html", {"need": need, "form": form, "today": timezone.localdate()},
                  status=400 if form.errors else 200)


@role_required("cadre")
@require_http_methods(["GET", "POST"])
def need_enter(request):
    """A cadre enters a need one of their platforms raised by phone or in person (``?platform=<id>``)."""
    platforms = platforms_loggable_by(request.user)
    form = NeedEntryForm(request.POST or None, platforms=platforms, initial={"platform": request.GET.get("platform")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            need = needs.need_raise(
                platform=data.pop("platform"), source=PlatformNeed.Source.CADRE, by=request.user, **data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("issues:need_classify", pk=need.pk)
    return render(request, "issues/needs/enter.html", {"form": form}, status=400 if form.errors else 200)
