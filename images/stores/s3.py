"""Image data as objects in an S3 bucket (store type "s3"), through boto3 with signature v4.

Options (IMAGE_STORES entry; sizes in bytes):
  endpoint_url              the S3 API's URL (default: AWS's for the region)
  region                    the region requests are signed for (default "us-east-1")
  access_key, secret_key    credentials (required)
  bucket                    default "glance"
  prefix                    prepended to every key (several services can share a bucket)
  create_bucket_on_put      create a missing bucket on the first upload (default true)
  addressing_style          "path" (default), "virtual" or "auto"
  large_object_size         data beyond this is a multipart upload (default 100 MiB)
  large_object_chunk_size   its parts' size (default 10 MiB, at least S3's minimum of 5 MiB)
  insecure, cacert          TLS: skip verification / the CA bundle to verify with
  retries, timeout          botocore's retries (standard mode) and connect/read timeout in seconds

The size of an upload is unknown until it ends and S3 takes a part only with
its length, so parts are gathered in memory: at most one part (plus the chunk
read ahead) at a time. Data that ends within min(large_object_size,
large_object_chunk_size) is one PUT, anything longer a multipart upload, aborted
if the upload fails. After every 1000 parts the part size doubles, so that any
image fits S3's 10,000 parts. Downloads are ranged GETs read in pieces. Buckets
are created private. Locations are "s3://<store id>/<bucket>/<key>".
"""
import io
import logging
import threading
from contextlib import contextmanager
from urllib.parse import quote, unquote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from images.stores.base import PartialItem, Store, StoredData, StoredItem
from images.stores.errors import (DataNotFound, StoreConfigurationError, StoreFull, StoreUnavailable,
                                  StoreWriteDenied)
from images.stores.pieces import MAX_OBJECT_SIZE, Pieces, piece_size

log = logging.getLogger(__name__)

MiB = 1024 * 1024
MIN_PART_SIZE = 5 * MiB
MAX_PARTS = 10_000
PARTS_PER_DOUBLING = 1000
NOT_FOUND = {"NoSuchKey", "NoSuchBucket", "NoSuchUpload", "NotFound", "404"}
BAD_CREDENTIALS = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AuthorizationHeaderMalformed"}
DENIED = {"AccessDenied", "AllAccessDisabled", "AccountProblem"}
FULL = {"EntityTooLarge", "QuotaExceeded", "InsufficientStorage", "TooManyParts"}


def _code(exc):
    return exc.response.get("Error", {}).get("Code", "")


def _not_found(exc):
    return _code(exc) in NOT_FOUND or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404


def s3_fault(exc, what):
    """A botocore failure as the store fault it means."""
    if isinstance(exc, ClientError):
        code, status = _code(exc), exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if _not_found(exc):
            return DataNotFound(f"No image data at {what}.")
        if code in BAD_CREDENTIALS:
            return StoreUnavailable(f"S3 refused the store's credentials at {what}: {code}")
        if code in DENIED or status == 403:
            return StoreWriteDenied(f"S3 denied access to {what}: {code}")
        if code in FULL or status in (413, 507):
            return StoreFull(f"S3 refused {what}: {code}")
    return StoreUnavailable(f"The S3 store failed at {what}: {exc}")


@contextmanager
def s3_faults(what):
    try:
        yield
    except (BotoCoreError, ClientError, OSError) as exc:
        raise s3_fault(exc, what) from exc


class S3Reader:
    """A GET's streaming body, read in pieces."""

    def __init__(self, body, what):
        self._body, self._what = body, what

    def read(self, size=-1):
        with s3_faults(self._what):
            return self._body.read(None if size is None or size < 0 else size)

    def close(self):
        self._body.close()


class S3Store(Store):
    """Images as objects of one bucket (under `prefix`).

    Raises only the faults of images/stores/errors.py: DataNotFound (no such key, or a URL that is
    not this store's), StoreWriteDenied (AccessDenied), StoreFull (EntityTooLarge, quotas: 413),
    StoreUnavailable (unreachable, bad credentials, anything else). An add either completes its
    object or leaves none and no open multipart upload; the source's own exception passes through.
    """

    options = {
        "endpoint_url": None, "region": "us-east-1", "access_key": None, "secret_key": None,
        "bucket": "glance", "prefix": "", "create_bucket_on_put": True, "addressing_style": "path",
        "large_object_size": 100 * MiB, "large_object_chunk_size": 10 * MiB,
        "insecure": False, "cacert": "", "retries": 3, "timeout": 60,
    }

    def configure(self, **options):
        for name in ("access_key", "secret_key"):
            if not options[name]:
                raise StoreConfigurationError(f"IMAGE_STORES[{self.store_id!r}]: an s3 store needs {name!r}.")
        if options["addressing_style"] not in ("path", "virtual", "auto"):
            raise StoreConfigurationError(f"IMAGE_STORES[{self.store_id!r}]: addressing_style is path, virtual "
                                          "or auto.")
        self.large_object_size = int(options["large_object_size"])
        self.large_object_chunk_size = int(options["large_object_chunk_size"])
        if self.large_object_size < 0 or not MIN_PART_SIZE <= self.large_object_chunk_size <= MAX_OBJECT_SIZE:
            raise StoreConfigurationError(f"IMAGE_STORES[{self.store_id!r}]: large_object_chunk_size is 5 MiB "
                                          "to 5 GiB (S3's part sizes).")
        self.bucket, self.prefix = options["bucket"], options["prefix"]
        self.create_bucket_on_put = bool(options["create_bucket_on_put"])
        self._settings = options
        self._s3 = None
        self._lock = threading.Lock()
        self._bucket_known = False

    def properties(self):
        # Glance's keys; parts go up one at a time.
        return {"s3_store_large_object_size": self.large_object_size,
                "s3_store_large_object_chunk_size": self.large_object_chunk_size, "s3_store_thread_pools": 1}

    # --- the interface ------------------------------------------------------------

    def _add(self, image_id, chunks):
        key = self.prefix + image_id
        source = Pieces(chunks)
        client = self._client()
        try:
            with s3_faults(f"{self.bucket}/{key}"):
                self._ensure_bucket(client)
                if source.fits(min(self.large_object_size, self.large_object_chunk_size)):
                    client.put_object(Bucket=self.bucket, Key=key, Body=source.read(self.large_object_chunk_size))
                else:
                    self._multipart(client, key, source)
        except BaseException:
            source.reraise_source_error()
            raise
        return StoredData(self._url(key), source.size)

    def get(self, url, offset=0, length=None):
        key = self._parse(url)
        if length == 0:
            return io.BytesIO(b"")
        span = f"bytes={offset}-{'' if length is None else offset + length - 1}"
        try:
            reply = self._client().get_object(Bucket=self.bucket, Key=key, Range=span)
        except ClientError as exc:
            if _code(exc) == "InvalidRange":  # offset at or past the end
                return io.BytesIO(b"")
            raise s3_fault(exc, url) from exc
        except (BotoCoreError, OSError) as exc:
            raise s3_fault(exc, url) from exc
        return S3Reader(reply["Body"], url)

    def get_size(self, url):
        key = self._parse(url)
        with s3_faults(url):
            return self._client().head_object(Bucket=self.bucket, Key=key)["ContentLength"]

    def delete(self, url):
        key = self._parse(url)
        with s3_faults(url):
            try:
                self._client().delete_object(Bucket=self.bucket, Key=key)
            except ClientError as exc:
                if not _not_found(exc):
                    raise

    def discard_partial(self, image_id):
        """Abort the multipart uploads of `image_id` still open (S3 keeps their parts until then)."""
        key = self.prefix + image_id
        client = self._client()
        with s3_faults(f"the uploads of {key}"):
            for upload in self._open_uploads(client, key):
                if upload["Key"] == key:
                    self._abort(client, key, upload["UploadId"])

    def iter_stored(self):
        """Every object under the prefix (completed objects only: open multipart uploads are not listed)."""
        client = self._client()
        with s3_faults(f"bucket {self.bucket}"):
            try:
                for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
                    for entry in page.get("Contents", []):
                        yield StoredItem(self._url(entry["Key"]), entry["Size"], entry["LastModified"])
            except ClientError as exc:
                if not _not_found(exc):
                    raise

    def iter_partial(self):
        """Multipart uploads still open under the prefix (S3 keeps their parts, and bills them, until aborted)."""
        client = self._client()
        with s3_faults(f"the uploads of bucket {self.bucket}"):
            for upload in self._open_uploads(client, self.prefix):
                key, upload_id = upload["Key"], upload["UploadId"]
                yield PartialItem(key.removeprefix(self.prefix), f"{self._url(key)}?uploadId={quote(upload_id)}",
                                  self._parts_size(client, key, upload_id), upload["Initiated"], key=(key, upload_id))

    def remove_partial(self, item):
        key, upload_id = item.key
        with s3_faults(item.url):
            try:  # an upload completed since is no longer open: S3 answers NoSuchUpload
                self._client().abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            except ClientError as exc:
                if not _not_found(exc):
                    raise

    def _parts_size(self, client, key, upload_id):
        pages = client.get_paginator("list_parts").paginate(Bucket=self.bucket, Key=key, UploadId=upload_id)
        try:
            return sum(part["Size"] for page in pages for part in page.get("Parts", []))
        except ClientError as exc:
            if _not_found(exc):
                return 0  # completed or aborted since it was listed
            raise

    # --- where data goes ------------------------------------------------------------

    def _url(self, key):
        return f"s3://{self.store_id}/{self.bucket}/{quote(key)}"

    def _parse(self, url):
        parts = urlsplit(url)
        bucket, _, key = parts.path.lstrip("/").partition("/")
        key = unquote(key)
        if parts.scheme != "s3" or parts.netloc != self.store_id or bucket != self.bucket or not key \
                or not key.startswith(self.prefix):
            raise DataNotFound(f"Location {url} is not in store {self.store_id}.")
        return key

    # --- writing ------------------------------------------------------------

    def _multipart(self, client, key, source):
        """Upload the data part by part, each read when the one before is sent; aborted on failure."""
        upload_id = client.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
        try:
            parts = []
            while not parts or source.more():
                if len(parts) == MAX_PARTS:
                    raise StoreFull(f"an image in store {self.store_id} is at most {MAX_PARTS} parts; "
                                    "raise large_object_chunk_size")
                number = len(parts) + 1
                body = source.read(piece_size(number - 1, self.large_object_chunk_size, PARTS_PER_DOUBLING))
                reply = client.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number,
                                           Body=body)
                del body  # the part is sent: free it before the next one is gathered
                parts.append({"ETag": reply["ETag"], "PartNumber": number})
            client.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                             MultipartUpload={"Parts": parts})
        except BaseException:
            self._abort(client, key, upload_id)
            raise

    def _abort(self, client, key, upload_id):
        try:
            client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except (BotoCoreError, ClientError):
            log.exception("Could not abort the multipart upload %s of %s in store %s", upload_id, key,
                          self.store_id)

    def _open_uploads(self, client, key):
        try:
            for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket, Prefix=key):
                yield from page.get("Uploads", [])
        except ClientError as exc:
            if not _not_found(exc):
                raise

    def check(self):
        try:
            with s3_faults(self.bucket):
                self._client().list_objects_v2(Bucket=self.bucket, MaxKeys=1)
        except DataNotFound:
            if not self.create_bucket_on_put:
                raise StoreUnavailable(f"S3 bucket {self.bucket} does not exist (create_bucket_on_put is off).")

    def _ensure_bucket(self, client):
        if self._bucket_known:
            return
        try:
            # Not HeadBucket: its answers have no body, so bad credentials would look like a refusal.
            client.list_objects_v2(Bucket=self.bucket, MaxKeys=1)
        except ClientError as exc:
            if not _not_found(exc):
                raise
            if not self.create_bucket_on_put:
                raise StoreUnavailable(f"S3 bucket {self.bucket} of store {self.store_id} does not exist "
                                       "(create_bucket_on_put is off).") from exc
            self._create_bucket(client)
        self._bucket_known = True

    def _create_bucket(self, client):
        region = self._settings["region"]
        location = {} if region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": region}}
        try:
            client.create_bucket(Bucket=self.bucket, **location)  # no ACL: private to the account
        except ClientError as exc:
            if _code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    # --- the client ------------------------------------------------------------

    def _client(self):
        """One client for the process: botocore clients are thread-safe (boto3 sessions are not)."""
        with self._lock:
            if self._s3 is None:
                self._s3 = self._new_client()
            return self._s3

    def _new_client(self):
        settings = self._settings
        config = Config(
            signature_version="s3v4", s3={"addressing_style": settings["addressing_style"]},
            retries={"total_max_attempts": int(settings["retries"]) + 1, "mode": "standard"},
            connect_timeout=settings["timeout"], read_timeout=settings["timeout"],
            # Checksums only where S3 requires them: S3 implementations other than AWS's refuse or
            # ignore the newer default ones, and the image's own checksums are computed upstream.
            request_checksum_calculation="when_required", response_checksum_validation="when_required")
        verify = False if settings["insecure"] else (settings["cacert"] or None)
        return boto3.session.Session().client(
            "s3", endpoint_url=settings["endpoint_url"] or None, region_name=settings["region"],
            aws_access_key_id=settings["access_key"], aws_secret_access_key=settings["secret_key"],
            verify=verify, config=config)


DRIVER = S3Store
