"""Notifications and sweep runs in the admin: read-only (the sweeps and services write them)."""

from django.contrib import admin
from django.db.models import Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import registry
from .models import Notification, SweepRun
from .services import notifications_requeue_email


class KindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(code, kind.label) for code, kind in registry.kinds().items()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


class SweepKindFilter(KindFilter):
    def lookups(self, request, model_admin):
        return [(sweep.name, sweep.label) for sweep in registry.sweeps()]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind_label", "subject", "read_at", "email_status", "emailed_at",
                    "attempts")
    # A date filter rather than a date hierarchy, whose years and months are counted over every
    # notification on each page (130 ms at national scale).
    list_filter = (KindFilter, "email_status", ("read_at", admin.EmptyFieldListFilter),
                   ("created_at", admin.DateFieldListFilter))
    search_fields = ("key", "subject", "address", "recipient__username", "recipient__last_name", "recipient__first_name",
                     "recipient_full_name")
    list_select_related = ("recipient",)
    readonly_fields = [f.name for f in Notification._meta.fields]
    actions = ["requeue_email"]

    def get_search_results(self, request, queryset, search_term):
        # The full name as written, family name then given name (董燕杰): two columns, one search.
        queryset = queryset.alias(recipient_full_name=Concat("recipient__last_name", Value(""), "recipient__first_name"))
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, notification):
        return registry.kind_label(notification.kind)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the row is what guarantees it is sent once

    @admin.action(description=_("E-mail the selected failed or skipped notifications again"))
    def requeue_email(self, request, queryset):
        count = notifications_requeue_email(notification_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, ngettext("%d notification requeued.", "%d notifications requeued.", count) % count)


@admin.register(SweepRun)
class SweepRunAdmin(admin.ModelAdmin):
    list_display = ("day", "kind_label", "runs", "notifications_created", "last_run_at")
    list_filter = (SweepKindFilter,)
    date_hierarchy = "day"

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, run):
        return registry.sweep_label(run.kind)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
