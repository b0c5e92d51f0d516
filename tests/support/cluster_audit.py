"""Reconciliation of a deploy/cluster deployment after load: what clients were told against what the
database and the stores hold, read with the stores' own clients (swiftclient, boto3, the file system).

- every image a client was told is active is, with the size and checksums the client sent, and the object in its
  store has exactly that data;
- every image a client was told is deleted has no data left in any store;
- no image is left `saving` or `uploading`, and every object in a store belongs to an active copy (no orphans:
  no half-written Swift segment, open S3 multipart upload or `.part` file).
"""
import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

CONTAINER, BUCKET = "glance", "glance-s3"  # deploy/cluster_services.py node_env


@dataclass
class Expected:
    size: int
    md5: str
    sha512: str
    store: str


@dataclass
class Ledger:
    """What the clients were told, filled by every client thread."""

    active: dict = field(default_factory=dict)  # image id -> Expected
    deleted: set = field(default_factory=set)
    failed_uploads: set = field(default_factory=set)
    # Deletes that got no answer or a 5xx: the image is either still there with its data, or gone without it.
    maybe_deleted: dict = field(default_factory=dict)  # image id -> Expected
    lock: threading.Lock = field(default_factory=threading.Lock)

    def confirm_upload(self, image_id, expected):
        with self.lock:
            self.failed_uploads.discard(image_id)
            self.active[image_id] = expected

    def upload_failed(self, image_id):
        with self.lock:
            self.failed_uploads.add(image_id)

    def delete_uncertain(self, image_id):
        with self.lock:
            if image_id in self.active:
                self.maybe_deleted[image_id] = self.active.pop(image_id)

    def removed(self, image_id):
        with self.lock:
            self.deleted.add(image_id)
            self.active.pop(image_id, None)


class Stores:
    """The cluster's three stores, read directly."""

    def __init__(self, env):
        import boto3
        import swiftclient

        self.swift = swiftclient.Connection(authurl=env["SWIFT_AUTH_URL"], user=env["SWIFT_USER"], key=env["SWIFT_KEY"])
        self.s3 = boto3.client("s3", endpoint_url=env["S3_ENDPOINT_URL"], aws_access_key_id=env["S3_ACCESS_KEY"],
                               aws_secret_access_key=env["S3_SECRET_KEY"], region_name=env["S3_REGION"])
        self.file_dir = Path(env["FILE_STORE_DIR"])

    def swift_names(self, container):
        from swiftclient.exceptions import ClientException

        try:
            return [entry["name"] for entry in self.swift.get_container(container, full_listing=True)[1]]
        except ClientException as exc:
            if exc.http_status == 404:
                return []
            raise

    def s3_keys(self):
        from botocore.exceptions import ClientError

        try:
            pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
            keys = [entry["Key"] for page in pages for entry in page.get("Contents", [])]
            uploads = self.s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchBucket", "404"):
                return [], []
            raise
        return keys, [upload["Key"] for upload in uploads]

    def everything(self):
        """{(store, name)} of every piece of data held, partial pieces included."""
        keys, open_uploads = self.s3_keys()
        held = {("swift", name) for name in self.swift_names(CONTAINER)}
        held |= {("swift-segment", name) for name in self.swift_names(f"{CONTAINER}_segments")}
        held |= {("s3", key) for key in keys} | {("s3-upload", key) for key in open_uploads}
        if self.file_dir.exists():
            held |= {("file", path.name) for path in self.file_dir.iterdir()}
        return held

    def read(self, store, name):
        """(size, md5, sha512) of the stored data."""
        md5, sha512, size = hashlib.md5(), hashlib.sha512(), 0
        if store == "swift":
            chunks = self.swift.get_object(CONTAINER, name, resp_chunk_size=1 << 20)[1]
        elif store == "s3":
            chunks = self.s3.get_object(Bucket=BUCKET, Key=name)["Body"].iter_chunks(1 << 20)
        else:
            chunks = iter(lambda handle=open(self.file_dir / name, "rb"): handle.read(1 << 20), b"")
        for chunk in chunks:
            md5.update(chunk)
            sha512.update(chunk)
            size += len(chunk)
        return size, md5.hexdigest(), sha512.hexdigest()


def database_rows(database_url):
    """{id: (status, size, checksum, os_hash_value)} of live images, and [(image id, store, url)] of active copies."""
    import MySQLdb

    parts = urlsplit(database_url)
    connection = MySQLdb.connect(host=parts.hostname, port=parts.port, user=parts.username or "root",
                                 password=parts.password or "", database=parts.path.lstrip("/"))
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT id, status, size, checksum, os_hash_value FROM images_image WHERE deleted = 0")
        images = {row[0]: row[1:] for row in cursor.fetchall()}
        cursor.execute("SELECT image_id, store, url FROM images_imagelocation WHERE status = 'active'")
        copies = list(cursor.fetchall())
    finally:
        connection.close()
    return images, copies


def stored_name(url):
    """The object's name in its store (the image id) from a location URL."""
    return unquote(urlsplit(url).path.rstrip("/").rpartition("/")[2])


def reconcile(env, ledger, *, verify_data=True):
    """Every inconsistency found, as sentences (an empty list: all is well)."""
    images, copies = database_rows(env["DATABASE_URL"])
    stores = Stores(env)
    held = stores.everything()
    still_there = {image_id: expected for image_id, expected in ledger.maybe_deleted.items() if image_id in images}
    gone = ledger.deleted | (set(ledger.maybe_deleted) - set(still_there))
    problems = _told_active({**ledger.active, **still_there}, images, copies, stores, verify_data)
    problems += [f"image {image_id} was deleted but {store} still holds {name}"
                 for store, name in held for image_id in gone if name.startswith(image_id)
                 or name.startswith(f".{image_id}.")]
    problems += [f"image {image_id} is left {row[0]}" for image_id, row in images.items()
                 if row[0] in ("saving", "uploading")]
    problems += [f"image {image_id}: the client's upload failed, yet it is {images[image_id][0]}"
                 for image_id in ledger.failed_uploads if image_id in images
                 and images[image_id][0] not in ("queued", "active")]
    owned = {(store, stored_name(url)) for image_id, store, url in copies if images.get(image_id, ("",))[0] == "active"}
    problems += [f"orphan in {store}: {name}" for store, name in sorted(held - owned)]
    return problems


def _told_active(active, images, copies, stores, verify_data):
    problems = []
    where = {(image_id, store): stored_name(url) for image_id, store, url in copies}
    for image_id, expected in sorted(active.items()):
        row = images.get(image_id)
        if row is None or row[:3] != ("active", expected.size, expected.md5) or row[3] != expected.sha512:
            problems.append(f"image {image_id} was uploaded ({expected.size} bytes, {expected.md5}) but the "
                            f"database has {row and row[:3]}")
            continue
        name = where.get((image_id, expected.store))
        if name is None:
            problems.append(f"image {image_id} has no active copy in {expected.store}")
        elif verify_data and stores.read(expected.store, name) != (expected.size, expected.md5, expected.sha512):
            problems.append(f"image {image_id}: {expected.store} holds other data than was uploaded")
    return problems
