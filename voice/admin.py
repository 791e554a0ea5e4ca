"""The platforms' links in the Django admin: to look up, never to edit (a link is made, revoked and
reissued through ``voice.services``, from the issue's and the platform's pages or the command, and
its nonce must never be shown)."""

from django.contrib import admin

from .models import PlatformLink


@admin.register(PlatformLink)
class PlatformLinkAdmin(admin.ModelAdmin):
    list_display = ("platform", "kind", "issue", "closure", "created_at", "expires_at", "revoked_at", "used_at")
    list_filter = ("kind",)
    list_select_related = ("platform", "issue")
    search_fields = ("platform__name", "issue__title")
    fields = ("platform", "kind", "issue", "closure", "created_at", "created_by", "expires_at", "revoked_at",
              "revoked_by", "used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
