"""Image data as RBD images in a Ceph pool (store type "rbd"), through librados and librbd.

Options (IMAGE_STORES entry): Glance's rbd_store_* options without the prefix.
  pool               the RADOS pool the images go to (default "images")
  user               the Ceph client to connect as, without "client." (default: librados's, "admin")
  ceph_conf          the ceph.conf to read (default: librados's search: $CEPH_CONF, /etc/ceph/ceph.conf, ...);
                     with cephx it names the user's keyring
  chunk_size         MiB: the size of the RADOS objects an image is cut into, a power of two (default 8)
  thin_provisioning  chunks of zeros are not written, the image keeps a hole there (default false)
  connect_timeout    seconds to wait for the cluster: the connection and each monitor or OSD operation (default 30)

The bindings are Debian's python3-rados and python3-rbd (.ci/ceph/bindings puts them on a
virtualenv's path). An upload creates an RBD image named by the image id and writes the chunks as
they come, growing the image ahead of the data (the size is unknown until the stream ends) and
trimming it at the end; then it takes the snapshot "snap" and protects it, so that Nova and Cinder
clone from it copy-on-write. Locations are Glance's "rbd://<fsid>/<pool>/<image>/snap"; downloads
read the snapshot. While clones of the snapshot exist the data cannot be removed: DataInUse (409).
"""
import errno
import logging
import math
import os
import threading
from contextlib import contextmanager
from datetime import timezone
from urllib.parse import quote, unquote, urlsplit

import rados
import rbd

from images.stores.base import PartialItem, Store, StoredData, StoredItem
from images.stores.errors import (DataInUse, DataNotFound, StoreConfigurationError, StoreFull, StoreUnavailable,
                                  StoreWriteDenied)
from images.stores.pieces import Pieces

log = logging.getLogger(__name__)

MiB = 1024 * 1024
SNAPSHOT = "snap"
NO_FSID = "00000000-0000-0000-0000-000000000000"
# An image of unknown size grows by twice as much each time it fills, up to this step (Glance's too):
# few resizes for a large image, little overshoot for a small one.
MAX_GROWTH = 8 * 1024 * MiB
# Connections a forked process inherited: kept referenced, because dropping one shuts it down, and
# that waits for threads which exist only in the parent.
_inherited = []


def rbd_fault(exc, what):
    """A librados or librbd failure as the store fault it means."""
    if isinstance(exc, rbd.ImageNotFound):
        return DataNotFound(f"No image data at {what}.")
    if isinstance(exc, (rbd.NoSpace, rbd.DiskQuotaExceeded, rados.NoSpace)):
        return StoreFull(f"Ceph refused {what}: {exc}")
    if isinstance(exc, (rbd.PermissionError, rados.PermissionError)):
        return StoreWriteDenied(f"Ceph denied access to {what}: {exc}")
    return StoreUnavailable(f"The rbd store failed at {what}: {exc}")


@contextmanager
def rbd_faults(what):
    try:
        yield
    except (rbd.Error, rados.Error) as exc:
        raise rbd_fault(exc, what) from exc


def _ignore(completion):
    """An asynchronous write's callback: _written asks the completion itself."""


def _written(writing, name):
    """Wait for an asynchronous write (completion, buffer) to end; the store fault of its error."""
    if writing is None:
        return
    completion = writing[0]
    completion.wait_for_complete_and_cb()
    error = -completion.get_return_value()
    if error in (errno.ENOSPC, errno.EDQUOT):
        raise StoreFull(f"Ceph refused a write to {name}: {os.strerror(error)}")
    if error in (errno.EACCES, errno.EPERM):
        raise StoreWriteDenied(f"Ceph denied a write to {name}: {os.strerror(error)}")
    if error > 0:
        raise StoreUnavailable(f"A write to RBD image {name} failed: {os.strerror(error)}")


class RbdReader:
    """`length` bytes of an RBD snapshot from `offset`, read in pieces; closing it closes the image."""

    def __init__(self, image, ioctx, offset, length, what):
        self._image, self._ioctx, self._what = image, ioctx, what
        self._position, self._end = offset, offset + length

    def read(self, size=-1):
        wanted = self._end - self._position if size is None or size < 0 else min(size, self._end - self._position)
        if wanted <= 0:
            return b""
        with rbd_faults(self._what):
            data = self._image.read(self._position, wanted)
        self._position += len(data)
        return data

    def close(self):
        try:
            self._image.close()
        finally:
            self._ioctx.close()


class RbdStore(Store):
    """Images as RBD images of one pool, each with a protected snapshot the location names.

    Raises only the faults of images/stores/errors.py: DataNotFound (no such image or snapshot, or a
    URL of another cluster or pool), DataInUse (clones of the snapshot exist), StoreFull (no space,
    pool quota), StoreWriteDenied (the user's caps), StoreUnavailable (no cluster, no pool, anything
    else). An add either leaves a complete image with its protected snapshot or no image at all;
    the source's own exception passes through.
    """

    options = {"pool": "images", "user": "", "ceph_conf": "", "chunk_size": 8, "thin_provisioning": False,
               "connect_timeout": 30}

    def configure(self, **options):
        chunk_mib = int(options["chunk_size"])
        if chunk_mib < 1 or chunk_mib & (chunk_mib - 1):
            raise StoreConfigurationError(f"IMAGE_STORES[{self.store_id!r}]: chunk_size is a power of two "
                                          f"(MiB), not {options['chunk_size']!r}.")
        if not options["pool"]:
            raise StoreConfigurationError(f"IMAGE_STORES[{self.store_id!r}]: an rbd store needs a 'pool'.")
        self.pool, self.user, self.ceph_conf = options["pool"], options["user"], options["ceph_conf"]
        self.chunk_size = chunk_mib * MiB
        self.order = int(math.log2(self.chunk_size))
        self.thin_provisioning = bool(options["thin_provisioning"])
        self.timeout = int(options["connect_timeout"])
        self._cluster, self._cluster_pid, self._fsid = None, None, None
        self._lock = threading.Lock()

    def properties(self):
        """Glance's keys; the fsid is None while the cluster cannot be reached."""
        try:
            fsid = self.fsid()
        except StoreUnavailable:
            fsid = None
        return {"chunk_size": self.chunk_size, "pool": self.pool, "thin_provisioning": self.thin_provisioning,
                "fsid": fsid}

    def owns(self, url):
        try:
            self._parse(url)
        except (DataNotFound, StoreUnavailable):
            return False
        return True

    # --- the interface ------------------------------------------------------------

    def _add(self, image_id, chunks):
        url = self._url(image_id)  # before any data: a location is never missing for data written
        with self._ioctx() as ioctx:
            with rbd_faults(f"{self.pool}/{image_id}"):
                self._create(ioctx, image_id)
            try:
                size = self._write(ioctx, image_id, chunks)
            except BaseException:
                self._remove_quietly(ioctx, image_id)
                raise
        return StoredData(url, size)

    def get(self, url, offset=0, length=None):
        name, snapshot = self._parse(url)
        ioctx, image = self._open_ioctx(), None
        try:
            with rbd_faults(url):
                image = rbd.Image(ioctx, name, snapshot=snapshot, read_only=True)
                size = image.size()
        except BaseException:
            if image is not None:
                image.close()
            ioctx.close()
            raise
        start = min(offset, size)
        return RbdReader(image, ioctx, start, size - start if length is None else min(length, size - start), url)

    def get_size(self, url):
        name, snapshot = self._parse(url)
        with self._ioctx() as ioctx, rbd_faults(url):
            with rbd.Image(ioctx, name, snapshot=snapshot, read_only=True) as image:
                return image.size()

    def delete(self, url):
        """Unprotect and remove the snapshot, then the image; DataInUse while clones of it exist."""
        name, _ = self._parse(url)
        with self._ioctx() as ioctx:
            self._remove(ioctx, name, url)

    def ensure_removable(self, url):
        """DataInUse when the snapshot at `url` has clones (Nova's disks, Cinder's volumes)."""
        name, snapshot = self._parse(url)
        with self._ioctx() as ioctx, rbd_faults(url):
            try:
                with rbd.Image(ioctx, name, snapshot=snapshot, read_only=True) as image:
                    children = image.list_children()
            except rbd.ImageNotFound:
                return
        if children:
            raise DataInUse(f"clones of {url}: {', '.join('/'.join(child) for child in children)}")

    def discard_partial(self, image_id):
        """Remove the RBD image of `image_id`, snapshots and all (recovery asks only where no copy is active)."""
        with self._ioctx() as ioctx:
            self._remove(ioctx, image_id, f"{self.pool}/{image_id}")

    def iter_stored(self):
        """Every image of the pool with a snapshot "snap" (an upload in progress has none yet)."""
        with self._ioctx() as ioctx, rbd_faults(f"pool {self.pool}"):
            for name in rbd.RBD().list(ioctx):
                try:
                    with rbd.Image(ioctx, name, snapshot=SNAPSHOT, read_only=True) as image:
                        yield StoredItem(self._url(name), image.size(), _utc(image.create_timestamp()))
                except rbd.ImageNotFound:
                    continue

    def iter_partial(self):
        """RBD images without the snapshot "snap": an add writes the data first and takes the snapshot last."""
        with self._ioctx() as ioctx, rbd_faults(f"pool {self.pool}"):
            for name in rbd.RBD().list(ioctx):
                try:  # closed before the auditor acts on it (which may remove it)
                    with rbd.Image(ioctx, name, read_only=True) as image:
                        finished = any(snap["name"] == SNAPSHOT for snap in image.list_snaps())
                        item = PartialItem(name, self._url(name), image.size(), _utc(image.create_timestamp()),
                                           key=(name,))
                except rbd.ImageNotFound:
                    continue
                if not finished:
                    yield item

    def remove_partial(self, item):
        name = item.key[0]
        with self._ioctx() as ioctx, rbd_faults(item.url):
            try:
                with rbd.Image(ioctx, name, read_only=True) as image:
                    if any(snap["name"] == SNAPSHOT for snap in image.list_snaps()):
                        return  # the add finished after all
            except rbd.ImageNotFound:
                return
            self._remove(ioctx, name, item.url)

    def check(self):
        cluster = self._connected()
        with rbd_faults(f"pool {self.pool}"):
            if not cluster.pool_exists(self.pool):
                raise StoreUnavailable(f"Ceph pool {self.pool} of store {self.store_id} does not exist.")

    # --- where data goes ------------------------------------------------------------

    def fsid(self):
        """The cluster's fsid, which every location names. Right after connecting librados may answer
        zeros (the monitor map has not arrived: a third of fresh connections here): then wait for the
        maps rather than hand out a location of no cluster."""
        if self._fsid is None:
            cluster = self._connected()
            with rbd_faults("the cluster's fsid"):
                fsid = cluster.get_fsid()
                if fsid == NO_FSID:
                    cluster.wait_for_latest_osdmap()
                    fsid = cluster.get_fsid()
            if fsid == NO_FSID:
                raise StoreUnavailable(f"The Ceph cluster of store {self.store_id} does not say its fsid.")
            self._fsid = fsid
        return self._fsid

    def _url(self, name):
        return "rbd://" + "/".join(quote(part, "") for part in (self.fsid(), self.pool, name, SNAPSHOT))

    def _parse(self, url):
        """(image, snapshot) of an rbd://fsid/pool/image/snapshot location of this cluster and pool."""
        parts = urlsplit(url)
        pieces = [unquote(piece) for piece in f"{parts.netloc}{parts.path}".split("/")]
        if parts.scheme != "rbd" or len(pieces) != 4 or not all(pieces) or pieces[1] != self.pool \
                or pieces[0] != self.fsid():
            raise DataNotFound(f"Location {url} is not in store {self.store_id}.")
        return pieces[2], pieces[3]

    # --- writing ------------------------------------------------------------

    def _create(self, ioctx, name):
        try:
            # Layering (clones) is what the location is for; a cluster's rbd_default_features may add more.
            features = int(self._connected().conf_get("rbd_default_features") or 0) or rbd.RBD_FEATURE_LAYERING
            rbd.RBD().create(ioctx, name, 0, order=self.order, old_format=False, features=features)
        except rbd.ImageExists:
            raise StoreUnavailable(f"RBD image {self.pool}/{name} exists already: data of an upload that was "
                                   "cut short? It goes when the image is deleted or recovered.") from None

    def _write(self, ioctx, name, chunks):
        """Write the data in whole RADOS objects, growing the image ahead of them; snapshot and protect
        it; the size. Gathering an object's worth (chunk_size) first, as Glance does, writes each
        object once instead of rewriting it piece by piece; while one object is written the next is
        received (two objects' worth of memory at most)."""
        source = Pieces(chunks)
        with rbd_faults(f"{self.pool}/{name}"), rbd.Image(ioctx, name) as image:
            allocated, growth, writing = 0, self.chunk_size, None
            try:
                while piece := source.read(self.chunk_size):
                    if source.size > allocated:
                        growth = min(growth * 2, MAX_GROWTH)
                        allocated = max(source.size, allocated + growth)
                        image.resize(allocated)
                    if not (self.thin_provisioning and piece.count(0) == len(piece)):
                        _written(writing, name)
                        writing = (image.aio_write(piece, source.size - len(piece), _ignore), piece)
                    del piece
                _written(writing, name)
            finally:
                if writing is not None:  # librbd still holds the buffer: wait, whatever went wrong
                    writing[0].wait_for_complete_and_cb()
            image.resize(source.size)
            image.create_snap(SNAPSHOT)
            image.protect_snap(SNAPSHOT)
        return source.size

    # --- removing ------------------------------------------------------------

    def _remove(self, ioctx, name, what):
        """Remove an image and its snapshots; absent is not an error, a snapshot with clones is DataInUse."""
        with rbd_faults(what):
            try:
                with rbd.Image(ioctx, name) as image:
                    for snap in list(image.list_snaps()):
                        self._remove_snapshot(image, snap["name"], what)
                rbd.RBD().remove(ioctx, name)
            except rbd.ImageNotFound:
                return
            except rbd.ImageBusy as exc:  # open elsewhere (a watcher), or a clone being made
                raise DataInUse(f"{what} is open: {exc}") from exc

    @staticmethod
    def _remove_snapshot(image, snap, what):
        try:
            if image.is_protected_snap(snap):
                image.unprotect_snap(snap)
        except rbd.ImageBusy as exc:  # clones hang from it
            raise DataInUse(f"clones of {what} exist: {exc}") from exc
        image.remove_snap(snap)

    def _remove_quietly(self, ioctx, name):
        try:
            self._remove(ioctx, name, f"{self.pool}/{name}")
        except (DataInUse, StoreUnavailable, DataNotFound):
            log.exception("Could not remove RBD image %s/%s of a failed upload to store %s", self.pool, name,
                          self.store_id)

    # --- the cluster ------------------------------------------------------------

    def _connected(self):
        """One connection per process (librados is thread-safe; a forked child must not use its parent's)."""
        with self._lock:
            if self._cluster is not None and self._cluster_pid != os.getpid():
                _inherited.append(self._cluster)
                self._cluster = None
            if self._cluster is None:
                self._cluster, self._cluster_pid = self._connect(), os.getpid()
            return self._cluster

    def _connect(self):
        timeout = str(self.timeout)
        try:
            cluster = rados.Rados(conffile=self.ceph_conf, rados_id=self.user or None,
                                  conf={"rados_osd_op_timeout": timeout, "rados_mon_op_timeout": timeout,
                                        "client_mount_timeout": timeout})
            cluster.connect(timeout=self.timeout)
        except rados.Error as exc:
            where = self.ceph_conf or "librados's default ceph.conf"
            raise StoreUnavailable(f"Cannot connect to the Ceph cluster of store {self.store_id} ({where}): "
                                   f"{exc}") from exc
        return cluster

    def _open_ioctx(self):
        cluster = self._connected()
        try:
            return cluster.open_ioctx(self.pool)
        except rados.ObjectNotFound:
            raise StoreUnavailable(f"Ceph pool {self.pool} of store {self.store_id} does not exist.") from None
        except rados.Error as exc:
            raise rbd_fault(exc, f"pool {self.pool}") from exc

    @contextmanager
    def _ioctx(self):
        ioctx = self._open_ioctx()
        try:
            yield ioctx
        finally:
            ioctx.close()


def _utc(moment):
    """librbd's timestamps are UTC, naive in some releases."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


DRIVER = RbdStore
