"""/v2/cache: this node's image cache, for administrators (Glance's cache management API, v2.14+)."""
from django.http import HttpResponse
from rest_framework.response import Response

from images import cache_manage
from images.api.views import ImagesView


def _empty(status):
    # Glance (webob) answers these with an empty text/html body, not JSON.
    return HttpResponse(status=status)


class CacheState(ImagesView):
    def get(self, request):
        return Response(cache_manage.cache_state(context=self.caller))

    def delete(self, request):
        target = request.headers.get("x-image-cache-clear-target", "")
        cache_manage.cache_clear(context=self.caller, target=target)
        return _empty(204)


class CacheEntry(ImagesView):
    def put(self, request, image_id):
        cache_manage.cache_image_queue(context=self.caller, image_id=image_id)
        return _empty(202)

    def delete(self, request, image_id):
        cache_manage.cache_entry_delete(context=self.caller, image_id=image_id)
        return _empty(204)


class CacheClean(ImagesView):
    def post(self, request):
        cache_manage.cache_clean_api(context=self.caller)
        return _empty(200)


class CachePrune(ImagesView):
    def post(self, request):
        return Response(cache_manage.cache_prune_api(context=self.caller))


class CacheNodes(ImagesView):
    def get(self, request, image_id):
        return Response(cache_manage.cache_nodes(context=self.caller, image_id=image_id))
