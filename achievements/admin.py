"""The achievements admin: the stage, assessment and transformation read-only, the timeline inline;
what the achievement is (title, type, field, numbers, description) corrected through
``achievement_update``. Every other change is an action on the portal's pages or the API, through
``achievements.services``. Service records are added and corrected through
``achievements.service_records``."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from config.admin_filters import ManyRelatedFieldListFilter
from liaison.admin import HistoryAdmin, ReadOnlyInline
from liaison.admin_forms import _ServiceModelForm

from . import service_records, services
from .models import Achievement, AchievementEvent, Demand, Match, ServiceRecord
from .selectors import achievement_list, service_record_list

_EDITABLE = services.DESCRIPTIVE_FIELDS


class AchievementEventInline(ReadOnlyInline):
    model = AchievementEvent
    fields = ("at", "kind", "actor", "note", "before", "after")
    readonly_fields = fields
    ordering = ("at", "id")
    verbose_name_plural = _("timeline")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class AchievementAdminForm(forms.ModelForm):
    class Meta:
        model = Achievement
        fields = list(_EDITABLE)

    def clean(self):
        cleaned = super().clean()
        values = {name: cleaned.get(name) or "" for name in _EDITABLE}
        values = {name: value.strip() if isinstance(value, str) else value for name, value in values.items()}
        for name, error in services.descriptive_errors(**values).items():
            self.add_error(name if name in self.fields else None, error)
        return cleaned


@admin.register(Achievement)
class AchievementAdmin(HistoryAdmin):
    form = AchievementAdminForm
    list_display = ("id", "title", "platform", "technology_field", "stage", "readiness_level", "judgement",
                    "collected_by", "collected_on", "contract_amount")
    list_display_links = ("id", "title")
    list_filter = ("stage", "technology_field", "judgement", "readiness_level", "achievement_type",
                   "transformation_mode", ("landing_unit", ManyRelatedFieldListFilter))
    search_fields = ("title", "sub_field", "platform__name", "counterpart_enterprise", "landing_unit__name")
    date_hierarchy = "collected_on"
    list_select_related = ("platform", "collected_by__user")
    inlines = [AchievementEventInline]
    fieldsets = [
        (None, {"fields": ("platform", "collected_by", "collected_on", "contact", *_EDITABLE)}),
        (_("Stage"), {"fields": ("stage", "stage_entered_on", "drop_reason", "dropped_from")}),
        (_("Assessment of transformability"), {"fields": (
            "readiness_level", "ip_status", "market_prospects", "judgement", "recommended_mode", "assessed_by",
            "assessed_at")}),
        (_("Transformation"), {"fields": (
            "transformation_mode", "counterpart_enterprise", "landing_unit", "contract_amount", "transformed_on")}),
    ]

    def get_queryset(self, request):
        return achievement_list(user=request.user)

    def get_readonly_fields(self, request, obj=None):
        every = [f for group in self.fieldsets for f in group[1]["fields"]]
        if obj is not None and obj.is_active:
            return [f for f in every if f not in _EDITABLE]
        return every

    def has_add_permission(self, request):
        # Achievements are collected by their cadre on the portal, through achievement_collect.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not form.has_changed():
            return
        current = Achievement.objects.get(pk=obj.pk)
        try:
            services.achievement_update(
                achievement=current, by=request.user, **{name: form.cleaned_data[name] or "" for name in _EDITABLE}
            )
        except ValidationError as error:  # refused after the form's checks (it moved on meanwhile)
            self.message_user(request, " ".join(error.messages), level="error")


@admin.register(AchievementEvent)
class AchievementEventAdmin(admin.ModelAdmin):
    """The timelines, read-only: entries are written by the services."""

    list_display = ("at", "achievement", "kind", "actor")
    # A date filter rather than a date hierarchy, whose years and months are counted over every
    # entry of every timeline on each page (130 ms at national scale).
    list_filter = ("kind", ("at", admin.DateFieldListFilter))
    search_fields = ("achievement__title", "note")
    list_select_related = ("achievement", "actor")
    ordering = ("-at", "-id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- demands and matches -------------------------------------------------------------------------


class DemandAdminForm(forms.ModelForm):
    class Meta:
        model = Demand
        fields = [name for name in services.DEMAND_FIELDS]

    def clean(self):
        cleaned = super().clean()
        values = {name: cleaned.get(name) for name in services.DEMAND_FIELDS}
        if self.instance.pk:
            values["unit"] = self.instance.unit
        values = {k: ("" if v is None and k not in ("unit", "budget", "wanted_by") else v) for k, v in values.items()}
        _values, errors = services.demand_values(**values)
        for name, error in errors.items():
            self.add_error(name if name in self.fields else None, error)
        return cleaned


@admin.register(Demand)
class DemandAdmin(HistoryAdmin):
    """Demands are entered and corrected through ``demand_raise`` and ``demand_update``; closing and
    reopening are actions on the portal's pages and the API."""

    form = DemandAdminForm
    list_display = ("id", "title", "unit", "enterprise", "technology_field", "status", "budget", "wanted_by",
                    "raised_on")
    list_display_links = ("id", "title")
    list_filter = ("status", "technology_field", ("unit", ManyRelatedFieldListFilter))
    search_fields = ("title", "enterprise", "sub_field", "unit__name")
    date_hierarchy = "raised_on"
    list_select_related = ("unit",)
    readonly_fields = ("status", "close_reason", "raised_by", "raised_on")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return (*self.readonly_fields, "unit")
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data.get(name) for name in services.DEMAND_FIELDS if name in form.cleaned_data}
        data = {k: ("" if v is None and k not in ("unit", "budget", "wanted_by") else v) for k, v in data.items()}
        try:
            if change:
                data.pop("unit", None)
                if form.has_changed():
                    services.demand_update(demand=Demand.objects.get(pk=obj.pk), by=request.user, **data)
            else:
                saved = services.demand_raise(by=request.user, **data)
                obj.pk = saved.pk
        except (ValidationError, PermissionDenied) as error:
            self.message_user(request, " ".join(getattr(error, "messages", [str(error)])), level="error")


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    """Matches, read-only: they are confirmed and moved on the portal's pages and the API, whose
    services also move the achievement."""

    list_display = ("id", "achievement", "demand", "status", "fit", "confirmed_by", "confirmed_on")
    list_filter = ("status",)
    search_fields = ("achievement__title", "demand__title")
    list_select_related = ("achievement", "demand", "confirmed_by")
    date_hierarchy = "confirmed_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- service records -------------------------------------------------------------------------------


class ServiceRecordAddForm(_ServiceModelForm):
    """Records a service through ``service_record_create``; the admin sets ``recorded_by``."""

    recorded_by = None

    class Meta:
        model = ServiceRecord
        fields = ["platform", "kind", "given_on", "achievement", "issue", "contact", "description", "outcome"]
        help_texts = {"given_on": _("Leave empty for the contact's date, or today.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["given_on"].required = False

    def call_service(self, data):
        return service_records.service_record_create(by=self.recorded_by, **data)


class ServiceRecordChangeForm(_ServiceModelForm):
    """Corrects a service through ``service_record_update``; the admin sets ``recorded_by``."""

    recorded_by = None

    class Meta:
        model = ServiceRecord
        fields = list(service_records.EDITABLE_FIELDS)

    def call_service(self, data):
        if not self.has_changed():
            return None
        return service_records.service_record_update(record=self.instance, by=self.recorded_by, **data)


@admin.register(ServiceRecord)
class ServiceRecordAdmin(HistoryAdmin):
    """Services are recorded and corrected through ``achievements.service_records``; a record made by
    mistake is deleted on its portal page, with the reason."""

    list_display = ("id", "given_on", "kind", "platform", "given_by", "achievement", "issue", "recorded_by")
    list_display_links = ("id", "given_on")
    list_filter = ("kind", "given_on", ("given_by__unit", ManyRelatedFieldListFilter))
    search_fields = ("description", "outcome", "platform__name", "given_by__unit__name")
    date_hierarchy = "given_on"
    list_select_related = ("platform", "given_by__user", "achievement", "issue", "recorded_by")
    autocomplete_fields = ("platform", "achievement", "issue", "contact")

    def get_queryset(self, request):
        return service_record_list(user=request.user)

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(ServiceRecordAddForm._meta.fields)
        return ["platform", "given_by", "contact", *service_records.EDITABLE_FIELDS, "recorded_by", "recorded_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["platform", "given_by", "contact", "recorded_by", "recorded_at"]

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = ServiceRecordAddForm if obj is None else ServiceRecordChangeForm
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"recorded_by": request.user})

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Nothing to save: the form's service call has already written the record."""
