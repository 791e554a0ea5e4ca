"""The achievement pages: the list (with its Excel export), one achievement with its actions and
timeline, and the form to collect one.

Every view reads achievements through ``achievement_list(user=...)`` (scoped by
``achievements_visible_to``): one the user may not see is a 404, never a 403. Each action posts to
its own URL, is checked with its ``achievements.access`` predicate (403 when refused) and calls its
one service; a service's ``ValidationError`` re-renders the page with the messages on the fields
(400), as typed.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from liaison.access import get_visible_or_404, platforms_loggable_by, roles_of
from liaison.models import Contact, user_display_name

from . import access, services
from .filters import AchievementFilter
from .forms import (
    AdvanceForm,
    AssessForm,
    CollectForm,
    CommentForm,
    PortalForm,
    ReasonForm,
    TransformForm,
    UpdateForm,
    add_service_errors,
)
from .models import Achievement, AchievementType, Judgement, Stage, TechnologyField, TransformationMode
from .selectors import achievement_list, achievement_timeline

#: Achievements per page of the list: a phone screen or two.
PAGE_SIZE = 20
_CSS = {"select": "form-select"}


def _styled(filterset: AchievementFilter) -> AchievementFilter:
    for field in filterset.form.fields.values():
        css = _CSS.get(type(field.widget).__name__.lower(), "form-control")
        field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()
    return filterset


def _filtered(request) -> tuple[AchievementFilter, object]:
    filterset = _styled(AchievementFilter(request.GET or None, queryset=achievement_list(user=request.user),
                                          request=request))
    # An invalid filter (a platform one may not see, say) shows its error and filters nothing away.
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    return filterset, queryset.order_by("-collected_on", "-pk")


# --- the list and its export ---------------------------------------------------------------------


@login_required
def achievement_list_view(request):
    roles = roles_of(request.user)
    if roles.primary is None:
        raise PermissionDenied
    filterset, queryset = _filtered(request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "achievements/list.html",
        {
            "filters": filterset,
            "is_filtered": any(v for k, v in request.GET.items() if k != "page"),
            "page": page,
            "achievements": page.object_list,
            "mine": roles.is_cadre and not (roles.is_unit_leader or roles.sees_everything),
            "can_collect": roles.is_cadre,
            "can_export": access.can_export_achievements(request.user),
        },
    )


def _sheet_rows(queryset):
    yield [
        _("No."), _("Title"), _("Platform"), _("Type of achievement"), _("Technology field"), _("Sub-field"),
        _("Patent or registration numbers"), _("Collected by"), _("Collected on"), _("Responsible cadre"),
        _("Stage"), _("In this stage since"), _("Readiness level"), _("Overall judgement"),
        _("Recommended mode of transformation"), _("Mode of transformation"), _("Counterpart enterprise"),
        _("District or park where it lands"), _("Contract amount (10,000 yuan)"), _("Transformed on"),
        _("Reason for dropping"),
    ]
    for a in queryset:
        yield [
            a.pk, a.title, a.platform.name, a.get_achievement_type_display(), a.get_technology_field_display(),
            a.sub_field, a.registration_numbers, a.collected_by.name, a.collected_on, a.responsible_cadre_name,
            a.get_stage_display(), a.stage_entered_on, a.readiness_level, a.get_judgement_display(),
            a.get_recommended_mode_display(), a.get_transformation_mode_display(), a.counterpart_enterprise,
            a.landing_unit.name if a.landing_unit else "", a.contract_amount, a.transformed_on, a.drop_reason,
        ]


@login_required
def achievement_export(request):
    """The filtered list as an Excel workbook, for bureau staff and unit leaders."""
    if not access.can_export_achievements(request.user):
        raise PermissionDenied(_("The export is for bureau staff and unit leaders."))
    from openpyxl import Workbook

    _filters, queryset = _filtered(request)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Achievements")[:31]
    for row in _sheet_rows(queryset.iterator(chunk_size=500)):
        sheet.append(row)
    sheet.freeze_panes = "B2"
    for column, width in zip("ABCDEFGHIJKLMNOPQRSTU", [6, 40, 36, 14, 18, 18, 24, 10, 12, 10, 10, 12, 8, 8, 16,
                                                          16, 28, 18, 14, 12, 30]):
        sheet.column_dimensions[column].width = width
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    out = BytesIO()
    workbook.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"achievements-{timezone.localdate().isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- one achievement and its actions -------------------------------------------------------------


@dataclass(frozen=True)
class AchievementAction:
    """One action on the achievement page: its form, who may take it, when it applies, its service."""

    form: type
    #: Who: the access predicate (user, achievement) -> bool. Refused -> 403.
    allowed: Callable[..., bool]
    #: When the achievement's stage offers it; the service has the last word.
    applies: Callable[[Achievement], bool]
    run: Callable
    done: str


ACTIONS: dict[str, AchievementAction] = {
    "assess": AchievementAction(
        AssessForm,
        access.can_change_achievement,
        lambda a: a.stage in (Stage.COLLECTED, Stage.ASSESSED),
        lambda a, user, data: services.achievement_assess(achievement=a, by=user, **data),
        gettext_lazy("The assessment was recorded."),
    ),
    "advance": AchievementAction(
        AdvanceForm,
        access.can_change_achievement,
        lambda a: a.stage in (Stage.ASSESSED, Stage.MATCHED),
        lambda a, user, data: services.achievement_advance(achievement=a, by=user, note=data["note"]),
        gettext_lazy("The achievement moved forward."),
    ),
    "transform": AchievementAction(
        TransformForm,
        access.can_change_achievement,
        lambda a: a.stage in (Stage.MATCHED, Stage.NEGOTIATING),
        lambda a, user, data: services.achievement_transform(achievement=a, by=user, **data),
        gettext_lazy("The transformation was recorded."),
    ),
    "update": AchievementAction(
        UpdateForm,
        access.can_change_achievement,
        lambda a: a.is_active,
        lambda a, user, data: services.achievement_update(achievement=a, by=user, **data),
        gettext_lazy("The details were saved."),
    ),
    "drop": AchievementAction(
        ReasonForm,
        access.can_change_achievement,
        lambda a: a.is_active,
        lambda a, user, data: services.achievement_drop(achievement=a, by=user, reason=data["reason"]),
        gettext_lazy("The achievement was dropped."),
    ),
    "step_back": AchievementAction(
        ReasonForm,
        access.can_change_achievement,
        lambda a: services.previous_stage(a) is not None,
        lambda a, user, data: services.achievement_step_back(achievement=a, by=user, reason=data["reason"]),
        gettext_lazy("The achievement stepped back one stage."),
    ),
    "comment": AchievementAction(
        CommentForm,
        access.can_comment_on_achievement,
        lambda a: True,
        lambda a, user, data: services.achievement_comment(achievement=a, by=user, text=data["text"]),
        gettext_lazy("Your comment was added."),
    ),
}


def _visible(request, pk: int) -> Achievement:
    return get_visible_or_404(achievement_list(user=request.user).select_related("contact"), pk=pk)


def _action_form(name: str, achievement: Achievement, data=None) -> PortalForm:
    return ACTIONS[name].form(data, achievement=achievement, prefix=name)


def _person(user) -> str:
    return _("System") if user is None else user_display_name(user)


_CHOICE_LABELS = {
    "stage": dict(Stage.choices),
    "dropped_from": dict(Stage.choices),
    "achievement_type": dict(AchievementType.choices),
    "technology_field": dict(TechnologyField.choices),
    "judgement": dict(Judgement.choices),
    "recommended_mode": dict(TransformationMode.choices),
    "transformation_mode": dict(TransformationMode.choices),
}


def _label(key: str) -> str:
    try:
        return str(Achievement._meta.get_field(key).verbose_name)
    except FieldDoesNotExist:
        return key.replace("_", " ")


def _shown(key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return str(value.get("name", value.get("id", "")))
    if key == "contact":
        return f"#{value}"
    if key in _CHOICE_LABELS:
        return str(_CHOICE_LABELS[key].get(value, value))
    return str(value)


def _changes(event) -> list[dict]:
    keys = list(event.after) + [k for k in event.before if k not in event.after]
    rows = []
    for key in keys:
        before, after = event.before.get(key), event.after.get(key)
        if key in event.before and before == after:
            continue
        if key not in event.before and after in (None, "", []):
            continue
        rows.append({"key": key, "label": _label(key),
                     "before": _shown(key, before) if key in event.before else None, "after": _shown(key, after)})
    return rows


def _timeline(achievement: Achievement) -> list:
    events = list(achievement_timeline(achievement))
    for event in events:
        event.actor_name = _person(event.actor)
        event.changes = _changes(event)
    return events


def _detail(request, achievement: Achievement, *, bound=None, status: int = 200):
    forms = {}
    for name, action in ACTIONS.items():
        if bound is not None and bound.prefix == name:
            forms[name] = bound
        elif action.applies(achievement) and action.allowed(request.user, achievement):
            forms[name] = _action_form(name, achievement)
    context = {
        "achievement": achievement,
        "actions": forms,
        "previous_stage": dict(Stage.choices).get(services.previous_stage(achievement)),
        "timeline": _timeline(achievement),
    }
    return render(request, "achievements/detail.html", context, status=status)


@login_required
def achievement_detail(request, pk: int):
    return _detail(request, _visible(request, pk))


@login_required
@require_POST
def achievement_action(request, pk: int, action: str):
    """Take one action on an achievement through its service (the URL names the action)."""
    achievement = _visible(request, pk)
    spec = ACTIONS[action]
    if not spec.allowed(request.user, achievement):
        raise PermissionDenied
    form = _action_form(action, achievement, request.POST)
    if form.is_valid():
        try:
            spec.run(achievement, request.user, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, spec.done)
            return redirect("achievements:detail", pk=achievement.pk)
    return _detail(request, achievement, bound=form, status=400)


# --- collecting one ----------------------------------------------------------------------------------


@login_required
def achievement_collect(request):
    """A cadre collects an achievement from one of their platforms (``?platform=<id>`` preselects it)."""
    roles = roles_of(request.user)
    if not roles.is_cadre:
        raise PermissionDenied(_("Only liaison cadres collect achievements."))
    form_kwargs = {
        "platforms": platforms_loggable_by(request.user),
        "contacts": Contact.objects.filter(cadre=roles.cadre),
    }
    status = 200
    if request.method == "POST":
        form = CollectForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                achievement = services.achievement_collect(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The achievement was collected."))
                return redirect("achievements:detail", pk=achievement.pk)
        status = 400
    else:
        initial = {}
        platform = request.GET.get("platform", "")
        if platform.isdigit() and form_kwargs["platforms"].filter(pk=platform).exists():
            initial["platform"] = int(platform)
        form = CollectForm(initial=initial, **form_kwargs)
    return render(request, "achievements/form.html", {"form": form}, status=status)
