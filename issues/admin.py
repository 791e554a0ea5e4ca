"""The issues admin: issues read-only with their timeline, actions through the services, and the
working-day calendar (days one by one or as a pasted/uploaded list, and the years loaded).

Status, dates and handover are never edited here: every change goes through ``issues.services``.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from config.admin_filters import ManyRelatedFieldListFilter, listed_or_chosen
from liaison.admin import ReadOnlyInline
from liaison.models import Unit

from . import access, admin_forms, calendar_import, holiday_notice, services
from .calendar import DayEntry, load_calendar
from .models import (
    CalendarDay, CalendarYear, DispatchReport, ExtensionRequest, Issue, IssueEvent, PlatformNeed, Supervision,
)
from .selectors import calendar_year_statuses, is_overdue, issue_list


def _due_display(issue: Issue) -> str:
    if issue.due_date is None:
        return "—"
    if issue.due_date_provisional:
        return format_html('{} <strong title="{}">({})</strong>', issue.due_date.isoformat(),
                           gettext("Counted on weekdays alone: the calendar of a year it reaches is not loaded."),
                           gettext("provisional"))
    return issue.due_date.isoformat()


# --- issues ----------------------------------------------------------------------------------------


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        overdue = queryset.overdue(today)
        if self.value() == "yes":
            return overdue
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue.values("pk"))
        return queryset


class ResponsibleUnitFilter(admin.SimpleListFilter):
    title = _("responsible cadre's unit")
    parameter_name = "unit"

    def lookups(self, request, model_admin):
        # At national scale, the chosen unit alone (config.admin_filters): 1,901 units were 110 KB of
        # the page.
        chosen = [self.value()] if self.value() else []
        return [(str(unit.pk), unit.name) for unit in listed_or_chosen(Unit.objects.all(), chosen)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.responsible_unit(self.value())
        return queryset


class IssueEventInline(ReadOnlyInline):
    model = IssueEvent
    fields = ("at", "kind", "actor", "note", "before", "after")
    readonly_fields = fields
    ordering = ("at", "id")
    verbose_name_plural = _("timeline")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")  # one query, however long the timeline


class ExtensionRequestInline(ReadOnlyInline):
    model = ExtensionRequest
    fk_name = "issue"
    fields = ("requested_at", "requested_by", "reason", "requested_due_date", "requested_working_days", "status",
              "decided_by", "decided_at", "decision_note", "granted_due_date", "granted_working_days")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("requested_by", "decided_by")


@dataclass(frozen=True)
class IssueAction:
    label: str
    form: type
    allowed: Callable
    run: Callable  # (issue, user, cleaned_data) -> None


def _pending_extension(issue: Issue) -> ExtensionRequest:
    extension = issue.extensions.filter(status=ExtensionRequest.Status.PENDING).first()
    if extension is None:
        raise ValidationError(gettext("No extension request is waiting for a decision."))
    return extension


ISSUE_ACTIONS = {
    "reclassify": IssueAction(
        _("Reclassify"),
        admin_forms.ReclassifyForm,
        access.can_reclassify_issue,
        lambda issue, user, data: services.issue_reclassify(
            issue=issue, by=user, new_class=data["new_class"], reason=data["reason"], answer=data["answer"]
        ),
    ),
    "hand_over": IssueAction(
        _("Hand over"),
        admin_forms.HandOverForm,
        access.can_hand_over_issue,
        lambda issue, user, data: services.issue_hand_over(
            issue=issue, by=user, lead_unit=data["lead_unit"], cooperating_units=data["cooperating_units"],
            note=data["note"],
        ),
    ),
    "comment": IssueAction(
        _("Comment"),
        admin_forms.CommentForm,
        access.can_comment_on_issue,
        lambda issue, user, data: services.issue_comment(issue=issue, by=user, text=data["text"]),
    ),
    "decide_extension": IssueAction(
        _("Decide on the extension request"),
        admin_forms.DecideExtensionForm,
        lambda user, issue: access.can_decide_extension(user, issue)
        and issue.extensions.filter(status=ExtensionRequest.Status.PENDING).exists(),
        lambda issue, user, data: services.issue_decide_extension(
            extension=_pending_extension(issue), by=user, approve=data["decision"] == "approve", note=data["note"],
            new_due_date=data["new_due_date"], extra_working_days=data["extra_working_days"],
        ),
    ),
    "determine_solution": IssueAction(
        _("Record the solution determined"),
        admin_forms.DetermineSolutionForm,
        lambda user, issue: issue.is_open and access.can_determine_solution(user, issue),
        lambda issue, user, data: services.issue_determine_solution(issue=issue, by=user, solution=data["solution"]),
    ),
    "resolve": IssueAction(
        _("Resolve"),
        admin_forms.ResolveForm,
        lambda user, issue: issue.status != Issue.Status.RESOLVED and access.can_resolve_issue(user, issue),
        lambda issue, user, data: services.issue_resolve(issue=issue, by=user, resolution=data["resolution"]),
    ),
    "reopen": IssueAction(
        _("Reopen"),
        admin_forms.ReopenForm,
        lambda user, issue: not issue.is_open and access.can_reopen_issue(user, issue),
        lambda issue, user, data: services.issue_reopen(issue=issue, by=user, reason=data["reason"]),
    ),
}


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    change_form_template = "admin/issues/issue/change_form.html"
    list_display = ("id", "title", "platform", "issue_class", "status", "due", "overdue", "escalation_level",
                    "responsible_cadre", "recorded_on")
    list_display_links = ("id", "title")
    list_filter = ("issue_class", "status", OverdueFilter, "escalation_level", "due_date_provisional",
                   ResponsibleUnitFilter, ("handed_to_unit", ManyRelatedFieldListFilter), "service_area")
    search_fields = ("title", "platform__name", "handed_to_unit__name")
    date_hierarchy = "recorded_on"
    list_select_related = ("platform", "handed_to_unit")
    inlines = [ExtensionRequestInline, IssueEventInline]
    actions = ["hand_over_to_default_unit"]
    fieldsets = [
        (None, {"fields": ("platform", "recorded_by", "contact", "title", "description", "service_area")}),
        (_("Class and deadline"), {"fields": ("issue_class", "status", "recorded_on", "clock_started_on",
                                              "original_due_date", "due", "overdue", "responsible_cadre")}),
        (_("Handover"), {"fields": ("handed_to_unit", "cooperating_units", "handed_over_at")}),
        (_("Outcome"), {"fields": ("answer", "solution", "resolution", "closed_on", "closure_kind", "on_time",
                                   "resolved_on", "reopen_count", "rating", "rating_comment", "rated_at")}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [f for group in self.fieldsets for f in group[1]["fields"]]

    def get_queryset(self, request):
        return issue_list(user=request.user)

    def has_add_permission(self, request):
        # Issues are recorded by their cadre on the portal pages, through issue_create.
        return False

    def has_change_permission(self, request, obj=None):
        # Read-only: every change is an action (see ``act_view``), never a field edit.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("due date"), ordering="due_date")
    def due(self, issue):
        return _due_display(issue)

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, issue):
        return is_overdue(issue)

    @admin.display(description=_("responsible cadre"))
    def responsible_cadre(self, issue):
        return getattr(issue, "responsible_cadre_name", "") or "—"

    # --- actions, each through its service ---

    def get_urls(self):
        return [
            path("<path:object_id>/act/<str:action>/", self.admin_site.admin_view(self.act_view),
                 name="issues_issue_act"),
            *super().get_urls(),
        ]

    def _available_actions(self, request, issue):
        return [(name, action.label) for name, action in ISSUE_ACTIONS.items() if action.allowed(request.user, issue)]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        issue = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if issue is not None:
            extra_context["issue_actions"] = self._available_actions(request, issue)
        return super().change_view(request, object_id, form_url, extra_context)

    def act_view(self, request, object_id, action):
        issue = self.get_object(request, object_id)
        if issue is None or action not in ISSUE_ACTIONS:
            raise Http404
        spec = ISSUE_ACTIONS[action]
        if not spec.allowed(request.user, issue):
            raise PermissionDenied
        form = spec.form(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                spec.run(issue, request.user, form.cleaned_data)
            except ValidationError as error:
                admin_forms.add_service_errors(form, error)
            else:
                self.message_user(request, gettext("Done: %(action)s.") % {"action": spec.label}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:issues_issue_change", args=[issue.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{spec.label}: {issue}",
            "form": form,
            "original": issue,
            "back_url": reverse("admin:issues_issue_change", args=[issue.pk]),
        }
        return TemplateResponse(request, "admin/issues/form_page.html", context)

    @admin.action(description=_("Hand over the selected class B and D issues to their unit"))
    def hand_over_to_default_unit(self, request, queryset):
        done, failed = 0, []
        for issue in queryset.filter(issue_class__in=["B", "D"]).open():
            try:
                services.issue_hand_over(issue=issue, by=request.user)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                reason = "; ".join(getattr(error, "messages", None) or [str(error)])
                failed.append(f"#{issue.pk}: {reason}")
        if done:
            self.message_user(request, ngettext("%d issue handed over.", "%d issues handed over.", done) % done)
        if failed:
            self.message_user(request, " ".join(failed), messages.ERROR)


# --- the calendar ----------------------------------------------------------------------------------


def _year_warnings(years) -> list[str]:
    calendar = load_calendar()
    warnings = []
    for year in sorted(set(years)):
        status = calendar.year_status(year)
        if not status.loaded:
            warnings.append(
                gettext("Year %(year)d is NOT loaded (%(count)d entries): deadlines reaching into it stay "
                        "provisional until you mark it loaded.") % {"year": year, "count": status.entries}
            )
    return warnings


def _report_change(model_admin, request, change: services.CalendarChange) -> None:
    model_admin.message_user(
        request,
        gettext("%(new)d new, %(changed)d changed, %(same)d unchanged, %(removed)d removed; "
                "deadlines of %(issues)d open issues recomputed.")
        % {"new": len(change.created), "changed": len(change.updated), "same": len(change.unchanged),
           "removed": len(change.removed), "issues": len(change.issues_recomputed)},
        messages.SUCCESS,
    )
    years = {d.year for d in [*change.created, *change.updated, *change.removed, *change.unchanged]}
    for warning in _year_warnings(years):
        model_admin.message_user(request, warning, messages.WARNING)


class CalendarYearListFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = sorted({d.year for d in CalendarDay.objects.dates("date", "year")})
        return [(str(y), str(y)) for y in years]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(date__year=int(self.value()))
        return queryset


class _CalendarAdminMixin:
    """Only admins change the calendar; everyone with the admin's view permission may look."""

    def has_add_permission(self, request, obj=None):
        return access.can_manage_calendar(request.user)

    def has_change_permission(self, request, obj=None):
        return access.can_manage_calendar(request.user)

    def has_delete_permission(self, request, obj=None):
        return access.can_manage_calendar(request.user)


@admin.register(CalendarDay)
class CalendarDayAdmin(_CalendarAdminMixin, admin.ModelAdmin):
    form = admin_forms.CalendarDayForm
    change_list_template = "admin/issues/calendarday/change_list.html"
    list_display = ("date", "weekday", "kind", "note", "entered_by", "entered_at")
    list_filter = (CalendarYearListFilter, "kind")
    date_hierarchy = "date"
    fields = ("date", "kind", "note", "entered_by", "entered_at")
    readonly_fields = ("entered_by", "entered_at")
    search_fields = ("note",)

    @admin.display(description=_("weekday"))
    def weekday(self, day):
        return date_format(day.date, "l")

    def save_model(self, request, obj, form, change):
        # The service, not obj.save(): a calendar change must recompute open deadlines.
        old_date = form.initial.get("date") if change else None
        remove = [old_date] if old_date and old_date != obj.date else []
        result = services.calendar_set_days(
            entries=[DayEntry(date=obj.date, kind=obj.kind, note=obj.note)], remove=remove, by=request.user
        )
        saved = CalendarDay.objects.get(date=obj.date)
        obj.pk, obj.entered_by, obj.entered_at = saved.pk, saved.entered_by, saved.entered_at
        _report_change(self, request, result)

    def delete_model(self, request, obj):
        _report_change(self, request, services.calendar_set_days(entries=[], remove=[obj.date], by=request.user))

    def delete_queryset(self, request, queryset):
        dates = list(queryset.values_list("date", flat=True))
        _report_change(self, request, services.calendar_set_days(entries=[], remove=dates, by=request.user))

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="issues_calendarday_import"),
            path("notice/", self.admin_site.admin_view(self.notice_view), name="issues_calendarday_notice"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """A pasted or uploaded list of days: preview (a dry run of the write), then confirm."""

        def run(form, dry_run):
            years = sorted({entry.date.year for entry in form.entries})
            return calendar_import.calendar_import(
                entries=form.entries,
                by=request.user,
                mark_years_loaded=years if form.cleaned_data["mark_loaded"] else (),
                source_note=form.cleaned_data["source_note"],
                dry_run=dry_run,
            )

        return self._preview_then_confirm(
            request, admin_forms.CalendarImportForm, run, title=gettext("Enter holidays and makeup workdays"),
            rename={"mark_years_loaded": "mark_loaded"},
        )

    def notice_view(self, request):
        """The State Council's notice, pasted as published: preview what it reads and moves, then confirm."""

        def run(form, dry_run):
            return calendar_import.calendar_load_notice(
                text=form.cleaned_data["text"], year=form.cleaned_data["year"],
                source_note=form.cleaned_data["source_note"], by=request.user, dry_run=dry_run,
            )

        def days_read(form):
            # A notice with unread sentences loads nothing, but the page shows what it could read.
            return holiday_notice.parse_notice(form.cleaned_data["text"], year=form.cleaned_data["year"]).days

        return self._preview_then_confirm(
            request, admin_forms.CalendarNoticeForm, run, title=gettext("Paste the State Council's holiday notice"),
            rename={"mark_years_loaded": "text", "entries": "text"}, days_read=days_read,
        )

    def _preview_then_confirm(self, request, form_class, run, *, title, rename, days_read=None):
        """POST: a dry run shown as a preview, with the form to confirm it (the same input, hidden);
        POST with ``confirm``: the write, then back to the years. Input is read again on confirm."""
        if not access.can_manage_calendar(request.user):
            raise PermissionDenied
        form = form_class(request.POST or None, request.FILES or None)
        preview = confirmation = partial_days = None
        if request.method == "POST" and form.is_valid():
            confirm = "confirm" in request.POST
            try:
                result = run(form, dry_run=not confirm)
            except ValidationError as error:
                partial_days = days_read(form) if days_read else None  # before the errors empty cleaned_data
                admin_forms.add_service_errors(form, error, rename=rename)
            else:
                if confirm:
                    _report_change(self, request, result.change)
                    return HttpResponseRedirect(reverse("admin:issues_calendaryear_changelist"))
                preview, confirmation = result, form.confirmation()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "multipart": True,
            "preview": preview,
            "confirmation": confirmation,
            "partial_days": partial_days,
            # Years the preview leaves not loaded (the ones it loads are named in the preview).
            "year_warnings": _year_warnings({d.date.year for d in preview.days} - set(preview.years_loaded))
            if preview else [],
            "back_url": reverse("admin:issues_calendarday_changelist"),
        }
        return TemplateResponse(request, "admin/issues/calendar_import.html", context)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    change_list_template = "admin/issues/calendaryear/change_list.html"
    list_display = ("year", "loaded", "source_note", "entered_by", "entered_at")
    readonly_fields = ("year", "loaded", "source_note", "entered_by", "entered_at")
    actions = ["mark_loaded", "mark_not_loaded"]

    def has_add_permission(self, request):
        return False  # through ``set_year_view``: loading a year recomputes deadlines

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "year_statuses": list(reversed(calendar_year_statuses())),  # the years that matter first
            "can_manage_calendar": access.can_manage_calendar(request.user),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path("set/", self.admin_site.admin_view(self.set_year_view), name="issues_calendaryear_set"),
            *super().get_urls(),
        ]

    def set_year_view(self, request):
        if not access.can_manage_calendar(request.user):
            raise PermissionDenied
        form = admin_forms.CalendarYearForm(request.POST or None, initial={"year": request.GET.get("year")})
        if request.method == "POST" and form.is_valid():
            try:
                change = services.calendar_set_year_loaded(
                    year=form.cleaned_data["year"], loaded=form.cleaned_data["loaded"], by=request.user,
                    source_note=form.cleaned_data["source_note"],
                )
            except ValidationError as error:
                admin_forms.add_service_errors(form, error)
            else:
                _report_change(self, request, change)
                return HttpResponseRedirect(reverse("admin:issues_calendaryear_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Mark a year loaded or not loaded"),
            "form": form,
            "back_url": reverse("admin:issues_calendaryear_changelist"),
        }
        return TemplateResponse(request, "admin/issues/form_page.html", context)

    def _set_loaded(self, request, queryset: QuerySet, loaded: bool):
        if not access.can_manage_calendar(request.user):
            raise PermissionDenied
        for row in queryset:
            try:
                change = services.calendar_set_year_loaded(year=row.year, loaded=loaded, by=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                _report_change(self, request, change)

    @admin.action(description=_("Mark the selected years loaded"))
    def mark_loaded(self, request, queryset):
        self._set_loaded(request, queryset, True)

    @admin.action(description=_("Mark the selected years not loaded"))
    def mark_not_loaded(self, request, queryset):
        self._set_loaded(request, queryset, False)


# --- the dispatch reports (read-only: the sweep writes them) -----------------------------------------


@admin.register(DispatchReport)
class DispatchReportAdmin(admin.ModelAdmin):
    list_display = ("period_start", "period_end", "created_at", "download")
    readonly_fields = ("period_start", "period_end", "created_at", "figures", "download")
    exclude = ("xlsx",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Excel file"))
    def download(self, report):
        url = reverse("admin:issues_dispatchreport_xlsx", args=[report.pk])
        return format_html('<a href="{}">{}</a>', url, report.filename)

    def get_urls(self):
        return [
            path("<int:pk>/xlsx/", self.admin_site.admin_view(self.xlsx_view), name="issues_dispatchreport_xlsx"),
            *super().get_urls(),
        ]

    def xlsx_view(self, request, pk):
        from django.http import HttpResponse

        if not self.has_view_permission(request):
            raise PermissionDenied
        report = DispatchReport.objects.filter(pk=pk).first()
        if report is None:
            raise Http404
        response = HttpResponse(
            bytes(report.xlsx), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
        return response


# --- supervisions (read-only: changes go through issues.supervision, from the issue's page) -----------


@admin.register(Supervision)
class SupervisionAdmin(admin.ModelAdmin):
    list_display = ("id", "issue", "unit", "status", "reply_by", "renew_count", "escalated_at", "opened_by",
                    "opened_at")
    list_filter = ("status", ("unit", ManyRelatedFieldListFilter), "reply_by_provisional")
    search_fields = ("issue__title", "instruction", "reply", "unit__name")
    date_hierarchy = "opened_at"
    list_select_related = ("issue", "unit", "opened_by")
    readonly_fields = ("issue", "unit", "opened_by", "opened_at", "instruction", "reply_working_days", "counted_from",
                       "reply_by", "reply_by_provisional", "status", "reply", "replied_by", "replied_at", "closed_by",
                       "closed_at", "close_note", "renew_count", "escalated_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- platforms' needs (read-only: raised through the standing link or by the cadre, classified on
# the classify page, both through issues.needs) ---------------------------------------------------------


@admin.register(PlatformNeed)
class PlatformNeedAdmin(admin.ModelAdmin):
    list_display = ("id", "platform", "source", "urgency", "received_on", "classify_by", "issue", "reminded_at",
                    "escalated_at")
    list_filter = ("source", "urgency", "service_area")
    search_fields = ("platform__name", "what", "callback_name")
    date_hierarchy = "received_at"
    list_select_related = ("platform", "issue")
    readonly_fields = ("platform", "what", "service_area", "urgency", "callback_name", "callback_phone", "source",
                       "entered_by", "received_at", "received_on", "classify_by", "issue", "classified_at",
                       "classified_by", "reminded_at", "escalated_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
