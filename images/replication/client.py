"""One Image API v2 endpoint, spoken to through a keystoneauth1 session.

Only documented v2 calls are used, so the other side may be this service or any Glance:
list with marker paging, `POST /v2/images` with the image's own `id`, JSON-patch updates,
and data streamed in and out of `/v2/images/{id}/file`.
"""
from urllib.parse import parse_qs, urlsplit

import requests
from keystoneauth1 import exceptions as ks_exceptions

from images.replication import ReplicationError

PAGE_SIZE = 200
PATCH_TYPE = "application/openstack-images-v2.1-json-patch"
# Every image the caller may see, hidden ones included: a list without os_hidden leaves them out.
LIST_SCOPES = ({"os_hidden": "false"}, {"os_hidden": "true"})


def endpoint_url(text):
    """Glance's replicator took host:port; a URL (with a path prefix) is accepted too."""
    url = text if "://" in text else f"http://{text}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ReplicationError(f"{text!r} is not an image service URL (http://host:port) nor host:port")
    return url.rstrip("/")


class ImageAPI:
    def __init__(self, url, session, label):
        self.url, self.session, self.label = endpoint_url(url), session, label

    def __str__(self):
        return f"{self.label} {self.url}"

    def request(self, method, path, *, expect=(200,), **kwargs):
        """The response of one call; ReplicationError naming the side unless its status is expected."""
        try:
            response = self.session.request(self.url + path, method, raise_exc=False, **kwargs)
        except (ks_exceptions.ClientException, requests.RequestException) as exc:
            raise ReplicationError(f"{self}: {method} {path} failed: {exc}") from None
        if response.status_code not in expect:
            detail = response.text[:300].strip() if not kwargs.get("stream") else ""
            response.close()
            raise ReplicationError(f"{self}: {method} {path} answered {response.status_code} {detail}".rstrip())
        return response

    def images(self, **filters):
        """Every image the caller may list that matches `filters`, page by page (marker paging)."""
        for scope in LIST_SCOPES:
            yield from self._pages({"visibility": "all", "member_status": "all", **scope, **filters})

    def _pages(self, query):
        query = {**query, "limit": PAGE_SIZE, "sort_key": "created_at", "sort_dir": "asc"}
        while True:
            body = self.request("GET", "/v2/images", params=query).json()
            yield from body["images"]
            marker = _next_marker(body)
            if marker is None:
                return
            query["marker"] = marker

    def image(self, image_id):
        """The image's document, or None when the caller cannot see one with this id."""
        response = self.request("GET", f"/v2/images/{image_id}", expect=(200, 404))
        return response.json() if response.status_code == 200 else None

    def create(self, document):
        return self.request("POST", "/v2/images", expect=(201,), json=document).json()

    def update(self, image_id, operations):
        return self.request("PATCH", f"/v2/images/{image_id}", json=operations,
                            headers={"Content-Type": PATCH_TYPE}).json()

    def members(self, image_id):
        """member project id -> membership status (pending, accepted, rejected)."""
        body = self.request("GET", f"/v2/images/{image_id}/members").json()
        return {member["member_id"]: member["status"] for member in body["members"]}

    def add_member(self, image_id, member_id):
        self.request("POST", f"/v2/images/{image_id}/members", json={"member": member_id})

    def set_member_status(self, image_id, member_id, status):
        self.request("PUT", f"/v2/images/{image_id}/members/{member_id}", json={"status": status})

    def remove_member(self, image_id, member_id):
        self.request("DELETE", f"/v2/images/{image_id}/members/{member_id}", expect=(204,))

    def download(self, image_id):
        """The data as a file-like object to read(); close it when done."""
        response = self.request("GET", f"/v2/images/{image_id}/file", stream=True)
        response.raw.decode_content = False
        return response.raw

    def upload(self, image_id, reader):
        """Stream `reader` (a file-like with a `len`) as the image's data: requests sends it in blocks."""
        self.request("PUT", f"/v2/images/{image_id}/file", expect=(204,), data=reader,
                     headers={"Content-Type": "application/octet-stream"})


def _next_marker(body):
    """Glance's `next` link is a path without the endpoint's prefix: only its marker is used."""
    if not body.get("next") or not body["images"]:
        return None
    return parse_qs(urlsplit(body["next"]).query).get("marker", [body["images"][-1]["id"]])[0]
