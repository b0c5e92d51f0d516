"""Image data through the API: upload into a store, and who may download it.

The bytes themselves move in images.intake (in) and images.locations (out).
"""
from images import intake
from images.access import enforce_image
from images.choices import Status
from images.pipeline import request_body
from images.stores import registry
from project.errors import Forbidden


def image_upload(*, context, image_id, stream, declared_size=None, store_id=None):
    """PUT /file: the request body into store `store_id` (default store when None) as the image's data.

    Raises what images.intake.image_intake raises, and InvalidInput (400) for an unknown store.
    """
    target = registry.chosen_store(store_id)
    return intake.image_intake(context=context, intake=intake.Intake(
        image_id=image_id, source=request_body(stream), store=target, path=intake.UPLOAD,
        declared_size=declared_size))


def ensure_downloadable(*, context, image):
    """Forbidden (403) unless download_image allows it, and for a deactivated image unless the caller is an admin."""
    enforce_image(context, "download_image", image)
    if image.status == Status.DEACTIVATED and not context.is_admin:
        raise Forbidden("The requested image has been deactivated. Image data download is forbidden.")


