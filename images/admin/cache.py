"""The image cache, as the admin shows it."""
from django.contrib import admin

from images.models import CachedImage


@admin.register(CachedImage)
class CachedImageAdmin(admin.ModelAdmin):
    """Which node caches what, for every node. Read-only: a cached file is on one node's disk, so it is
    removed through that node (DELETE /v2/cache/{id} or its cache_* commands), not from here."""

    list_display = ("image_id", "node", "size", "hits", "last_accessed", "last_modified")
    list_filter = ("node",)
    search_fields = ("image_id",)
    ordering = ("node", "-last_accessed")
    readonly_fields = [field.name for field in CachedImage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
