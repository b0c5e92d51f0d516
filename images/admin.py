"""A read-mostly view of images for operators; deletion goes through the service."""
from django.contrib import admin

from images import services
from images.models import CachedImage, Image, ImageMember, ImageProperty, ImageTag
from project.auth.context import admin_context


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PropertyInline(ReadOnlyInline):
    model = ImageProperty
    fields = readonly_fields = ("name", "value")


class TagInline(ReadOnlyInline):
    model = ImageTag
    fields = readonly_fields = ("value",)


class MemberInline(ReadOnlyInline):
    model = ImageMember
    fields = readonly_fields = ("member", "status", "created_at", "updated_at")


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "status", "visibility", "owner", "disk_format", "size", "created_at")
    list_filter = ("status", "visibility", "disk_format", "container_format", "protected", "os_hidden")
    search_fields = ("id", "name", "owner", "checksum")
    ordering = ("-created_at", "-id")
    inlines = [PropertyInline, TagInline, MemberInline]
    readonly_fields = [field.name for field in Image._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # The service refuses protected images too; hiding the button avoids a failed request.
        return super().has_delete_permission(request, obj) and not (obj and obj.protected)

    def delete_model(self, request, obj):
        services.image_delete(context=admin_context(), image_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for image in queryset:
            self.delete_model(request, image)


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
