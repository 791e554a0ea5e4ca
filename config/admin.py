"""The audit in the admin, read-only: each change to a user or a group, with who, when and what."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .audit import Group, User


class _AuditAdmin(admin.ModelAdmin):
    list_select_related = ["history_user"]
    date_hierarchy = "history_date"
    list_filter = ["history_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User.history.model)
class UserAuditAdmin(_AuditAdmin):
    list_display = ["history_date", "history_user", "history_type", "username", "is_active", "is_superuser", "roles"]
    search_fields = ["username", "history_user__username"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("historicaluser_groups_set__group")

    @admin.display(description=_("groups"))
    def roles(self, record):
        return ", ".join(sorted(row.group.name for row in record.historicaluser_groups_set.all()))


@admin.register(Group.history.model)
class GroupAuditAdmin(_AuditAdmin):
    list_display = ["history_date", "history_user", "history_type", "name"]
    search_fields = ["name", "history_user__username"]
