"""Import plugins (IMPORT_PLUGINS), run on the staged data of glance-direct and web-download imports.

- inject_image_metadata: INJECT_METADATA_PROPERTIES set on the image, unless the requester has one of
  INJECT_METADATA_IGNORE_USER_ROLES (Glance's defaults: admin);
- image_conversion: the staged data converted by qemu-img to IMAGE_CONVERSION_OUTPUT_FORMAT; the
  image's disk_format follows, and its size and hashes become the converted data's (the store write
  that follows computes them from what it reads).
"""
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from images import conversion
from images.models import Image, ImageProperty
from metadefs import governance

PLUGINS = ("image_conversion", "inject_image_metadata")


def run(task, staged):
    """Every enabled plugin, in Glance's order (conversion first)."""
    for name in PLUGINS:
        if name in settings.IMPORT_PLUGINS:
            globals()[name](task, staged)


def inject_image_metadata(task, staged):
    if set(task.roles) & {role.lower() for role in settings.INJECT_METADATA_IGNORE_USER_ROLES}:
        return
    injected = {name: str(value) for name, value in settings.INJECT_METADATA_PROPERTIES.items()}
    governance.enforce_image_properties(injected, image_id=task.image_id)  # the operator's values obey it too
    with transaction.atomic():
        image = Image.objects.select_for_update().get(pk=task.image_id)
        for name, value in injected.items():
            ImageProperty.objects.update_or_create(image=image, name=name, defaults={"value": str(value)})
        image.updated_at = timezone.now()
        image.save(update_fields=["updated_at"])


def image_conversion(task, staged):
    image = Image.objects.get(pk=task.image_id)
    target = settings.IMAGE_CONVERSION_OUTPUT_FORMAT
    if image.disk_format == target:
        return
    conversion.convert_staged(staged, image.disk_format, target)
    Image.objects.filter(pk=image.pk).update(disk_format=target, updated_at=timezone.now())
