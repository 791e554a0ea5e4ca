"""The admin for platforms. Deactivating and deleting go through liaison.services."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from liaison import services
from liaison.admin import (
    BulkListAdminMixin,
    HistoryAdmin,
    PlatformAssignmentInline,
    ServiceDeleteMixin,
    person_name,
    run_action_form,
)
from liaison.admin_forms import ActionReasonForm
from liaison.models import Assignment

from . import services as platform_services
from .models import Platform


class ResponsibleCadreFilter(admin.SimpleListFilter):
    title = _("responsible cadre")
    parameter_name = "has_cadre"

    def lookups(self, request, model_admin):
        return [("yes", _("Has a responsible cadre")), ("no", _("No responsible cadre"))]

    def queryset(self, request, queryset):
        served = Exists(Assignment.objects.active().filter(platform=OuterRef("pk")))
        if self.value() == "yes":
            return queryset.filter(served)
        if self.value() == "no":
            return queryset.filter(~served)
        return queryset


@admin.register(Platform)
class PlatformAdmin(BulkListAdminMixin, ServiceDeleteMixin, HistoryAdmin):
    bulk_kind = "platforms"
    list_display = ["name", "level", "category", "host_institution", "district", "responsible_cadre", "is_active"]
    list_filter = ["level", "category", "is_active", ResponsibleCadreFilter, "district", "batch"]
    search_fields = ["name", "host_institution", "district", "technology_field", "contact_person"]
    readonly_fields = ["responsible_cadre", "is_active", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "level", "category", "host_institution", "technology_field", "batch"]}),
        (_("Location"), {"fields": ["district", "address"]}),
        (
            _("How the platform prefers to be contacted"),
            {"fields": ["contact_person", "contact_phone", "contact_email", "preferred_channel", "preferred_times"]},
        ),
        (_("Status"), {"fields": ["responsible_cadre", "is_active", "created_at", "updated_at"]}),
    ]
    inlines = [PlatformAssignmentInline]
    actions = ["deactivate_selected"]

    def get_queryset(self, request):
        active = Assignment.objects.active().filter(platform=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(
                responsible_cadre_id=Subquery(active.values("cadre_id")[:1]),
                responsible_cadre_name=Subquery(
                    active.annotate(
                        name=person_name("cadre__user__last_name", "cadre__user__first_name", "cadre__user__username")
                    ).values("name")[:1]
                ),
            )
        )

    def delete_with_service(self, platform):
        services.platform_delete(platform=platform)

    def save_model(self, request, obj, form, change):
        """Through ``platform_create`` / ``platform_update``, like the import."""
        values = {k: v for k, v in form.cleaned_data.items() if k in platform_services.EDITABLE_FIELDS}
        if change:
            saved = platform_services.platform_update(platform=obj, **values)
        else:
            saved = platform_services.platform_create(**values)
        obj.pk = saved.pk

    @admin.display(description=_("responsible cadre"), ordering="responsible_cadre_name")
    def responsible_cadre(self, platform):
        cadre_id = getattr(platform, "responsible_cadre_id", None)
        if cadre_id is None:
            return self.get_empty_value_display()
        url = reverse("admin:liaison_cadre_change", args=[cadre_id])
        return format_html('<a href="{}">{}</a>', url, platform.responsible_cadre_name)

    @admin.action(description=_("Deactivate selected platforms"))
    def deactivate_selected(self, request, queryset):
        def apply(data, platforms):
            active = list(platforms.filter(is_active=True))
            if not active:
                raise ValidationError(gettext("None of the selected platforms is active."))
            for platform in active:
                services.platform_deactivate(platform=platform, reason=data["reason"])
                self.log_change(request, platform, gettext("Deactivated: %(reason)s") % {"reason": data["reason"]})
            return ngettext(
                "%(count)d platform was deactivated.", "%(count)d platforms were deactivated.", len(active)
            ) % {"count": len(active)}

        return run_action_form(
            self,
            request,
            queryset,
            form_class=ActionReasonForm,
            title=gettext("Deactivate platforms"),
            apply=apply,
        )
