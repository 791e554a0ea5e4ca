"""The admin for units, cadres, assignments and contacts, and the user list's search by full name.

Every change of state goes through liaison.services, as it does for pages and the API: the
admin collects input, calls the service and shows its refusal as a form error or a message.
The helpers at the top are shared with platforms.admin.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.contrib.admin.utils import quote, unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, ProtectedError, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat, NullIf
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from config.admin_filters import ManyRelatedFieldListFilter

from . import bulk, services
from .admin_forms import (
    AssignmentAddForm,
    AssignmentEndForm,
    ContactAddForm,
    EndAssignmentsForm,
    SetPlatformsForm,
    TransferPlatformsForm,
    add_service_errors,
)
from .models import Assignment, Cadre, Contact, Unit, user_display_name, user_full_name
from .selectors import cadre_is_incomplete, incomplete_cadres

User = get_user_model()

# --- shared helpers ------------------------------------------------------------------------------


class HistoryAdmin(SimpleHistoryAdmin):
    """An admin with the history pages, for reading only.

    Reverting to an earlier version would write the old row back around the services (an ended
    assignment made active again, say), so the history form never saves.
    """

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class PersonNameSearchMixin:
    """Search finds people by their full name as written, family name then given name (董燕杰).

    The names are two columns: searching each alone finds "燕杰" but never "董燕杰". The search
    also covers each listed user's full name, which the autocomplete widgets use too.
    """

    #: The paths from the admin's model to the users searched by name ("" for the user model).
    person_search_paths: tuple[str, ...] = ()

    @staticmethod
    def _full_name_alias(path: str) -> str:
        return "_".join(["full_name", *path.split("__")]) if path else "full_name"

    def get_search_fields(self, request):
        aliases = [self._full_name_alias(path) for path in self.person_search_paths]
        return [*super().get_search_fields(request), *aliases]

    def get_search_results(self, request, queryset, search_term):
        if self.person_search_paths:
            queryset = queryset.alias(
                **{self._full_name_alias(path): user_full_name(path) for path in self.person_search_paths}
            )
        return super().get_search_results(request, queryset, search_term)


class ServiceDeleteMixin:
    """Deletion through a service that refuses objects with history.

    The confirmation page is Django's; the confirmed deletion calls ``delete_with_service`` and a
    refusal comes back as an error message on the change page. Bulk deletion is not offered: it
    would go around the service.
    """

    def delete_with_service(self, obj) -> None:
        raise NotImplementedError

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        if request.method != "POST":
            return super().delete_view(request, object_id, extra_context)
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_delete_permission(request, obj):
            raise PermissionDenied
        obj_display, obj_id = str(obj), obj.pk
        try:
            with transaction.atomic():
                self.log_deletions(request, [obj])
                self.delete_with_service(obj)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return redirect(admin_urlname(self.opts, "change"), quote(obj_id))
        except ProtectedError as error:
            # A record the service does not know about yet still refers to it.
            self.message_user(
                request,
                gettext("%(object)s cannot be deleted: %(count)d other records refer to it.")
                % {"object": obj_display, "count": len(error.protected_objects)},
                messages.ERROR,
            )
            return redirect(admin_urlname(self.opts, "change"), quote(obj_id))
        return self.response_delete(request, obj_display, obj_id)


def run_action_form(
    modeladmin: admin.ModelAdmin,
    request,
    queryset: QuerySet,
    *,
    form_class,
    title: str,
    apply: Callable[[dict, QuerySet], str],
    form_kwargs: dict | None = None,
):
    """An admin action that asks for more input on an intermediate page.

    The first request shows the form; the confirmed one calls ``apply(cleaned_data, queryset)``
    in one transaction, so a refusal of any one object changes nothing and is shown on the form.
    ``apply`` returns the success message. Returning ``None`` sends the admin back to the list.
    """
    form_kwargs = form_kwargs or {}
    if "apply" in request.POST:
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                with transaction.atomic():
                    done = apply(form.cleaned_data, queryset)
            except ValidationError as error:
                add_service_errors(form, error, getattr(form, "service_error_fields", {}))
            else:
                modeladmin.message_user(request, done, messages.SUCCESS)
                return None
    else:
        form = form_class(**form_kwargs)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.opts,
        "objects": queryset,
        "form": form,
        "media": modeladmin.media + form.media,
        "action": request.POST.get("action", ""),
        "select_across": request.POST.get("select_across", "0"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/action_form.html", context)


def person_name(last_name_field: str, first_name_field: str, username_field: str):
    """The Chinese order of a user's name (family name first), or the username when it is empty."""
    return Coalesce(
        NullIf(Concat(F(last_name_field), F(first_name_field)), Value("")),
        F(username_field),
    )


def count_of(queryset: QuerySet, outer: str):
    """An annotation counting the rows of ``queryset`` whose ``outer`` is the outer row."""
    counted = queryset.filter(**{outer: OuterRef("pk")}).order_by().values(outer).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class ReadOnlyInline(admin.TabularInline):
    """An inline that only shows: its rows change through the services, never here."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _AssignmentHistoryInline(ReadOnlyInline):
    """Assignments, active and ended, read-only: they change through the services."""

    model = Assignment
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("platform", "cadre__user")


class CadreAssignmentInline(_AssignmentHistoryInline):
    fields = ["platform", "start_date", "end_date", "end_reason"]
    verbose_name_plural = _("platforms served")


class PlatformAssignmentInline(_AssignmentHistoryInline):
    fields = ["cadre", "start_date", "end_date", "end_reason"]
    verbose_name_plural = _("responsible cadres")


class BulkListAdminMixin:
    """Import and Export on the changelist (``liaison.bulk``).

    Import leads to the administration's import page of the kind (upload, preview, confirm: the
    same flow and services as everywhere); Export writes the changelist's rows, its filters and
    search applied, as .xlsx or .csv.
    """

    bulk_kind = ""
    change_list_template = "admin/liaison/bulk_change_list.html"

    def get_urls(self):
        urls = [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="%s_%s_export" % (self.opts.app_label, self.opts.model_name),
            )
        ]
        return urls + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "bulk_import_url": reverse(f"bulk_import_{self.bulk_kind}") if self.bulk_kind in bulk.KINDS else "",
            "bulk_export_url": reverse(admin_urlname(self.opts, "export")),
        }
        return super().changelist_view(request, extra_context)

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        # The changelist reads every other parameter as a filter.
        request.GET = request.GET.copy()
        file_format = request.GET.pop("file_format", ["xlsx"])[-1]
        if file_format not in bulk.FORMATS:
            raise Http404
        queryset = self.get_changelist_instance(request).get_queryset(request)
        content = bulk.export_bytes(kind=self.bulk_kind, queryset=queryset, file_format=file_format)
        response = HttpResponse(content, content_type=bulk.CONTENT_TYPES[file_format])
        filename = bulk.file_name(kind=self.bulk_kind, file_format=file_format)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


# --- units ---------------------------------------------------------------------------------------


@admin.register(Unit)
class UnitAdmin(BulkListAdminMixin, PersonNameSearchMixin, HistoryAdmin):
    bulk_kind = "units"
    list_display = ["name", "kind", "leader_name", "is_office", "cadre_count", "platform_count"]
    list_select_related = ["leader"]
    list_filter = ["kind", "is_office"]
    search_fields = ["name", "leader__username", "leader__last_name", "leader__first_name"]
    person_search_paths = ("leader",)
    autocomplete_fields = ["leader"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                cadre_count=count_of(Cadre.objects.filter(is_active=True), "unit"),
                platform_count=count_of(Assignment.objects.active(), "cadre__unit"),
                leader_name=person_name("leader__last_name", "leader__first_name", "leader__username"),
            )
        )

    def save_model(self, request, obj, form, change):
        """Through ``unit_create`` / ``unit_update``, like the import."""
        values = {k: form.cleaned_data[k] for k in ("name", "kind", "is_office", "leader")}
        saved = services.unit_update(unit=obj, **values) if change else services.unit_create(**values)
        obj.pk = saved.pk

    @admin.display(description=_("leader"), ordering="leader_name")
    def leader_name(self, unit):
        return unit.leader_name

    @admin.display(description=_("active cadres"), ordering="cadre_count")
    def cadre_count(self, unit):
        return unit.cadre_count

    @admin.display(description=_("platforms served"), ordering="platform_count")
    def platform_count(self, unit):
        return unit.platform_count


# --- cadres --------------------------------------------------------------------------------------


class PlatformCountFilter(admin.SimpleListFilter):
    title = _("platforms served")
    parameter_name = "served"

    def lookups(self, request, model_admin):
        return [
            ("incomplete", _("Incomplete (fewer than %(min)d)") % {"min": settings.PORTAL["MIN_PLATFORMS_PER_CADRE"]}),
            ("complete", _("Complete")),
        ]

    def queryset(self, request, queryset):
        minimum = settings.PORTAL["MIN_PLATFORMS_PER_CADRE"]
        if self.value() == "incomplete":
            return queryset.filter(incomplete_cadres())
        if self.value() == "complete":
            return queryset.filter(active_platform_count__gte=minimum)
        return queryset


@admin.register(Cadre)
class CadreAdmin(BulkListAdminMixin, PersonNameSearchMixin, ServiceDeleteMixin, HistoryAdmin):
    bulk_kind = "cadres"
    list_display = [
        "name", "unit", "title", "phone", "active_platform_count", "is_incomplete", "is_active", "set_platforms_link"
    ]
    list_select_related = ["user", "unit"]
    list_filter = [PlatformCountFilter, "is_active", "unit__kind", ("unit", ManyRelatedFieldListFilter)]
    search_fields = ["user__username", "user__last_name", "user__first_name", "unit__name", "phone"]
    person_search_paths = ("user",)
    autocomplete_fields = ["user", "unit"]
    fields = ["user", "unit", "title", "phone", "batch", "is_active"]
    readonly_fields = ["is_active"]
    inlines = [CadreAssignmentInline]
    actions = ["deactivate_selected", "transfer_platforms"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(active_platform_count=count_of(Assignment.objects.active(), "cadre"))
        )

    def get_urls(self):
        urls = [
            path(
                "<path:object_id>/set-platforms/",
                self.admin_site.admin_view(self.set_platforms_view),
                name="%s_%s_set_platforms" % (self.opts.app_label, self.opts.model_name),
            )
        ]
        return urls + super().get_urls()

    def delete_with_service(self, cadre):
        services.cadre_delete(cadre=cadre)

    def get_readonly_fields(self, request, obj=None):
        # A cadre's record is one person's history: the account behind it is not swapped.
        return [*super().get_readonly_fields(request, obj), *(["user"] if obj is not None else [])]

    def save_model(self, request, obj, form, change):
        """Through ``cadre_create`` / ``cadre_update``, like the import; the roles stay as they are."""
        data = form.cleaned_data
        user = obj.user
        details = {"last_name": user.last_name, "first_name": user.first_name, "email": user.email,
                   "unit": data["unit"], "title": data.get("title", ""), "phone": data.get("phone", ""),
                   "batch": data.get("batch") or 1}
        if change:
            saved = services.cadre_update(cadre=obj, **details)
        else:
            saved = services.cadre_create(username=user.get_username(), **details)
        obj.pk = saved.pk

    @admin.display(description=_("full name"), ordering="user__last_name")
    def name(self, cadre):
        return cadre.name

    @admin.display(description=_("active platforms"), ordering="active_platform_count")
    def active_platform_count(self, cadre):
        return cadre.active_platform_count

    @admin.display(description=_("incomplete"), boolean=True)
    def is_incomplete(self, cadre):
        return cadre_is_incomplete(is_active=cadre.is_active, active_platform_count=cadre.active_platform_count)

    @admin.display(description=_("platforms"))
    def set_platforms_link(self, cadre):
        if not cadre.is_active:
            return ""
        url = reverse(admin_urlname(self.opts, "set_platforms"), args=[quote(cadre.pk)])
        return format_html('<a href="{}">{}</a>', url, gettext("Set platforms"))

    def set_platforms_view(self, request, object_id):
        """Set a cadre's 2 to 4 platforms in one step, through ``cadre_set_platforms``."""
        cadre = self.get_object(request, unquote(object_id))
        if cadre is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, cadre):
            raise PermissionDenied
        current = list(cadre.assignments.active().select_related("platform").order_by("platform__name"))
        form = SetPlatformsForm(
            request.POST or None,
            initial={"platforms": [a.platform for a in current]},
            admin_site=self.admin_site,
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.cadre_set_platforms(
                    cadre=cadre,
                    platforms=form.cleaned_data["platforms"],
                    reason=form.cleaned_data["reason"],
                    start_date=form.cleaned_data["start_date"],
                    by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error, form.service_error_fields)
            else:
                names = ", ".join(p.name for p in form.cleaned_data["platforms"])
                self.log_change(request, cadre, gettext("Set platforms: %(names)s.") % {"names": names})
                self.message_user(
                    request, gettext("The platforms of %(cadre)s are set.") % {"cadre": cadre}, messages.SUCCESS
                )
                return HttpResponseRedirect(reverse(admin_urlname(self.opts, "change"), args=[quote(cadre.pk)]))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Set the platforms of %(cadre)s") % {"cadre": cadre},
            "opts": self.opts,
            "original": cadre,
            "current": current,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/liaison/cadre/set_platforms.html", context)

    @admin.action(description=_("Deactivate selected cadres"))
    def deactivate_selected(self, request, queryset):
        done = 0
        for cadre in queryset.filter(is_active=True):
            try:
                services.cadre_deactivate(cadre=cadre)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.log_change(request, cadre, gettext("Deactivated."))
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d cadre was deactivated.", "%(count)d cadres were deactivated.", done)
                % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Transfer the platforms of selected cadres to another cadre"))
    def transfer_platforms(self, request, queryset):
        def apply(data, cadres):
            to_cadre = data["to_cadre"]
            handed_over = list(
                Assignment.objects.active()
                .filter(cadre__in=[c.pk for c in cadres])
                .select_related("platform")
                .order_by("platform__name")
            )
            if not handed_over:
                raise ValidationError(gettext("The selected cadres serve no platforms."))
            services.platforms_transfer(
                platforms=[a.platform for a in handed_over], to_cadre=to_cadre, reason=data["reason"], date=data["date"],
                by=request.user,
            )
            for cadre in cadres:
                self.log_change(request, cadre, gettext("Platforms transferred to %(cadre)s.") % {"cadre": to_cadre})
            return ngettext(
                "%(count)d platform was handed over to %(cadre)s.",
                "%(count)d platforms were handed over to %(cadre)s.",
                len(handed_over),
            ) % {"count": len(handed_over), "cadre": to_cadre}

        return run_action_form(
            self,
            request,
            queryset,
            form_class=TransferPlatformsForm,
            form_kwargs={"admin_site": self.admin_site},
            title=gettext("Transfer platforms to another cadre"),
            apply=apply,
        )


# --- assignments ---------------------------------------------------------------------------------


class AssignmentStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", _("Active")), ("ended", _("Ended"))]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.active()
        if self.value() == "ended":
            return queryset.filter(end_date__isnull=False)
        return queryset


@admin.register(Assignment)
class AssignmentAdmin(BulkListAdminMixin, PersonNameSearchMixin, HistoryAdmin):
    """Assignments are added through ``assignment_create`` and only ever ended, never deleted."""

    bulk_kind = "assignments"

    list_display = ["platform", "cadre", "cadre_unit", "start_date", "end_date", "end_reason", "active"]
    list_select_related = ["platform", "cadre__user", "cadre__unit"]
    list_filter = [AssignmentStatusFilter, "platform__level", ("cadre__unit", ManyRelatedFieldListFilter), "start_date"]
    search_fields = [
        "platform__name",
        "cadre__user__username",
        "cadre__user__last_name",
        "cadre__user__first_name",
        "cadre__unit__name",
    ]
    person_search_paths = ("cadre__user",)
    autocomplete_fields = ["cadre", "platform"]
    actions = ["end_selected"]

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = AssignmentAddForm if obj is None else AssignmentEndForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["cadre", "platform", "start_date"]
        return ["cadre", "platform", "start_date", "end_date", "end_reason", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["cadre", "platform", "start_date", "created_at"]

    def has_change_permission(self, request, obj=None):
        # An ended assignment is history: it can be viewed, not changed.
        if obj is not None and obj.end_date is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Nothing to save: the form's service call has already written the assignment."""

    @admin.display(description=_("unit"), ordering="cadre__unit__sort_key")
    def cadre_unit(self, assignment):
        return assignment.cadre.unit

    @admin.display(description=_("active"), boolean=True, ordering="end_date")
    def active(self, assignment):
        return assignment.is_active

    @admin.action(description=_("End selected assignments"))
    def end_selected(self, request, queryset):
        def apply(data, assignments):
            active = list(assignments.active())
            if not active:
                raise ValidationError(gettext("None of the selected assignments is active."))
            for assignment in active:
                services.assignment_end(assignment=assignment, reason=data["reason"], end_date=data["end_date"])
                self.log_change(request, assignment, gettext("Ended: %(reason)s") % {"reason": data["reason"]})
            return ngettext(
                "%(count)d assignment was ended.", "%(count)d assignments were ended.", len(active)
            ) % {"count": len(active)}

        return run_action_form(
            self, request, queryset, form_class=EndAssignmentsForm, title=gettext("End assignments"), apply=apply
        )


# --- contacts ------------------------------------------------------------------------------------


@admin.register(Contact)
class ContactAdmin(PersonNameSearchMixin, HistoryAdmin):
    """Contacts are the cadres' record: the admin reads them and may add one through the service."""

    list_display = ["date", "platform", "cadre", "kind", "people_met", "recorded_by"]
    list_select_related = ["platform", "cadre__user", "created_by"]
    # By date through the sidebar's periods: a date hierarchy counts the years of every contact
    # (166,000 at national scale) on each page.
    list_filter = ["kind", "date", "platform__level", ("cadre__unit", ManyRelatedFieldListFilter)]
    search_fields = [
        "platform__name",
        "cadre__user__last_name",
        "cadre__user__first_name",
        "cadre__user__username",
        "cadre__unit__name",
        "people_met",
        "summary",
        "needs",
    ]
    person_search_paths = ("cadre__user",)
    autocomplete_fields = ["platform", "cadre"]

    def get_fields(self, request, obj=None):
        fields = list(ContactAddForm._meta.fields)
        return fields if obj is None else fields + ["created_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["created_by", "created_at"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, **kwargs)
        kwargs["form"] = ContactAddForm
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"recorded_by": request.user})

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Nothing to save: ``contact_create`` has already written the contact."""

    @admin.display(description=_("recorded by"), ordering="created_by__last_name")
    def recorded_by(self, contact):
        return user_display_name(contact.created_by)


# --- users -----------------------------------------------------------------------------------------


# Re-registered so that the user list and every user autocomplete (a cadre's user, a unit's
# leader) find a person by the full name as written.
admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(PersonNameSearchMixin, UserAdmin):
    person_search_paths = ("",)
