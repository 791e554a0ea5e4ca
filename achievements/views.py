"""The achievement pages: the list (with its Excel export), one achievement with its actions and
timeline, and the form to collect one; the technology demands and matches; the service records
(list, export, one record, the form to log one); and the contact form, which logs a contact with
the issues, achievements and services it brought up.

Every view reads achievements through ``achievement_list(user=...)`` (scoped by
``achievements_visible_to``): one the user may not see is a 404, never a 403. Each action posts to
its own URL, is checked with its ``achievements.access`` predicate (403 when refused) and calls its
one service; a service's ``ValidationError`` re-renders the page with the messages on the fields
(400), as typed.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from config.exports import xlsx_response
from issues.access import issues_visible_to
from liaison.access import get_visible_or_404, platforms_loggable_by, platforms_visible_to, role_required, roles_of
from liaison.forms import ContactForm
from liaison.models import Contact, Unit, user_display_name
from notices import idempotency

from . import access, selectors, service_records, services
from .access import achievements_visible_to
from .contacts import contact_log
from .filters import AchievementFilter, DemandFilter, ServiceRecordFilter
from .forms import (
    ACHIEVEMENTS_PREFIX,
    ISSUES_PREFIX,
    SERVICES_PREFIX,
    AdvanceForm,
    AssessForm,
    CloseDemandForm,
    CollectForm,
    CommentForm,
    ConfirmMatchForm,
    DemandForm,
    MatchStatusForm,
    PortalForm,
    ReasonForm,
    RetryKeyForm,
    ServiceRecordDeleteForm,
    ServiceRecordForm,
    ServiceRecordUpdateForm,
    TransformForm,
    UpdateForm,
    add_service_errors,
    apply_contact_log_errors,
    contact_formsets,
    rows_to_log,
)
from .models import (
    MATCHABLE_STAGES,
    Achievement,
    AchievementType,
    Demand,
    Judgement,
    MatchStatus,
    ServiceRecord,
    Stage,
    TechnologyField,
    TransformationMode,
)
from .selectors import (
    achievement_list,
    achievement_service_records,
    achievement_timeline,
    demand_list,
    match_list,
    service_record_list,
)

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
    _filters, queryset = _filtered(request)
    return xlsx_response(
        _sheet_rows(queryset.iterator(chunk_size=500)), title=_("Achievements"), name="achievements",
        widths=[6, 40, 36, 14, 18, 18, 24, 10, 12, 10, 10, 12, 8, 8, 16, 16, 28, 18, 14, 12, 30],
    )


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
    "match_status": dict(MatchStatus.choices),
}


_EVENT_LABELS = {
    "match": gettext_lazy("Match"),
    "demand": gettext_lazy("Demand"),
    "match_status": gettext_lazy("Match status"),
}


def _label(key: str) -> str:
    if key in _EVENT_LABELS:
        return str(_EVENT_LABELS[key])
    try:
        return str(Achievement._meta.get_field(key).verbose_name)
    except FieldDoesNotExist:
        return key.replace("_", " ")


def _shown(key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return str(value.get("name", value.get("id", "")))
    if key in ("contact", "match"):
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
    user = request.user
    steward = access.can_change_achievement(user, achievement)
    matches = _match_rows(user, match_list(user=user).filter(achievement=achievement).order_by("-confirmed_on", "-pk"))
    suggestions = []
    if achievement.is_active:
        # A collected achievement is assessed before any match (the page says so above the list).
        matchable = achievement.stage in MATCHABLE_STAGES
        suggestions = [{"demand": d, "why": why,
                        "can_confirm": matchable and (steward or access.can_change_demand(user, d))}
                       for d, why in selectors.suggested_demands(achievement=achievement)]
    context = {
        "achievement": achievement,
        "actions": forms,
        "previous_stage": dict(Stage.choices).get(services.previous_stage(achievement)),
        "timeline": _timeline(achievement),
        "matches": matches,
        "suggestions": suggestions,
        "service_records": achievement_service_records(user=request.user, achievement=achievement),
        "can_record_service": access.can_record_service(request.user, platform=achievement.platform,
                                                        on=timezone.localdate()),
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


# --- technology demands and matches --------------------------------------------------------------------


def _demands_filtered(request) -> tuple[DemandFilter, object]:
    filterset = _styled(DemandFilter(request.GET or None, queryset=demand_list(user=request.user), request=request))
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    return filterset, queryset.order_by("-raised_on", "-pk")


def _require_role(request) -> None:
    if roles_of(request.user).primary is None:
        raise PermissionDenied


@login_required
def demand_list_view(request):
    """Every demand, filtered; a unit leader's or cadre's own district's or park's are marked."""
    _require_role(request)
    filterset, queryset = _demands_filtered(request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "achievements/demands/list.html", {
        "filters": filterset,
        "is_filtered": any(v for k, v in request.GET.items() if k != "page"),
        "page": page,
        "demands": page.object_list,
        "own_unit_ids": access.demand_unit_ids(request.user),
        # A district's or park's own people see a shortcut to their unit's demands.
        "own_units": Unit.objects.filter(pk__in=access.demand_unit_ids(request.user),
                                         kind__in=access.DEMAND_UNIT_KINDS).order_by("sort_key"),
        "can_raise": access.can_raise_demand(request.user),
        "can_export": access.can_export_achievements(request.user),
    })


def _demand_sheet_rows(queryset):
    yield [
        _("No."), _("What technology is wanted"), _("District, county or park"), _("Enterprise"),
        _("Technology field"), _("Sub-field"), _("Budget (10,000 yuan)"), _("Wanted by"), _("Status"),
        _("Matches under way"), _("Raised on"), _("Entered by"), _("Contact person"), _("Reason for closing"),
    ]
    for d in queryset:
        yield [
            d.pk, d.title, d.unit.name, d.enterprise, d.get_technology_field_display(), d.sub_field, d.budget,
            d.wanted_by, d.get_status_display(), d.live_matches, d.raised_on, _person(d.raised_by),
            d.contact_person, d.close_reason,
        ]


@login_required
def demand_export(request):
    """The filtered demands as an Excel workbook, for bureau staff and unit leaders."""
    if not access.can_export_achievements(request.user):
        raise PermissionDenied(_("The export is for bureau staff and unit leaders."))
    _filters, queryset = _demands_filtered(request)
    return xlsx_response(
        _demand_sheet_rows(queryset.iterator(chunk_size=500)), title=_("Technology demands"),
        widths=[6, 40, 18, 28, 18, 16, 12, 12, 8, 8, 12, 10, 24, 30], name="demands",
    )


@login_required
def demand_new(request):
    if not access.can_raise_demand(request.user):
        raise PermissionDenied(_("Demands are entered by the cadres and leaders of districts and parks, and by bureau staff."))
    units = access.demand_units_for(request.user)
    status = 200
    if request.method == "POST":
        form = DemandForm(request.POST, units=units)
        if form.is_valid():
            try:
                demand = services.demand_raise(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The demand was entered."))
                return redirect("achievements:demand_detail", pk=demand.pk)
        status = 400
    else:
        form = DemandForm(units=units, initial={"unit": units.first()} if units.count() == 1 else None)
    return render(request, "achievements/demands/form.html", {"form": form, "demand": None}, status=status)


def _visible_demand(request, pk: int) -> Demand:
    _require_role(request)
    return get_visible_or_404(demand_list(user=request.user), pk=pk)


def _match_rows(user, matches) -> list:
    """The matches, each with its status form where ``user`` may move it (``can_change_match``),
    in two queries however many there are."""
    rows = list(matches)
    stewarded = set(access.achievements_stewarded_by(user).filter(pk__in={m.achievement_id for m in rows})
                    .values_list("pk", flat=True))
    for match in rows:
        may_change = match.achievement_id in stewarded or access.can_change_demand(user, match.demand)
        match.status_form = (
            MatchStatusForm(match=match, prefix=f"match-{match.pk}") if match.is_live and may_change else None
        )
    return rows


def _demand_page(request, demand: Demand, *, bound=None, status: int = 200):
    user = request.user
    can_change = access.can_change_demand(user, demand)
    visible_ids = set(achievements_visible_to(user).filter(matches__demand=demand).values_list("pk", flat=True))
    matches = _match_rows(user, match_list(user=user).filter(demand=demand).order_by("-confirmed_on", "-pk"))
    for match in matches:
        match.achievement_visible = match.achievement_id in visible_ids
    suggestions = []
    if demand.is_open_for_matching:
        suggestions = selectors.suggested_achievements(demand=demand)
        openable = set(achievements_visible_to(user).filter(pk__in=[a.pk for a, _s in suggestions])
                       .values_list("pk", flat=True))
        suggestions = [{"achievement": a, "why": s, "visible": a.pk in openable,
                        "can_confirm": can_change or a.pk in openable and access.can_change_achievement(user, a)}
                       for a, s in suggestions]
    return render(request, "achievements/demands/detail.html", {
        "demand": demand,
        "can_change": can_change,
        "close_form": bound if bound is not None else (CloseDemandForm(prefix="close") if can_change else None),
        "matches": matches,
        "suggestions": suggestions,
    }, status=status)


@login_required
def demand_detail(request, pk: int):
    return _demand_page(request, _visible_demand(request, pk))


@login_required
def demand_edit(request, pk: int):
    demand = _visible_demand(request, pk)
    if not access.can_change_demand(request.user, demand):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = DemandForm(request.POST, demand=demand)
        if form.is_valid():
            try:
                services.demand_update(demand=demand, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The demand was saved."))
                return redirect("achievements:demand_detail", pk=demand.pk)
        status = 400
    else:
        form = DemandForm(demand=demand)
    return render(request, "achievements/demands/form.html", {"form": form, "demand": demand}, status=status)


@login_required
@require_POST
def demand_close(request, pk: int):
    demand = _visible_demand(request, pk)
    if not access.can_change_demand(request.user, demand):
        raise PermissionDenied
    form = CloseDemandForm(request.POST, prefix="close")
    if form.is_valid():
        try:
            services.demand_close(demand=demand, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The demand was closed."))
            return redirect("achievements:demand_detail", pk=demand.pk)
    return _demand_page(request, demand, bound=form, status=400)


@login_required
@require_POST
def demand_reopen(request, pk: int):
    demand = _visible_demand(request, pk)
    if not access.can_change_demand(request.user, demand):
        raise PermissionDenied
    try:
        services.demand_reopen(demand=demand, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The demand was reopened."))
    return redirect("achievements:demand_detail", pk=demand.pk)


def _back(request, fallback):
    """Back to the page the form was on (the achievement's or the demand's), if it is ours."""
    target = request.POST.get("next", "")
    if target.startswith("/achievements/") and "//" not in target:
        return redirect(target)
    return redirect(*fallback)


@login_required
@require_POST
def match_confirm(request):
    """Confirm a suggested match: posted from the achievement's page or the demand's."""
    _require_role(request)
    achievement_id, demand_id = request.POST.get("achievement", ""), request.POST.get("demand", "")
    if not (achievement_id.isdigit() and demand_id.isdigit()):
        return HttpResponse(_("Say which achievement and which demand to match."), status=400)
    demand = get_visible_or_404(demand_list(user=request.user), pk=demand_id)
    achievement = Achievement.objects.filter(pk=achievement_id).select_related("platform").first()
    if achievement is None:
        raise Http404
    if not access.can_confirm_match(request.user, achievement=achievement, demand=demand):
        raise PermissionDenied
    form = ConfirmMatchForm(request.POST)
    fallback = ("achievements:demand_detail", demand.pk)
    if form.is_valid():
        try:
            services.match_confirm(achievement=achievement, demand=demand, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The match was confirmed."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return _back(request, fallback)


@login_required
@require_POST
def match_status(request, pk: int):
    """Move a match forward or mark it failed."""
    _require_role(request)
    match = get_visible_or_404(match_list(user=request.user), pk=pk)
    if not access.can_change_match(request.user, match):
        raise PermissionDenied
    form = MatchStatusForm(request.POST, match=match, prefix=f"match-{match.pk}")
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            services.match_set_status(match=match, by=request.user, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The match is now: %(status)s.") % {
                "status": MatchStatus(form.cleaned_data["status"]).label})
    if form.errors:
        # The match's form sits in a list on another page: its errors come back as one message
        # naming each field.
        messages.error(request, " ".join(
            f"{form.fields[field].label}: {error}" if field in form.fields else error
            for field, errors in form.errors.items() for error in errors
        ))
    return _back(request, ("achievements:detail", match.achievement_id))


# --- service records -------------------------------------------------------------------------------
#
# The list (with its Excel export), one record with its correction and deletion, and the form to log
# one on its own, preselected from a platform's, an achievement's or an issue's page. Every view reads
# records through ``service_record_list(user=...)``: one the user may not see is a 404.


def _service_filtered(request):
    filterset = _styled(ServiceRecordFilter(request.GET or None, queryset=service_record_list(user=request.user),
                                            request=request))
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    return filterset, queryset.order_by("-given_on", "-pk")


def _may_record_services(roles) -> bool:
    return roles.is_cadre or roles.supervises


@login_required
def service_list_view(request):
    roles = roles_of(request.user)
    if roles.primary is None:
        raise PermissionDenied
    filterset, queryset = _service_filtered(request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "achievements/service_list.html", {
        "filters": filterset,
        "is_filtered": any(v for k, v in request.GET.items() if k != "page"),
        "page": page,
        "records": page.object_list,
        "can_record": _may_record_services(roles),
        "can_export": access.can_export_service_records(request.user),
    })


def _service_sheet_rows(queryset):
    yield [
        _("No."), _("Kind of service"), _("Platform"), _("Given on"), _("Given by"), _("Unit"),
        _("What was done"), _("Outcome"), _("Achievement"), _("Issue"), _("Given at the contact of"),
        _("Recorded by"), _("Recorded at"),
    ]
    for r in queryset:
        yield [
            r.pk, r.get_kind_display(), r.platform.name, r.given_on, r.given_by.name, r.given_by.unit.name,
            r.description, r.outcome, r.achievement.title if r.achievement else "", r.issue.title if r.issue else "",
            r.contact.date if r.contact else None, _person(r.recorded_by),
            timezone.localtime(r.recorded_at).replace(tzinfo=None),
        ]


@login_required
def service_export(request):
    """The filtered service list as an Excel workbook, for bureau staff and unit leaders."""
    if not access.can_export_service_records(request.user):
        raise PermissionDenied(_("The export is for bureau staff and unit leaders."))
    _filters, queryset = _service_filtered(request)
    return xlsx_response(
        _service_sheet_rows(queryset.iterator(chunk_size=500)), title=_("Services"), name="services",
        widths=[6, 18, 36, 12, 10, 18, 50, 36, 30, 30, 14, 10, 17],
    )


def _id_param(source, name: str) -> int | None:
    raw = source.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def _service_choices(request, platforms, platform_id: int | None) -> dict:
    """The achievements and issues a service may be linked to: the chosen platform's, or (before one
    is chosen) those of the platforms the user serves."""
    scope = {"platform_id": platform_id} if platform_id else {"platform__in": platforms_loggable_by(request.user)}
    return {
        "achievements": access.achievements_visible_to(request.user).filter(**scope),
        "issues": issues_visible_to(request.user).filter(**scope),
    }


@login_required
def service_new(request):
    """Log a service on its own: ``?platform=``, ``?achievement=`` or ``?issue=`` preselects."""
    roles = roles_of(request.user)
    if not _may_record_services(roles):
        raise PermissionDenied(_("Only liaison cadres and bureau staff record services."))
    platforms = (platforms_visible_to(request.user).filter(is_active=True) if roles.supervises
                 else platforms_loggable_by(request.user)).order_by("name")
    initial = {}
    if (achievement_id := _id_param(request.GET, "achievement")) is not None:
        achievement = get_visible_or_404(access.achievements_visible_to(request.user), pk=achievement_id)
        initial.update(achievement=achievement.pk, platform=achievement.platform_id)
    if (issue_id := _id_param(request.GET, "issue")) is not None:
        issue = get_visible_or_404(issues_visible_to(request.user), pk=issue_id)
        initial.update(issue=issue.pk, platform=issue.platform_id)
    if "platform" not in initial and (platform_id := _id_param(request.GET, "platform")) is not None:
        initial["platform"] = platform_id
    if "platform" in initial and not platforms.filter(pk=initial["platform"]).exists():
        raise PermissionDenied(_("You may not record services for this platform."))

    status = 200
    if request.method == "POST":
        chosen = _id_param(request.POST, "platform")
        form = ServiceRecordForm(request.POST, platforms=platforms, **_service_choices(request, platforms, chosen))
        if form.is_valid():
            try:
                record = service_records.service_record_create(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The service was recorded."))
                if record.achievement_id:
                    return redirect("achievements:detail", pk=record.achievement_id)
                return redirect("platforms:detail", pk=record.platform_id)
        status = 400
    else:
        form = ServiceRecordForm(initial=initial, platforms=platforms,
                                 **_service_choices(request, platforms, initial.get("platform")))
    return render(request, "achievements/service_form.html", {"form": form}, status=status)


def _visible_record(request, pk: int) -> ServiceRecord:
    return get_visible_or_404(service_record_list(user=request.user), pk=pk)


def _service_detail(request, record, *, edit=None, delete=None, status=200):
    may_change = access.can_change_service_record(request.user, record)
    if may_change:
        choices = {
            "achievements": access.achievements_visible_to(request.user).filter(platform_id=record.platform_id),
            "issues": issues_visible_to(request.user).filter(platform_id=record.platform_id),
        }
        edit = edit or ServiceRecordUpdateForm(record=record, prefix="edit", **choices)
        delete = delete or ServiceRecordDeleteForm(prefix="delete")
    return render(request, "achievements/service_detail.html",
                  {"record": record, "edit_form": edit, "delete_form": delete}, status=status)


@login_required
def service_detail(request, pk: int):
    return _service_detail(request, _visible_record(request, pk))


@login_required
@require_POST
def service_edit(request, pk: int):
    record = _visible_record(request, pk)
    if not access.can_change_service_record(request.user, record):
        raise PermissionDenied
    form = ServiceRecordUpdateForm(
        request.POST, record=record, prefix="edit",
        achievements=access.achievements_visible_to(request.user).filter(platform_id=record.platform_id),
        issues=issues_visible_to(request.user).filter(platform_id=record.platform_id),
    )
    if form.is_valid():
        try:
            service_records.service_record_update(record=record, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The service record was corrected."))
            return redirect("achievements:service_detail", pk=record.pk)
    return _service_detail(request, record, edit=form, status=400)


@login_required
@require_POST
def service_delete(request, pk: int):
    record = _visible_record(request, pk)
    if not access.can_change_service_record(request.user, record):
        raise PermissionDenied
    form = ServiceRecordDeleteForm(request.POST, prefix="delete")
    if form.is_valid():
        platform_id = record.platform_id
        try:
            service_records.service_record_delete(record=record, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The service record was deleted."))
            return redirect("platforms:detail", pk=platform_id)
    return _service_detail(request, record, delete=form, status=400)


# --- the contact form: a contact with the issues, achievements and services it brought up ----------


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
    """Log a contact and the issues, achievements and services it brought up, in one form, saved
    all or nothing (``achievements.contacts.contact_log``)."""
    roles = roles_of(request.user)
    platforms = platforms_loggable_by(request.user)
    fixed_platform = _platform_from_query(request, platforms)
    if fixed_platform is None and len(choices := list(platforms[:2])) == 1:
        fixed_platform = choices[0]

    if request.method == "POST":
        retry = RetryKeyForm(request.POST)
        if retry.key and (first := idempotency.idempotent_replay(user=request.user, key=retry.key,
                                                                  fingerprint=CONTACT_FORM_FINGERPRINT)):
            return _contact_already_saved(request, first)
        form = ContactForm(request.POST, platforms=platforms)
        formsets = contact_formsets(request.POST)
        if form.is_valid() and all(formset.is_valid() for formset in formsets.values()):
            logged = {prefix: rows_to_log(formset) for prefix, formset in formsets.items()}
            data = form.cleaned_data

            def log():
                contact = contact_log(
                    cadre=roles.cadre, platform=data["platform"], date=data["date"], kind=data["kind"],
                    summary=data["summary"], people_met=data["people_met"], needs=data["needs"],
                    issues=logged[ISSUES_PREFIX][0], achievements=logged[ACHIEVEMENTS_PREFIX][0],
                    services=logged[SERVICES_PREFIX][0], by=request.user,
                )
                landing = reverse("platforms:detail", kwargs={"pk": contact.platform_id})
                return idempotency.Outcome(status=302, location=landing), contact

            try:
                outcome, contact = idempotency.idempotent_run(
                    user=request.user, key=retry.key, fingerprint=CONTACT_FORM_FINGERPRINT, run=log)
            except ValidationError as error:
                apply_contact_log_errors(error, form=form,
                                         section_forms={prefix: rows for prefix, (_r, rows) in logged.items()})
            else:
                if outcome.replayed:  # a twin submit, saved while this one was checked
                    return _contact_already_saved(request, outcome)
                counts = {prefix: len(rows) for prefix, (rows, _f) in logged.items()}
                messages.success(request, _contact_saved_message(contact, counts))
                return redirect(outcome.location)
        if not retry.key:
            retry = RetryKeyForm.fresh()
    else:
        initial = {"platform": fixed_platform} if fixed_platform else {}
        form = ContactForm(platforms=platforms, initial=initial)
        formsets = contact_formsets()
        retry = RetryKeyForm.fresh()

    return render(request, "achievements/contact_form.html", {
        "form": form,
        "formset": formsets[ISSUES_PREFIX],
        "achievement_formset": formsets[ACHIEVEMENTS_PREFIX],
        "service_formset": formsets[SERVICES_PREFIX],
        "has_errors": form.errors or any(f.total_error_count() for f in formsets.values()),
        "sections": list(formsets.values()),
        "fixed_platform": fixed_platform,
        "has_platforms": platforms.exists(),
        "retry_form": retry,
    })


#: The contact form's requests all look alike to its keys: a key is made per form shown.
CONTACT_FORM_FINGERPRINT = idempotency.fingerprint_of("achievements:contact_new")


def _contact_already_saved(request, first):
    """A second submit of a form already saved: nothing is saved again; land where the first did."""
    messages.info(request, _("This contact was already saved (the form was sent twice); it was not saved again."))
    return redirect(first.location)


def _contact_saved_message(contact, counts: dict) -> str:
    parts = [ngettext("%(count)d issue", "%(count)d issues", counts[ISSUES_PREFIX])
             % {"count": counts[ISSUES_PREFIX]}]
    if counts[ACHIEVEMENTS_PREFIX]:
        parts.append(ngettext("%(count)d achievement", "%(count)d achievements", counts[ACHIEVEMENTS_PREFIX])
                     % {"count": counts[ACHIEVEMENTS_PREFIX]})
    if counts[SERVICES_PREFIX]:
        parts.append(ngettext("%(count)d service", "%(count)d services", counts[SERVICES_PREFIX])
                     % {"count": counts[SERVICES_PREFIX]})
    return _("Contact with %(platform)s on %(date)s saved, with %(findings)s.") % {
        "platform": contact.platform, "date": contact.date.isoformat(), "findings": _(", ").join(parts)}
