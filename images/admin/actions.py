"""The image changelist's actions: each image goes through the service the API calls for it.

One service call per image, each in its own transaction: an image the rules refuse is reported
with the service's message and the others still change (the message list shows both).
"""
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from images import patch, services
from images.choices import Visibility
from project.auth.context import admin_context
from project.errors import DomainError


def _replace(path, value):
    """A service applying the JSON-patch `replace path value`, as `PATCH /v2/images/{id}` would."""
    def update(*, context, image_id):
        changes = patch.parse_patch([{"op": "replace", "path": path, "value": value}], patch.V21)
        return services.image_update(context=context, image_id=image_id, changes=changes)
    return update


def run_per_image(modeladmin, request, queryset, done_verb, service):
    """Call `service` for each image; one success message naming the images changed, one error per refusal."""
    done, context = [], admin_context()
    for image in queryset:
        try:
            service(context=context, image_id=image.pk)
        except DomainError as exc:
            modeladmin.message_user(request, f"{image}: {exc.message}", messages.ERROR)
        else:
            done.append(str(image))
    if done:
        modeladmin.message_user(request, f"{done_verb} {len(done)} image{'s' if len(done) > 1 else ''}: "
                                f"{', '.join(done)}", messages.SUCCESS)


def _visibility_action(visibility):
    @admin.action(permissions=["change"], description=f"Make selected images {visibility}")
    def action(modeladmin, request, queryset):
        run_per_image(modeladmin, request, queryset, f"Made {visibility}", _replace("/visibility", visibility))
    action.__name__ = f"make_{visibility}"
    return action


VISIBILITY_ACTIONS = [_visibility_action(choice) for choice in Visibility.values]


class ImageActions:
    """The actions of ImageAdmin (a mixin: the methods need the ModelAdmin)."""

    actions = ["deactivate", "reactivate", "protect", "unprotect", *VISIBILITY_ACTIONS, "delete_selected"]

    @admin.action(permissions=["change"], description="Deactivate selected images")
    def deactivate(self, request, queryset):
        run_per_image(self, request, queryset, "Deactivated", services.image_deactivate)

    @admin.action(permissions=["change"], description="Reactivate selected images")
    def reactivate(self, request, queryset):
        run_per_image(self, request, queryset, "Reactivated", services.image_reactivate)

    @admin.action(permissions=["change"], description="Protect selected images")
    def protect(self, request, queryset):
        run_per_image(self, request, queryset, "Protected", _replace("/protected", True))

    @admin.action(permissions=["change"], description="Unprotect selected images")
    def unprotect(self, request, queryset):
        run_per_image(self, request, queryset, "Unprotected", _replace("/protected", False))

    @admin.action(permissions=["delete"], description="Delete selected images")
    def delete_selected(self, request, queryset):
        """Django's confirmation page, then images.services.image_delete for each image: a protected
        image is refused with the API's message, and DELAYED_DELETE applies as it does to the API."""
        if request.POST.get("post"):
            run_per_image(self, request, queryset, "Deleted", services.image_delete)
            return None
        return TemplateResponse(request, "admin/delete_selected_confirmation.html", {
            **self.admin_site.each_context(request), "title": "Are you sure?", "opts": self.opts,
            "objects_name": "images", "queryset": queryset, "model_count": [("images", len(queryset))],
            "deletable_objects": [[str(image) for image in queryset]], "media": self.media,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        })
