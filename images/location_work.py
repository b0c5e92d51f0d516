"""The location_import task: verify data a client pointed at, then make it the image's data.

The data is read once through the upload pipeline (size cap, md5 + multihash, format
inspection) without being written anywhere; its hashes must match the `validation_data` the
client gave. Only then, under the image's row lock, does the image get the location and
turn active. A failure leaves the image queued and never touches the data (the service did
not write it).
"""
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from images import lifecycle, quotas
from images.choices import Status
from images.inspection import FormatInspection
from images.models import Image, ImageLocation
from images.pipeline import DataPipeline, SizeCap, stored_data
from images.stores import registry
from project.errors import Gone, InvalidInput, TooLarge


def location_verify(task, progress):
    """Read the location's data, check it, record it; raises what the pipeline or the checks raise."""
    url, expected = task.input["loc_url"], task.input.get("validation_data") or {}
    store_id = registry.store_for_url(url)
    if store_id is None:
        raise InvalidInput(f"No store of this service holds data at {url}.")
    image = Image.objects.get(pk=task.image_id)
    inspection = FormatInspection() if image.container_format == "bare" else None
    cap = settings.IMAGE_SIZE_CAP
    pipeline = DataPipeline(stored_data(registry.store(store_id), url),
                            hash_algo=expected.get("os_hash_algo") or image.os_hash_algo or settings.IMAGE_HASH_ALGORITHM,
                            cap=SizeCap(cap, lambda size: TooLarge(f"Image exceeds the maximum size of {cap} bytes.")),
                            progress=progress, inspection=inspection)
    for _ in pipeline.chunks():
        pass
    virtual_size = inspection.verdict(image.disk_format) if inspection else None
    _check_expected(pipeline, expected)
    _record(task.image_id, store_id, url, pipeline, virtual_size)


def _check_expected(pipeline, expected):
    found = {"checksum": pipeline.checksum, "os_hash_value": pipeline.hash_value}
    for key, value in found.items():
        if key in expected and expected[key].lower() != value:
            raise InvalidInput(f"{key} ({expected[key]}) does not match the data at the location ({value}).")


@transaction.atomic
def _record(image_id, store_id, url, pipeline, virtual_size):
    image = Image.objects.select_for_update().filter(pk=image_id, status__in=(Status.IMPORTING, Status.ACTIVE)).first()
    if image is None:
        raise Gone(f"Image {image_id} was deleted or changed while its location was verified.")
    if image.status == Status.ACTIVE:  # another copy of data the image has: it must be the same data
        if (pipeline.size, pipeline.hash_value) != (image.size, image.os_hash_value):
            raise InvalidInput(f"The data at {url} is not this image's data ({pipeline.size} bytes, "
                               f"{pipeline.hash_algo} {pipeline.hash_value}).")
        ImageLocation.objects.create(image=image, store=store_id, url=url, metadata={})
        return
    quotas.enforce_stored_size(image.owner, pipeline.size)
    image.size, image.checksum, image.virtual_size = pipeline.size, pipeline.checksum, virtual_size
    image.os_hash_algo, image.os_hash_value = pipeline.hash_algo, pipeline.hash_value
    lifecycle.transition(image, Status.ACTIVE)
    image.updated_at = timezone.now()
    image.save()
    ImageLocation.objects.create(image=image, store=store_id, url=url, metadata={}, created_at=image.updated_at,
                                 updated_at=image.updated_at)
