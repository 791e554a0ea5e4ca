"""The issue pages: the list, one issue with its timeline and actions, the form to record one.
(The inbox is the notification machinery's: ``notices.views``.)

Every view reads issues scoped by ``issues_visible_to``, the list through ``issue_list(user=...)``
and one issue through ``issue_for_page``: an issue the user may not see is a 404, never a 403.
Each action posts to its own URL, is checked with its ``issues.access`` predicate (403 when
refused) and calls its one service; a service's ``ValidationError`` re-renders the issue page with
the messages on the fields, as typed.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from liaison.access import get_visible_or_404, roles_of
from liaison.models import Contact, Unit, user_display_name
from platforms.models import Platform

from . import access, notices, services, supervision
from .sections import sections_context
from .forms import (
    CommentForm,
    DecideExtensionForm,
    DetermineSolutionForm,
    DuePreviewForm,
    HandOverForm,
    IssueCreateForm,
    IssueFilterForm,
    RateForm,
    ReclassifyForm,
    ReopenForm,
    RequestExtensionForm,
    ResolveForm,
    SupervisionCloseForm,
    SupervisionOpenForm,
    SupervisionRenewForm,
    SupervisionReplyForm,
    add_service_errors,
)
from .models import WORKING_DAYS_BY_CLASS, ExtensionRequest, Issue, IssueClass, Supervision
from .selectors import (
    issue_for_page,
    issue_list,
    issue_timeline,
    projected_due_date,
    with_deadline_status,
    with_responsible_cadre,
)

#: Issues per page of the list: a phone screen or two.
PAGE_SIZE = 20


def _days_overdue(issues: list[Issue]) -> list[Issue]:
    """The positive count of working days overdue, for the templates (which cannot negate)."""
    for issue in issues:
        left = issue.working_days_left
        issue.working_days_overdue = -left if left is not None and left < 0 else 0
    return issues


def _deadline_status(issues, today: datetime.date) -> list[Issue]:
    return _days_overdue(with_deadline_status(issues, today=today))


# --- the list ------------------------------------------------------------------------------------


@login_required
def issue_list_view(request):
    """Due soonest first. A cadre's default: their own open issues ("my issues")."""
    roles = roles_of(request.user)
    today = timezone.localdate()
    filters = IssueFilterForm(request.GET, roles=roles)
    issues = filters.filter(issue_list(user=request.user), today=today).order_by(
        F("due_date").asc(nulls_last=True), "recorded_on", "pk"
    )
    page = Paginator(issues, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "issues/list.html",
        {
            "filters": filters,
            "page": page,
            "issues": _deadline_status(page.object_list, today),
            "today": today,
            "can_create": roles.is_cadre,
        },
    )


# --- one issue and its actions -------------------------------------------------------------------


@dataclass(frozen=True)
class IssueAction:
    """One action on the issue page: its form, who may take it, when it applies, its service."""

    form: type
    #: Who: the access predicate (user, issue) -> bool. Refused -> 403.
    allowed: Callable[..., bool]
    #: When: whether the issue's state offers the action (issue, pending extension) -> bool. The
    #: service has the last word; this only keeps forms that cannot succeed off the page.
    applies: Callable[..., bool]
    #: (issue, user, cleaned_data) -> the service's result.
    run: Callable
    done: str


ACTIONS: dict[str, IssueAction] = {
    "reclassify": IssueAction(
        ReclassifyForm,
        access.can_reclassify_issue,
        lambda issue, pending: issue.is_open,
        lambda issue, user, data: services.issue_reclassify(
            issue=issue, by=user, new_class=data["new_class"], reason=data["reason"], answer=data["answer"]
        ),
        gettext_lazy("The issue was reclassified; its due date was counted again."),
    ),
    "hand_over": IssueAction(
        HandOverForm,
        access.can_hand_over_issue,
        lambda issue, pending: issue.is_open and issue.issue_class != IssueClass.A,
        lambda issue, user, data: services.issue_hand_over(
            issue=issue,
            by=user,
            lead_unit=data.get("lead_unit"),
            cooperating_units=data.get("cooperating_units") or (),
            note=data["note"],
        ),
        gettext_lazy("The issue was handed over."),
    ),
    "comment": IssueAction(
        CommentForm,
        access.can_comment_on_issue,
        lambda issue, pending: True,
        lambda issue, user, data: services.issue_comment(issue=issue, by=user, text=data["text"]),
        gettext_lazy("Your comment was added."),
    ),
    "request_extension": IssueAction(
        RequestExtensionForm,
        access.can_request_extension,
        lambda issue, pending: issue.is_open and issue.issue_class != IssueClass.A and pending is None,
        lambda issue, user, data: services.issue_request_extension(
            issue=issue,
            by=user,
            reason=data["reason"],
            new_due_date=data["new_due_date"],
            extra_working_days=data["extra_working_days"],
        ),
        gettext_lazy("Your extension request was sent to bureau staff."),
    ),
    "decide_extension": IssueAction(
        DecideExtensionForm,
        access.can_decide_extension,
        lambda issue, pending: pending is not None,
        lambda issue, user, data: services.issue_decide_extension(
            extension=data["extension"],
            by=user,
            approve=data["decision"] == "approve",
            note=data["note"],
            new_due_date=data["new_due_date"],
            extra_working_days=data["extra_working_days"],
        ),
        gettext_lazy("The extension request was decided."),
    ),
    "determine_solution": IssueAction(
        DetermineSolutionForm,
        access.can_determine_solution,
        lambda issue, pending: issue.is_open,
        lambda issue, user, data: services.issue_determine_solution(issue=issue, by=user, solution=data["solution"]),
        gettext_lazy("The solution was recorded; the clock has stopped."),
    ),
    "resolve": IssueAction(
        ResolveForm,
        access.can_resolve_issue,
        lambda issue, pending: issue.status != Issue.Status.RESOLVED,
        lambda issue, user, data: services.issue_resolve(issue=issue, by=user, resolution=data["resolution"]),
        gettext_lazy("The issue was resolved."),
    ),
    "reopen": IssueAction(
        ReopenForm,
        access.can_reopen_issue,
        lambda issue, pending: not issue.is_open,
        lambda issue, user, data: services.issue_reopen(issue=issue, by=user, reason=data["reason"]),
        gettext_lazy("The issue was reopened."),
    ),
    "rate": IssueAction(
        RateForm,
        access.can_rate_issue,
        lambda issue, pending: issue.status in Issue.CLOSED_STATUSES and issue.rating is None,
        lambda issue, user, data: services.issue_rate(issue=issue, by=user, rating=data["rating"], comment=data["comment"]),
        gettext_lazy("The platform's rating was recorded."),
    ),
    # Supervision (督办): shown in its own section of the page (``issues/partials/supervision.html``).
    "supervision_open": IssueAction(
        SupervisionOpenForm,
        access.can_supervise,
        lambda issue, pending: issue.status != Issue.Status.RESOLVED and access.live_supervision(issue) is None,
        lambda issue, user, data: supervision.supervision_open(
            issue=issue, by=user, instruction=data["instruction"], reply_working_days=data["reply_working_days"]
        ),
        gettext_lazy("The supervision was opened; the unit's leader and the cadre were told."),
    ),
    "supervision_reply": IssueAction(
        SupervisionReplyForm,
        access.can_reply_on_issue,
        lambda issue, pending: getattr(access.live_supervision(issue), "status", None) == Supervision.Status.OPEN,
        lambda issue, user, data: supervision.supervision_reply(
            supervision=data["supervision"], by=user, reply=data["reply"]
        ),
        gettext_lazy("Your reply was recorded; bureau staff were told."),
    ),
    "supervision_close": IssueAction(
        SupervisionCloseForm,
        access.can_supervise,
        lambda issue, pending: access.live_supervision(issue) is not None,
        lambda issue, user, data: supervision.supervision_close(supervision=data["supervision"], by=user,
                                                                note=data["note"]),
        gettext_lazy("The supervision was closed."),
    ),
    "supervision_renew": IssueAction(
        SupervisionRenewForm,
        access.can_supervise,
        lambda issue, pending: access.live_supervision(issue) is not None,
        lambda issue, user, data: supervision.supervision_renew(
            supervision=data["supervision"], by=user, instruction=data["instruction"],
            reply_working_days=data["reply_working_days"],
        ),
        gettext_lazy("The supervision was renewed; the unit's leader and the cadre were told."),
    ),
}


def _visible_issue(request, pk: int) -> Issue:
    issue = get_visible_or_404(issue_for_page(user=request.user), pk=pk)
    return access.seen_through_visibility(with_responsible_cadre(issue), request.user)


def _action_form(name: str, issue: Issue, data=None, *, pending=None, cooperating_units=()):
    kwargs = {"issue": issue, "prefix": name}
    if name == "hand_over" and issue.issue_class == IssueClass.C:
        kwargs["units"] = Unit.objects.all()
        # Handing over again replaces the units: start from the current ones.
        kwargs["initial"] = {"lead_unit": issue.handed_to_unit_id, "cooperating_units": [u.pk for u in cooperating_units]}
    if name == "decide_extension" and pending is not None:
        kwargs["initial"] = {"extension": pending.pk}
    return ACTIONS[name].form(data, **kwargs)


def _handover_target(issue: Issue) -> Unit | None:
    """Where a class B or D issue will go (the service decides; this only tells the user)."""
    if issue.issue_class == IssueClass.B:
        cadre = access.responsible_cadre(issue)
        return cadre.unit if cadre else issue.recorded_by.unit
    if issue.issue_class == IssueClass.D:
        return Unit.objects.filter(is_office=True).first()
    return None


def _person(user) -> str:
    if user is None:
        return _("System")
    return user_display_name(user)


#: Timeline keys that are not issue fields, with their labels.
_EXTRA_LABELS = {
    "extension": gettext_lazy("extension request"),
    "withdrawn_extensions": gettext_lazy("extension requests withdrawn"),
    "requested_due_date": gettext_lazy("requested due date"),
    "requested_working_days": gettext_lazy("requested extra working days"),
    "comment": gettext_lazy("comment"),
    "reminder": gettext_lazy("reminder (working days before the due date)"),
    "working_days_left": gettext_lazy("working days left"),
    "working_days_overdue": gettext_lazy("working days overdue"),
    "responsible_cadre": gettext_lazy("responsible cadre"),
    "transferred_on": gettext_lazy("responsible from"),
    "supervision": gettext_lazy("supervision"),
    "supervision_status": gettext_lazy("supervision status"),
    "unit": gettext_lazy("responsible unit"),
    "reply_working_days": gettext_lazy("working days to reply"),
    "reply_by": gettext_lazy("reply by"),
    "reply_by_provisional": gettext_lazy("reply-by date provisional"),
    "renew_count": gettext_lazy("times renewed"),
    "source": gettext_lazy("given by"),
}
#: Timeline keys kept for the record and the exactly-once bookkeeping, not for people to read: the
#: event's note already names whom a reminder or an escalation went to.
_HIDDEN_KEYS = {"recipients", "notifications", "link"}
_CHOICE_LABELS = {
    "status": dict(Issue.Status.choices),
    "issue_class": dict(IssueClass.choices),
    "closure_kind": dict(Issue.ClosureKind.choices),
    "service_area": dict(Issue.ServiceArea.choices),
    "supervision_status": dict(Supervision.Status.choices),
    # Who gave a rating: the platform through its own link, or its cadre on its behalf.
    "source": {"platform": gettext_lazy("the platform itself"), "cadre": gettext_lazy("the cadre, on the platform's behalf")},
}
_ID_KEYS = {"extension", "withdrawn_extensions", "contact", "supervision"}


def _label(key: str) -> str:
    if key in _EXTRA_LABELS:
        return str(_EXTRA_LABELS[key])
    try:
        field = Issue._meta.get_field(key)
    except FieldDoesNotExist:
        return key.replace("_", " ")
    # A reverse relation (the events' ``notifications``, say) has no verbose name of its own.
    return str(getattr(field, "verbose_name", None) or key.replace("_", " "))


def _shown(key: str, value) -> str:
    """A timeline value (as the services stored it in JSON) for people to read."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return pgettext("list separator", ", ").join(_shown(key, v) for v in value)
    if isinstance(value, dict):
        return str(value.get("name", value.get("id", "")))
    if key in _ID_KEYS:
        return f"#{value}"
    if key in _CHOICE_LABELS:
        return str(_CHOICE_LABELS[key].get(value, value))
    return str(value)


def _changes(event) -> list[dict]:
    """Each field an event changed: its label and the values before and after."""
    keys = list(event.after) + [k for k in event.before if k not in event.after]
    rows = []
    for key in keys:
        if key in _HIDDEN_KEYS:
            continue
        before, after = event.before.get(key), event.after.get(key)
        if key in event.before and before == after:
            continue
        if key not in event.before and after in (None, "", []):
            continue  # nothing to say: a field left empty when the issue was recorded
        rows.append(
            {
                "key": key,
                "label": _label(key),
                "before": _shown(key, before) if key in event.before else None,
                "after": _shown(key, after),
            }
        )
    return rows


def _timeline(issue: Issue) -> list:
    events = list(issue_timeline(issue))
    for event in events:
        event.actor_name = _person(event.actor)
        event.changes = _changes(event)
        event.note_text = notices.event_note(event)
    return events


def _detail(request, issue: Issue, *, bound=None, status: int = 200):
    """Render the issue page; ``bound`` is the action form that just failed (kept as typed)."""
    user, today = request.user, timezone.localdate()
    _deadline_status([issue], today)
    extensions = list(issue.extensions.select_related("requested_by", "decided_by").order_by("-requested_at", "-id"))
    pending = next((e for e in extensions if e.status == ExtensionRequest.Status.PENDING), None)
    for extension in extensions:
        extension.requested_by_name = _person(extension.requested_by)
        extension.decided_by_name = _person(extension.decided_by) if extension.decided_by_id else ""
    cooperating_units = list(issue.cooperating_units.all())
    supervisions = supervision.issue_supervisions(issue)
    access.remember_live_supervision(issue, supervisions)
    forms = {}
    for name, action in ACTIONS.items():
        if bound is not None and bound.prefix == name:
            forms[name] = bound
        elif action.applies(issue, pending) and action.allowed(user, issue):
            forms[name] = _action_form(name, issue, pending=pending, cooperating_units=cooperating_units)
    context = {
        "issue": issue,
        "today": today,
        "timeline": _timeline(issue),
        "cooperating_units": cooperating_units,
        "extensions": extensions,
        "pending_extension": pending,
        "actions": forms,
        "handover_target": _handover_target(issue) if "hand_over" in forms else None,
        "working_day_limit": issue.working_day_limit,
        "live_supervision": access.live_supervision(issue),
        "earlier_supervisions": [s for s in supervisions if not s.is_live],
        **sections_context(request, issue),
    }
    return render(request, "issues/detail.html", context, status=status)


@login_required
def issue_detail(request, pk: int):
    return _detail(request, _visible_issue(request, pk))


@login_required
@require_POST
def issue_action(request, pk: int, action: str):
    """Take one action on an issue through its service (the URL names the action)."""
    issue = _visible_issue(request, pk)
    spec = ACTIONS[action]
    if not spec.allowed(request.user, issue):
        raise PermissionDenied
    form = _action_form(action, issue, request.POST)
    if form.is_valid():
        try:
            spec.run(issue, request.user, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, spec.done)
            return redirect("issues:detail", pk=issue.pk)
    # The services never change the instance passed in (and roll back on error): it still
    # shows the issue as it is.
    return _detail(request, issue, bound=form, status=400)


# --- recording an issue ----------------------------------------------------------------------------


def _projection(issue_class, recorded_on) -> dict:
    """The due date an issue of ``issue_class`` recorded on ``recorded_on`` would get."""
    form = DuePreviewForm({"issue_class": issue_class, "recorded_on": recorded_on})
    if not form.is_valid():
        return {"ready": False}
    issue_class, recorded_on = form.cleaned_data["issue_class"], form.cleaned_data["recorded_on"]
    try:
        due_date, provisional = projected_due_date(issue_class, recorded_on)
    except ValidationError:  # a date no deadline can be counted from (say 9999-12-31)
        return {"ready": False}
    return {
        "ready": True,
        "issue_class": issue_class,
        "recorded_on": recorded_on,
        "due_date": due_date,
        "provisional": provisional,
        "working_days": WORKING_DAYS_BY_CLASS.get(issue_class),
    }


@login_required
def due_preview(request):
    """The projected due date for the issue form (an htmx fragment; any signed-in user)."""
    projection = _projection(request.GET.get("issue_class"), request.GET.get("recorded_on"))
    return render(request, "issues/partials/projected_due_date.html", {"projection": projection})


def _id_or_none(text: str) -> int | None:
    """A row id typed in a query string, or None: ASCII digits only (``str.isdigit`` is true of
    "²", which ``int`` refuses) and within a database integer."""
    if not _ID.fullmatch(text):
        return None
    value = int(text)
    return value if value <= _MAX_ID else None


_ID = re.compile(r"[0-9]{1,19}")
_MAX_ID = 2**63 - 1


@login_required
def issue_create(request):
    """A cadre records an issue one of their platforms raised (``?platform=<id>`` preselects it)."""
    roles = roles_of(request.user)
    if not roles.is_cadre:
        raise PermissionDenied(_("Only liaison cadres record issues."))
    cadre = roles.cadre
    platforms = Platform.objects.filter(assignments__cadre=cadre, assignments__end_date__isnull=True).order_by("name")
    form_kwargs = {
        "platforms": platforms,
        "contacts": Contact.objects.filter(cadre=cadre),
        "preview_url": reverse("issues:due_preview"),
    }
    today = timezone.localdate()
    status = 200
    if request.method == "POST" and "preview" in request.POST:
        # Without JavaScript: show the projected due date for what was typed, save nothing.
        form = IssueCreateForm(initial=request.POST.dict(), **form_kwargs)
        values = request.POST
    elif request.method == "POST":
        form = IssueCreateForm(request.POST, **form_kwargs)
        values = request.POST
        if form.is_valid():
            data = form.cleaned_data
            try:
                issue = services.issue_create(
                    by=request.user,
                    platform=data["platform"],
                    title=data["title"],
                    description=data["description"],
                    service_area=data["service_area"],
                    issue_class=data["issue_class"],
                    recorded_on=data["recorded_on"],
                    contact=data["contact"],
                    answer=data["answer"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied:
                # The service decides (``access.can_create_issue``); the platform is one of the
                # cadre's own, so what was wrong is the date.
                form.add_error(
                    "recorded_on",
                    _("You were not responsible for %(platform)s on %(date)s.")
                    % {"platform": data["platform"], "date": data["recorded_on"].isoformat()},
                )
            else:
                messages.success(request, _("The issue was recorded."))
                return redirect("issues:detail", pk=issue.pk)
        status = 400
    else:
        initial = {"recorded_on": today, "platform": request.GET.get("platform", "")}
        contact_id = _id_or_none(request.GET.get("contact", ""))
        contact = Contact.objects.filter(cadre=cadre, pk=contact_id).first() if contact_id else None
        if contact is not None:
            initial.update(contact=contact.pk, platform=contact.platform_id, recorded_on=contact.date)
        if not initial["platform"] and len(platforms) == 1:
            initial["platform"] = platforms[0].pk
        form = IssueCreateForm(initial=initial, **form_kwargs)
        values = initial
    context = {
        "form": form,
        "platforms": platforms,
        "projection": _projection(values.get("issue_class"), values.get("recorded_on")),
    }
    return render(request, "issues/form.html", context, status=status)
