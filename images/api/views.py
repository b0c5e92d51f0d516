"""Glance v2 image endpoints: thin views over selectors and services."""
from django.conf import settings
from django.http import FileResponse
from rest_framework.response import Response

from images import cache, data, locations, patch, quotas, selectors, services, store_info
from images.api.ranges import requested_range
from images.api.serializers import image_body, image_href, member_body
from images.stores import registry
from images.stores.base import CHUNK_SIZE
from project.api.paging import envelope
from project.api.parsers import GlanceJSONParser
from project.api.views import GlanceView
from project.errors import InvalidInput, UnsupportedMediaType

class ImagesView(GlanceView):
    """Base of the image views: like Glance, a body sent to a method that takes none is a 400."""

    body_methods = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        handled = hasattr(self, request.method.lower())  # else DRF answers 405 next
        if handled and request.method not in self.body_methods and _has_body(request.META):
            raise InvalidInput("A body is not expected with this request.")


def _is_chunked(meta):
    return "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()


def _has_body(meta):
    if _is_chunked(meta):
        return True
    try:
        return int(meta.get("CONTENT_LENGTH") or 0) > 0
    except ValueError:
        return False


# --- records ----------------------------------------------------------------

class ImageList(ImagesView):
    body_methods = ("POST",)

    def get(self, request):
        listing = selectors.image_list(self.caller, request.query_params)
        return Response(envelope("images", [image_body(image) for image in listing.images], path="/v2/images",
                                 params=request.query_params, marker=listing.next_marker, schema="/v2/schemas/images"))

    def post(self, request):
        image = services.image_create(context=self.caller, document=self.json_body())
        body = shown(self.caller, image.pk)
        response = self.created(body, request.build_absolute_uri(image_href(image.pk)))
        # What clients read to choose import over upload (openstacksdk's use_import) and a store.
        if settings.IMPORT_METHODS:
            response["OpenStack-image-import-methods"] = ",".join(settings.IMPORT_METHODS)
        if registry.several():
            response["OpenStack-image-store-ids"] = ",".join(registry.image_stores())
        return response


def shown(context, image_id):
    """The image body as `context` may see it (properties it may not read left out)."""
    return image_body(selectors.image_get(context, image_id))


class PatchV20Parser(GlanceJSONParser):
    media_type = patch.V20


class PatchV21Parser(GlanceJSONParser):
    media_type = patch.V21


class ImageDetail(ImagesView):
    body_methods = ("PATCH",)
    parser_classes = [PatchV21Parser, PatchV20Parser]

    def get(self, request, image_id):
        return Response(shown(self.caller, image_id))

    def patch(self, request, image_id):
        media_type = patch.check_media_type(request.content_type)
        changes = patch.parse_patch(request.data, media_type)
        services.image_update(context=self.caller, image_id=image_id, changes=changes)
        return Response(shown(self.caller, image_id))

    def delete(self, request, image_id):
        services.image_delete(context=self.caller, image_id=image_id)
        return self.no_content()


class ImageAction(ImagesView):
    actions = {"deactivate": services.image_deactivate, "reactivate": services.image_reactivate}

    def post(self, request, image_id, action):
        self.actions[action](context=self.caller, image_id=image_id)
        return self.no_content()


class ImageTag(ImagesView):
    def put(self, request, image_id, tag):
        services.image_tag_add(context=self.caller, image_id=image_id, tag=tag)
        return self.no_content()

    def delete(self, request, image_id, tag):
        services.image_tag_remove(context=self.caller, image_id=image_id, tag=tag)
        return self.no_content()


# --- data -------------------------------------------------------------------

class ImageDataResponse(FileResponse):
    block_size = CHUNK_SIZE


class ImageFile(ImagesView):
    body_methods = ("PUT",)
    parser_classes = []

    def get(self, request, image_id):
        image = selectors.image_get(self.caller, image_id, detail=False)
        data.ensure_downloadable(context=self.caller, image=image)
        span = requested_range(request.headers, image.size) if image.size is not None else None
        offset, length = span or (0, image.size)
        if span is None and cache.serves(image):
            readable = cache.image_data_read(image=image)
        else:
            readable = locations.image_data_open(image=image, offset=offset, length=length)
        if readable is None:
            return self.no_content()
        response = ImageDataResponse(readable, status=206 if span else 200, content_type="application/octet-stream")
        response["Content-Length"] = str(length)
        if span:
            response["Content-Range"] = f"bytes {offset}-{offset + length - 1}/{image.size}"
        if image.checksum:
            response["Content-MD5"] = image.checksum
        return response

    def put(self, request, image_id):
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type != "application/octet-stream":
            raise UnsupportedMediaType(f"Invalid content type {content_type or None}")
        data.image_upload(context=self.caller, image_id=image_id, stream=body_stream(request),
                          declared_size=declared_size(request.META), store_id=_chosen_store(request.headers))
        return self.no_content()


def body_stream(request):
    """The raw request body: Django only reads Content-Length bytes, so chunked bodies come from the server."""
    if _is_chunked(request.META):
        return request.META["wsgi.input"]
    return request._request


def _chosen_store(headers):
    """X-Image-Meta-Store names the target store; Glance reads it only with several stores."""
    return headers.get("X-Image-Meta-Store") if registry.several() else None


def declared_size(meta):
    raw = meta.get("HTTP_X_OPENSTACK_IMAGE_SIZE")
    if raw is None and not _is_chunked(meta):
        raw = meta.get("CONTENT_LENGTH") or None
    if raw is None:
        return None
    try:
        size = int(raw)
    except ValueError:
        size = -1
    if size < 0:
        raise InvalidInput("Invalid or missing image size in request headers.")
    return size


# --- members ----------------------------------------------------------------

class MemberList(ImagesView):
    body_methods = ("POST",)

    def get(self, request, image_id):
        image = selectors.image_get(self.caller, image_id, detail=False)
        members = selectors.members_listed(self.caller, image)
        return Response(envelope("members", [member_body(m) for m in members], schema="/v2/schemas/members"))

    def post(self, request, image_id):
        member = services.member_create(context=self.caller, image_id=image_id, document=self.json_body())
        return Response(member_body(member))


class MemberDetail(ImagesView):
    body_methods = ("PUT",)

    def get(self, request, image_id, member_id):
        image = selectors.image_get(self.caller, image_id, detail=False)
        return Response(member_body(selectors.member_shown(self.caller, image, member_id)))

    def put(self, request, image_id, member_id):
        member = services.member_update(context=self.caller, image_id=image_id, member_id=member_id,
                                        document=self.json_body())
        return Response(member_body(member))

    def delete(self, request, image_id, member_id):
        services.member_delete(context=self.caller, image_id=image_id, member_id=member_id)
        return self.no_content()


# --- stores -------------------------------------------------------------------

class StoreCopy(ImagesView):
    """DELETE /v2/stores/{store_id}/{image_id}: one copy of an image's data."""

    def delete(self, request, store_id, image_id):
        services.image_store_delete(context=self.caller, image_id=image_id, store_id=store_id)
        return self.no_content()


class StoresInfo(ImagesView):
    detail = False

    def get(self, request):
        return Response({"stores": store_info.stores_listed(self.caller, detail=self.detail)})


# --- quotas -------------------------------------------------------------------

class Usage(ImagesView):
    """GET /v2/info/usage: the caller's project's quotas, as Glance reports Keystone's unified limits."""

    def get(self, request):
        usage = quotas.project_usage(self.caller.project_id)
        return Response({"usage": {name: {"usage": item.usage, "limit": item.limit} for name, item in usage.items()}})
