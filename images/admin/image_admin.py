"""The images admin: a changelist with filters and search, a detail page, actions through the services."""
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.urls import path, reverse

from images import services
from images.admin import filters, properties, usage
from images.admin.actions import ImageActions
from images.admin.forms import ImageForm
from images.choices import LocationStatus
from images.models import Image, ImageLocation, ImageMember, ImageTag
from project.auth.context import admin_context
from project.errors import DomainError


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TagInline(ReadOnlyInline):
    model = ImageTag
    fields = readonly_fields = ("value",)


class MemberInline(ReadOnlyInline):
    model = ImageMember
    fields = readonly_fields = ("member", "status", "created_at", "updated_at")


class LocationInline(ReadOnlyInline):
    model = ImageLocation
    fields = readonly_fields = ("store", "url", "status", "created_at")


@admin.register(Image)
class ImageAdmin(ImageActions, admin.ModelAdmin):
    form = ImageForm
    list_display = ("id", "name", "status", "visibility", "owner", "disk_format", "container_format", "size",
                    "stores", "protected", "os_hidden", "created_at")
    list_display_links = ("id", "name")
    list_filter = (filters.StatusFilter, "visibility", "disk_format", "container_format", "owner", filters.StoreFilter,
                   "protected", "os_hidden")
    search_fields = ("name", "id", "checksum", "properties__value")  # searched by filters.search, not these
    search_help_text = ("Name (contains), id (starts with), checksum or os_hash_value, property value "
                        "(contains; name=value for one property).")
    ordering = ("-created_at", "-id")
    list_per_page = 50
    inlines = [TagInline, MemberInline, LocationInline]
    fieldsets = [
        (None, {"fields": ("id", "name", "status", "visibility", "owner", "protected", "os_hidden")}),
        ("Data", {"fields": ("disk_format", "container_format", "size", "virtual_size", "min_disk", "min_ram")}),
        ("Hashes", {"fields": ("checksum", "os_hash_algo", "os_hash_value")}),
        ("Properties", {"fields": ("governed_properties", "properties")}),
        ("Dates", {"fields": ("created_at", "updated_at")}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # What PATCH /v2/images/{id} accepts is editable (visibility and protection are actions); the rest is not.
        return [name for name in ImageForm.READ_ONLY if obj is None or name not in ImageForm.editable(obj)] + [
            "governed_properties"]

    def get_queryset(self, request):
        copies = ImageLocation.objects.filter(status=LocationStatus.ACTIVE).only("image_id", "store")
        return super().get_queryset(request).prefetch_related(Prefetch("locations", copies, to_attr="copies"))

    def get_search_results(self, request, queryset, search_term):
        return filters.search(queryset, search_term), False

    @admin.display(description="stores")
    def stores(self, image):
        return ", ".join(sorted({copy.store for copy in image.copies})) or "-"

    @admin.display(description="properties and the metadefs that govern them")
    def governed_properties(self, image):
        return properties.render(image)

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view(usage.UsageView.as_view(model_admin=self))
        return [path("usage/", view, name="images_image_usage"), *super().get_urls()]

    def save_model(self, request, obj, form, change):
        """The form's changes as one JSON patch through images.services.image_update (the API's rules)."""
        try:
            services.image_update(context=admin_context(), image_id=obj.pk, changes=form.changes)
        except DomainError as exc:
            request.image_refusal = exc.message

    def log_change(self, request, obj, message):
        if getattr(request, "image_refusal", None) is None:  # a refused change changed nothing
            return super().log_change(request, obj, message)
        return None

    def response_change(self, request, obj):
        refusal = getattr(request, "image_refusal", None)
        if refusal is None:
            return super().response_change(request, obj)
        self.message_user(request, f"{obj}: nothing was changed: {refusal}", messages.ERROR)
        return HttpResponseRedirect(request.path)

    def delete_view(self, request, object_id, extra_context=None):
        # The service decides (a protected image is refused); its message replaces Django's 500.
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:images_image_change", args=[unquote(object_id)]))

    def delete_model(self, request, obj):
        services.image_delete(context=admin_context(), image_id=obj.pk)
