"""Image data as objects in OpenStack Swift (store type "swift"), through python-swiftclient.

Options (IMAGE_STORES entry; sizes in bytes):
  auth_url                  tempauth's .../auth/v1.0, or Keystone's .../v3 (required)
  auth_version              "1" (tempauth and the like) or "3" (Keystone); default "1"
  user, key                 credentials (tempauth: user "account:user")
  project, user_domain, project_domain, region, endpoint_type
                            Keystone v3 only: the project to scope to, the domains (default
                            "Default"), the catalog region and interface (default "public")
  container                 default "glance"
  multiple_containers_seed  0: one container; N (1-32): container "<container>_<first N characters of
                            the image id>", as Glance's swift_store_multiple_containers_seed
  create_container_on_put   create a missing container on the first upload into it (default true)
  large_object_size         data beyond this becomes a static large object (default 5 GiB, at most 5 GiB)
  large_object_chunk_size   its segments' size (default 200 MiB)
  insecure, cacert          TLS: skip verification / the CA bundle to verify with
  retries, timeout          swiftclient's retries (with backoff) and socket timeout in seconds

Data is streamed both ways (chunked transfer up, ranged reads down), never held
whole. The size of an upload is unknown until it ends, so it goes to the image's
object until it passes large_object_size; then that first part is copied (server
side) into the segments container "<container>_segments", the rest follows there
in segments, and an SLO manifest replaces the object. Containers are created
without ACLs: only the store's own account (and its admins) can read the data.
Locations are "swift://<store id>/<container>/<image id>".
"""
import io
import json
import logging
import re
import threading
import uuid
from datetime import datetime, timezone
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

from keystoneauth1 import session as keystone_session
from keystoneauth1.identity import v3
from requests.exceptions import RequestException
from swiftclient.client import ClientException, Connection

from images.stores.base import CHUNK_SIZE, PartialItem, Store, StoredData, StoredItem
from images.stores.errors import (DataNotFound, StoreConfigurationError, StoreFull, StoreUnavailable,
                                  StoreWriteDenied)
from images.stores.pieces import MAX_OBJECT_SIZE, Pieces, piece_size

log = logging.getLogger(__name__)

MiB = 1024 * 1024
# Swift's SLO takes at most 1000 segments per manifest by default (max_manifest_segments).
MAX_SEGMENTS = 1000
SEGMENTS_PER_DOUBLING = 100
LISTING_PAGE = 1000


def swift_fault(exc, what):
    """A swiftclient or connection failure as the store fault it means."""
    status = getattr(exc, "http_status", None)
    if status == 404:
        return DataNotFound(f"No image data at {what}.")
    if status == 401:
        return StoreUnavailable(f"Swift refused the store's credentials at {what}.")
    if status == 403:
        return StoreWriteDenied(f"Swift denied access to {what}.")
    if status in (413, 507):
        return StoreFull(f"Swift refused {what}: {getattr(exc, 'http_reason', '') or exc}")
    return StoreUnavailable(f"The Swift store failed at {what}: {exc}")


@contextmanager
def swift_faults(what):
    try:
        yield
    except (ClientException, RequestException, OSError) as exc:
        raise swift_fault(exc, what) from exc


def _is_manifest(headers):
    return headers.get("x-static-large-object", "").lower() == "true"


def _listed_time(value):
    """A container listing's last_modified: UTC, without a zone."""
    return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


def _missing(exc):
    return isinstance(exc, ClientException) and exc.http_status == 404


class SwiftReader:
    """An object's body read in pieces on a connection of its own, closed with it."""

    def __init__(self, body, connection, what):
        self._body, self._connection, self._what = body, connection, what

    def read(self, size=-1):
        with swift_faults(self._what):
            return self._body.read(None if size is None or size < 0 else size)

    def close(self):
        try:
            self._body.close()
        finally:
            self._connection.close()


@dataclass
class _Written:
    """What an add has stored so far: removed again if it fails."""

    obj: bool = False
    segments: list = field(default_factory=list)


class SwiftStore(Store):
    """Images as objects of one container (or one per id prefix), large ones as SLO manifests.

    Raises only the faults of images/stores/errors.py: DataNotFound (404, or a URL that is not
    this store's), StoreWriteDenied (403), StoreFull (413 quotas, 507), StoreUnavailable (401
    credentials refused, unreachable, anything else). An add either completes its object or
    removes what it wrote (first part, segments); the source's own exception passes through.
    """

    options = {
        "auth_url": None, "auth_version": "1", "user": None, "key": None,
        "project": "", "user_domain": "Default", "project_domain": "Default", "region": "", "endpoint_type": "public",
        "container": "glance", "multiple_containers_seed": 0, "create_container_on_put": True,
        "large_object_size": 5 * 1024 * MiB, "large_object_chunk_size": 200 * MiB,
        "insecure": False, "cacert": "", "retries": 3, "timeout": 60,
    }

    def configure(self, **options):
        self._check(options)
        self.auth_version = str(options["auth_version"])
        self.seed = int(options["multiple_containers_seed"])
        self.large_object_size = int(options["large_object_size"])
        self.large_object_chunk_size = int(options["large_object_chunk_size"])
        self.container = options["container"]
        self.segments_container = f"{self.container}_segments"
        self.create_container_on_put = bool(options["create_container_on_put"])
        self._settings = options
        self._session = self._keystone_session() if self.auth_version == "3" else None
        self._local = threading.local()
        self._known_containers = set()

    def _check(self, options):
        def refuse(problem):
            raise StoreConfigurationError(f"IMAGE_STORES[{self.store_id!r}]: {problem}")
        for name in ("auth_url", "user", "key"):
            if not options[name]:
                refuse(f"a swift store needs {name!r}.")
        if str(options["auth_version"]) not in ("1", "3"):
            refuse("auth_version must be 1 or 3.")
        if str(options["auth_version"]) == "3" and not options["project"]:
            refuse("Keystone (auth_version 3) needs the 'project' whose catalog has the object store.")
        if not 0 <= int(options["multiple_containers_seed"]) <= 32:
            refuse("multiple_containers_seed is 0 to 32.")
        sizes = (int(options["large_object_size"]), int(options["large_object_chunk_size"]))
        if not all(0 < size <= MAX_OBJECT_SIZE for size in sizes):
            refuse("large_object_size and large_object_chunk_size are 1 byte to 5 GiB.")

    def properties(self):
        return {"container": self.container, "large_object_size": self.large_object_size,
                "large_object_chunk_size": self.large_object_chunk_size}

    # --- the interface ------------------------------------------------------------

    def _add(self, image_id, chunks):
        container = self.container_for(image_id)
        source, written = Pieces(chunks), _Written()
        connection = self._connection()
        try:
            with swift_faults(f"{container}/{image_id}"):
                self._ensure_container(connection, container)
                self._write(connection, container, image_id, source, written)
        except BaseException:
            self._drop_connection()  # a request cut short leaves it mid-body
            self._remove_written(container, image_id, written)
            source.reraise_source_error()
            raise
        return StoredData(self._url(container, image_id), source.size)

    def get(self, url, offset=0, length=None):
        container, name = self._parse(url)
        if length == 0:
            return io.BytesIO(b"")
        end = "" if length is None else offset + length - 1
        headers = {"Range": f"bytes={offset}-{end}"} if offset or length is not None else None
        connection = self._reader_connection()
        try:
            _, body = connection.get_object(container, name, resp_chunk_size=CHUNK_SIZE, headers=headers)
        except (ClientException, RequestException, OSError) as exc:
            connection.close()
            if getattr(exc, "http_status", None) == 416:  # offset at or past the end
                return io.BytesIO(b"")
            raise swift_fault(exc, url) from exc
        return SwiftReader(body, connection, url)

    def get_size(self, url):
        container, name = self._parse(url)
        with swift_faults(url):
            return int(self._connection().head_object(container, name)["content-length"])

    def delete(self, url):
        container, name = self._parse(url)
        with swift_faults(url):
            self._delete(self._connection(), container, name)

    def discard_partial(self, image_id):
        """Remove all this store holds of `image_id`: its object and every segment under its name.

        Recovery asks this only of an image whose upload never finished, so nothing stored for
        it is in use; and an add cut short past large_object_size leaves its first part at the
        image's name, which only this removes.
        """
        connection = self._connection()
        with swift_faults(f"leftovers of {image_id}"):
            self._delete(connection, self.container_for(image_id), image_id)
            for entry in self._listing(connection, self.segments_container, prefix=f"{image_id}/"):
                self._delete(connection, self.segments_container, entry["name"], manifest=False)

    def iter_stored(self):
        """Every image object (plain or manifest, with its whole size); segments are not listed."""
        connection = self._connection()
        with swift_faults(f"the containers of store {self.store_id}"):
            for container in self._image_containers(connection):
                for entry in self._listing(connection, container):
                    yield StoredItem(self._url(container, entry["name"]), int(entry["bytes"]),
                                     _listed_time(entry["last_modified"]))

    def iter_partial(self):
        """Groups of segments (`<image id>/<upload>/`) that no manifest names: an add that died past
        large_object_size (its first part, at the image's name, is listed as stored data)."""
        connection = self._connection()
        with swift_faults(f"the segments of store {self.store_id}"):
            groups = {}
            for entry in self._listing(connection, self.segments_container):
                image_id, _, rest = entry["name"].partition("/")
                prefix = f"{image_id}/{rest.partition('/')[0]}/"
                size, modified = groups.get(prefix, (0, None))
                listed = _listed_time(entry["last_modified"])
                groups[prefix] = (size + int(entry["bytes"]), max(modified or listed, listed))
            for prefix, (size, modified) in groups.items():
                image_id = prefix.partition("/")[0]
                if prefix not in self._manifest_groups(connection, image_id):
                    yield PartialItem(image_id, f"swift://{self.store_id}/{self.segments_container}/{quote(prefix)}",
                                      size, modified, key=(prefix,))

    def remove_partial(self, item):
        prefix = item.key[0]
        connection = self._connection()
        with swift_faults(item.url):
            if prefix in self._manifest_groups(connection, prefix.partition("/")[0]):
                return  # the add finished after all
            for entry in self._listing(connection, self.segments_container, prefix=prefix):
                self._delete(connection, self.segments_container, entry["name"], manifest=False)

    def _manifest_groups(self, connection, image_id):
        """The segment groups the manifest at `image_id` names (none: no object there, or a plain one)."""
        container = self.container_for(image_id)
        try:
            if not _is_manifest(connection.head_object(container, image_id)):
                return set()
            _, body = connection.get_object(container, image_id, query_string="multipart-manifest=get")
        except ClientException as exc:
            if _missing(exc):
                return set()
            raise
        return {segment["name"].lstrip("/").partition("/")[2].rpartition("/")[0] + "/" for segment in json.loads(body)}

    # --- where data goes ------------------------------------------------------------

    def container_for(self, image_id):
        return f"{self.container}_{image_id[:self.seed]}" if self.seed else self.container

    def _url(self, container, name):
        return f"swift://{self.store_id}/{container}/{quote(name)}"

    def _parse(self, url):
        parts = urlsplit(url)
        container, _, name = parts.path.lstrip("/").partition("/")
        if parts.scheme != "swift" or parts.netloc != self.store_id or not name or not self._is_image_container(
                container):
            raise DataNotFound(f"Location {url} is not in store {self.store_id}.")
        return container, unquote(name)

    def _is_image_container(self, name):
        seeded = re.fullmatch(rf"{re.escape(self.container)}_[0-9a-f-]{{1,32}}", name)
        return name == self.container or (seeded is not None and name != self.segments_container)

    def _image_containers(self, connection):
        marker = ""
        while True:
            _, page = connection.get_account(marker=marker, prefix=self.container, limit=LISTING_PAGE)
            yield from (entry["name"] for entry in page if self._is_image_container(entry["name"]))
            if len(page) < LISTING_PAGE:
                return
            marker = page[-1]["name"]

    # --- writing ------------------------------------------------------------

    def _write(self, connection, container, image_id, source, written):
        # Counted as written before the PUT answers: a proxy that gave up waiting for a busy object server
        # answers 503 while the server may still store the object, so a failed upload removes it anyway.
        written.obj = True
        etag = connection.put_object(container, image_id, source.stream(self.large_object_size))
        if source.more():
            self._spill(connection, container, image_id, source, written, etag)

    def _spill(self, connection, container, image_id, source, written, first_etag):
        """The data passed large_object_size: move what the object holds into the first segment,
        stream the rest into more, then make the object a manifest of them."""
        self._ensure_container(connection, self.segments_container)
        prefix = f"{image_id}/{uuid.uuid4().hex}/"
        first = f"{prefix}{0:08d}"
        connection.copy_object(container, image_id, destination=f"/{self.segments_container}/{first}")
        written.segments.append(first)
        manifest = [self._segment(first, first_etag, self.large_object_size)]
        while source.more():
            if len(manifest) == MAX_SEGMENTS:
                raise StoreFull(f"an image in store {self.store_id} is at most {MAX_SEGMENTS} segments; "
                                "raise large_object_chunk_size")
            name, before = f"{prefix}{len(manifest):08d}", source.size
            size = piece_size(len(manifest) - 1, self.large_object_chunk_size, SEGMENTS_PER_DOUBLING)
            etag = connection.put_object(self.segments_container, name, source.stream(size))
            written.segments.append(name)
            manifest.append(self._segment(name, etag, source.size - before))
        connection.put_object(container, image_id, json.dumps(manifest), query_string="multipart-manifest=put",
                              content_type="application/octet-stream")

    def _segment(self, name, etag, size):
        return {"path": f"/{self.segments_container}/{name}", "etag": etag, "size_bytes": size}

    def check(self):
        with swift_faults("the account"):
            self._connection().head_account()

    def _ensure_container(self, connection, container):
        if container in self._known_containers:
            return
        try:
            connection.head_container(container)
        except ClientException as exc:
            if exc.http_status != 404:
                raise
            if not self.create_container_on_put:
                raise StoreUnavailable(f"Swift container {container} of store {self.store_id} does not exist "
                                       "(create_container_on_put is off).") from exc
            connection.put_container(container)  # no ACL headers: private to the account
        self._known_containers.add(container)

    def _remove_written(self, container, image_id, written):
        connection = self._connection()
        names = [(self.segments_container, name) for name in written.segments]
        for segment_container, name in ([(container, image_id)] if written.obj else []) + names:
            try:
                self._delete(connection, segment_container, name, manifest=False)
            except (ClientException, RequestException, OSError):
                log.exception("Could not remove %s/%s of a failed upload to store %s", segment_container, name,
                              self.store_id)

    @staticmethod
    def _delete(connection, container, name, manifest=True):
        """Remove an object, a manifest's segments first (so that a removal cut short can be
        retried); absent is fine. Not SLO's ?multipart-manifest=delete: it answers 200 whatever
        happened (a plain object is "not an SLO manifest" and stays), the outcome in a body
        swiftclient does not return."""
        try:
            if manifest and _is_manifest(connection.head_object(container, name)):
                _, body = connection.get_object(container, name, query_string="multipart-manifest=get")
                for segment in json.loads(body):
                    SwiftStore._delete(connection, *segment["name"].lstrip("/").split("/", 1), manifest=False)
            connection.delete_object(container, name)
        except ClientException as exc:
            if not _missing(exc):
                raise

    @staticmethod
    def _listing(connection, container, prefix=None):
        marker = ""
        while True:
            try:
                _, page = connection.get_container(container, marker=marker, prefix=prefix, limit=LISTING_PAGE)
            except ClientException as exc:
                if _missing(exc):
                    return
                raise
            yield from page
            if len(page) < LISTING_PAGE:
                return
            marker = page[-1]["name"]

    # --- connections ------------------------------------------------------------

    def _keystone_session(self):
        settings = self._settings
        auth = v3.Password(auth_url=settings["auth_url"], username=settings["user"], password=settings["key"],
                           project_name=settings["project"] or None, user_domain_name=settings["user_domain"],
                           project_domain_name=settings["project_domain"])
        verify = False if settings["insecure"] else (settings["cacert"] or True)
        return keystone_session.Session(auth=auth, verify=verify, timeout=settings["timeout"])

    def connection_options(self):
        """swiftclient Connection's keyword arguments for this store's configuration."""
        settings = self._settings
        common = {"retries": int(settings["retries"]), "timeout": settings["timeout"],
                  "insecure": bool(settings["insecure"]), "cacert": settings["cacert"] or None}
        if self.auth_version == "1":
            return {**common, "authurl": settings["auth_url"], "user": settings["user"], "key": settings["key"],
                    "auth_version": "1"}
        return {**common, "session": self._session, "os_options": {
            "region_name": settings["region"] or None, "endpoint_type": settings["endpoint_type"]}}

    def _connection(self):
        """This thread's connection: gunicorn's threads each keep one (tokens renewed on a 401)."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = Connection(**self.connection_options())
        return connection

    def _drop_connection(self):
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()

    def _reader_connection(self):
        """A connection of a download's own (its body is read while the thread does other work),
        with the thread connection's token so that it does not log in again."""
        main = self._connection()
        if not main.token:
            with swift_faults(f"the login of store {self.store_id}"):
                main.get_auth()
        return Connection(preauthurl=main.url, preauthtoken=main.token, **self.connection_options())


DRIVER = SwiftStore
