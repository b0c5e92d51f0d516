"""The auditor (`manage.py audit`): what the stores hold against what the image records say.

Each image store is listed (Store.iter_stored) and every copy an active or deactivated image
records there is checked: present, of the image's size, and (unless size-only) read back at a
bounded rate with its md5 and os_hash_value compared. Data no location row points at is an
orphan. The staging store's files must belong to an image still uploading or importing, and this
node's image cache files must match the cache rows of the shared database. `fix` repairs through
images.audit_repair, which re-checks each case under the database's locks first.

Node-local parts: the cache always, and a staging store or file store on a local disk; an audit
looks at what this node can see, so run it on every node (a shared file store, swift and s3 are the
same from any node, and two audits of them at once remove each orphan once).
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from urllib.parse import unquote

from django.conf import settings
from django.utils import timezone

from images import audit_repair, cache, cache_manage
from images.audit_reading import Throttle, data_digest
from images.choices import AuditKind, LocationStatus, Status
from images.models import AuditFinding, AuditRun, ImageLocation
from images.stores import registry
from images.stores.base import StoredItem
from images.stores.errors import DataNotFound, StoreFault

CACHE = "cache"
AUDITED_COPIES = (LocationStatus.ACTIVE, LocationStatus.MISSING, LocationStatus.CORRUPT)
HOLDING_DATA = (Status.ACTIVE, Status.DEACTIVATED)
# Runs kept per node (with their findings) for the admin; older ones go when a run ends.
KEEP_RUNS = 20


@dataclass
class Finding:
    kind: str
    store: str
    url: str = ""
    image_id: str = None
    size: int = None
    detail: str = ""
    action: str = ""

    def as_dict(self):
        return {"kind": self.kind, "store": self.store, "url": self.url, "image_id": self.image_id,
                "size": self.size, "detail": self.detail, "action": self.action}


@dataclass(frozen=True)
class AuditOptions:
    stores: tuple = ()  # empty: every image store, the staging store and the cache
    hash: bool = True
    max_rate: int = 0
    fix: bool = False
    grace: timedelta = timedelta(hours=24)


class Report:
    """Where an audit tells what it is doing (the command prints it); silent by default."""

    def item(self, store, url, size, verdict):
        pass

    def reading(self, url, done, total):
        pass


def audit_targets():
    """What `--store` may name: the image stores that can be listed, the staging store, the cache."""
    stores = [store_id for store_id, entry in registry.image_stores().items() if entry.driver.listable]
    return [*stores, registry.STAGING_STORE, *([CACHE] if cache.enabled() else [])]


class Audit:
    """One audit run: `run()` walks the targets and returns the saved AuditRun; `findings` lists them."""

    def __init__(self, options, report=None):
        self.options, self.report = options, report or Report()
        self.throttle = Throttle(options.max_rate)
        self.cutoff = timezone.now() - options.grace
        self.findings, self.items, self.bytes_read = [], 0, 0
        self.record = None

    def run(self):
        targets = list(self.options.stores) or audit_targets()
        self.record = AuditRun.objects.create(node=settings.NODE_NAME, stores=targets, hashed=self.options.hash,
                                              fix=self.options.fix)
        try:
            for target in targets:
                self._target(target)
        except BaseException:
            self._save(finished=False)  # what it found so far, in a run the admin shows unfinished
            raise
        self._save(finished=True)
        return self.record

    def _target(self, target):
        try:
            if target == CACHE:
                self._cache()
            elif target == registry.STAGING_STORE:
                self._staging(registry.staging())
            else:
                self._image_store(target, registry.store(target))
        except StoreFault as exc:
            self._add(Finding(AuditKind.ERROR, target, detail=f"not audited: {exc}"))

    def _add(self, finding):
        self.findings.append(finding)

    def _save(self, *, finished):
        AuditFinding.objects.bulk_create(AuditFinding(run=self.record, **finding.as_dict())
                                         for finding in self.findings)
        counts = {kind: 0 for kind in AuditKind.values}
        for finding in self.findings:
            counts[finding.kind] += 1
        self.record.items, self.record.bytes_read, self.record.counts = self.items, self.bytes_read, counts
        self.record.finished_at = timezone.now() if finished else None
        self.record.save()
        _old_runs_drop(self.record.node)

    # --- image stores ---------------------------------------------------------------

    def _image_store(self, store_id, driver):
        listed = {_key(item.url): item for item in driver.iter_stored()}
        copies = list(ImageLocation.objects.filter(store=store_id).select_related("image"))
        audited = [copy for copy in copies if copy.status in AUDITED_COPIES and copy.image.status in HOLDING_DATA
                   and not copy.image.deleted]
        # A store that lists nothing while copies are recorded is more likely unmounted than emptied.
        trust_missing = bool(listed) or not audited
        for copy in audited:
            self._copy(driver, copy, listed.get(_key(copy.url)), trust_missing)
        pointed = {_key(copy.url) for copy in copies}
        for key, item in listed.items():
            if key not in pointed:
                self._orphan(store_id, driver, item, AuditKind.ORPHAN, "no image points at it")
        self._partials(store_id, driver, AuditKind.ORPHAN)

    def _copy(self, driver, copy, item, trust_missing):
        try:
            item = item or _looked_up(driver, copy.url)
            problem = self._problem(driver, copy, item)
        except StoreFault as exc:
            self._add(Finding(AuditKind.ERROR, copy.store, copy.url, copy.image_id, detail=f"not checked: {exc}"))
            return
        size = item.size if item else None
        self.report.item(copy.store, copy.url, size, problem[0] if problem else "ok")
        if problem is None:
            if copy.status != LocationStatus.ACTIVE:
                self._add(Finding(AuditKind.RECOVERED, copy.store, copy.url, copy.image_id, size,
                                  f"marked {copy.status}, now matches the image",
                                  audit_repair.copy_restore(copy.pk) if self.options.fix else ""))
            return
        kind, detail = problem
        finding = Finding(kind, copy.store, copy.url, copy.image_id, size, detail)
        if self.options.fix:
            finding.action = audit_repair.copy_mark(copy.pk, kind, detail) if trust_missing or kind != \
                AuditKind.MISSING else "not marked: the store lists no data at all (is it mounted?)"
        self._add(finding)

    def _problem(self, driver, copy, item):
        """(kind, detail) of what is wrong with one copy, or None when it is good."""
        image = copy.image
        self.items += 1
        if item is None:
            return AuditKind.MISSING, "no data at its location"
        if image.size is not None and item.size != image.size:
            return AuditKind.CORRUPT, f"{item.size} bytes stored, the image's size is {image.size}"
        if not self.options.hash:
            return None
        try:
            return self._hash_problem(driver, copy, image)
        except DataNotFound:
            return AuditKind.MISSING, "removed while it was being read"

    def _hash_problem(self, driver, copy, image):
        digest = self._digest(driver.get(copy.url), copy.url, image.size, image.os_hash_algo)
        if image.size is not None and digest.size != image.size:
            return AuditKind.CORRUPT, f"{digest.size} bytes read, the image's size is {image.size}"
        if image.checksum and digest.checksum != image.checksum:
            return AuditKind.CORRUPT, f"md5 {digest.checksum}, the image's checksum is {image.checksum}"
        if image.os_hash_value and digest.hash_value != image.os_hash_value:
            return AuditKind.CORRUPT, f"{image.os_hash_algo} {digest.hash_value} differs from os_hash_value"
        return None

    def _digest(self, readable, url, total, hash_algo=None):
        digest = data_digest(readable, hash_algo=hash_algo, throttle=self.throttle,
                             progress=lambda done: self.report.reading(url, done, total))
        self.bytes_read += digest.size
        return digest

    def _orphan(self, store_id, driver, item, kind, detail):
        self.report.item(store_id, item.url, item.size, kind)
        action = audit_repair.orphan_remove(run=self.record, store_id=store_id, driver=driver, item=item,
                                            cutoff=self.cutoff) if self.options.fix else ""
        self._add(Finding(kind, store_id, item.url, size=item.size, detail=f"{detail}; {_age(item.modified)}",
                          action=action))

    def _partials(self, store_id, driver, kind):
        """What adds cut short left in the store (Store.iter_partial) and no recovery removed."""
        for item in driver.iter_partial():
            self.report.item(store_id, item.url, item.size, kind)
            action = audit_repair.partial_remove(run=self.record, store_id=store_id, driver=driver, item=item,
                                                 cutoff=self.cutoff) if self.options.fix else ""
            self._add(Finding(kind, store_id, item.url, item.image_id, item.size,
                              f"left by an upload that never finished; {_age(item.modified)}", action))

    # --- staging --------------------------------------------------------------------

    def _staging(self, driver):
        listed = {_key(item.url): item for item in driver.iter_stored()}
        rows = list(ImageLocation.objects.filter(store=registry.STAGING_STORE).select_related("image"))
        for row in rows:
            if row.status == LocationStatus.STAGED:  # (a stale row of another node's staging directory too)
                self._staged_row(row, listed.get(_key(row.url)))
        pointed = {_key(row.url) for row in rows}
        for key, item in listed.items():
            if key not in pointed:
                self._orphan(registry.STAGING_STORE, driver, item, AuditKind.STALE_STAGED,
                             "staged data no image's staging row points at")
        self._partials(registry.STAGING_STORE, driver, AuditKind.STALE_STAGED)

    def _staged_row(self, row, item):
        self.items += 1
        owner = audit_repair.staging_wanted(row.image)
        self.report.item(row.store, row.url, item.size if item else None, "ok" if owner else AuditKind.STALE_STAGED)
        if owner:
            return
        action = audit_repair.staged_retire(row.pk, self.cutoff) if self.options.fix else ""
        self._add(Finding(AuditKind.STALE_STAGED, row.store, row.url, row.image_id, item.size if item else None,
                          f"staged for image {row.image_id}, which is {row.image.status} with no import running",
                          action))

    # --- this node's image cache ------------------------------------------------------

    def _cache(self):
        rows = {row.image_id: row for row in cache.node_rows()}
        for path in cache_manage.cache_files():
            try:
                self._cached_file(path, rows.pop(path.name, None))
            except FileNotFoundError:
                pass  # pruned or evicted meanwhile
        for image_id, row in rows.items():
            url = _file_url(cache.cached_path(image_id))
            self.report.item(CACHE, url, None, AuditKind.MISSING)
            action = audit_repair.cache_row_drop(image_id) if self.options.fix else ""
            self._add(Finding(AuditKind.MISSING, CACHE, url, image_id, row.size,
                              f"cached on {row.node} by its row, but no file", action))

    def _cached_file(self, path, row):
        stat = path.stat()
        item = StoredItem(_file_url(path), stat.st_size, datetime.fromtimestamp(stat.st_mtime, dt_timezone.utc))
        if row is None:
            self.report.item(CACHE, item.url, item.size, AuditKind.ORPHAN)
            action = audit_repair.cache_file_remove(run=self.record, path=path, item=item,
                                                    cutoff=self.cutoff) if self.options.fix else ""
            self._add(Finding(AuditKind.ORPHAN, CACHE, item.url, size=item.size,
                              detail=f"no cache row of this node; {_age(item.modified)}", action=action))
            return
        self.items += 1
        detail = self._cache_problem(path, row, item.size)
        self.report.item(CACHE, item.url, item.size, AuditKind.CORRUPT if detail else "ok")
        if detail:
            action = audit_repair.cache_entry_drop(row.image_id) if self.options.fix else ""
            self._add(Finding(AuditKind.CORRUPT, CACHE, item.url, row.image_id, item.size, detail, action))

    def _cache_problem(self, path, row, size):
        if size != row.size:
            return f"{size} bytes cached, the cache row says {row.size}"
        if not self.options.hash or not row.checksum:
            return None
        digest = self._digest(open(path, "rb"), _file_url(path), size)
        if digest.checksum != row.checksum:
            return f"md5 {digest.checksum}, the image's checksum is {row.checksum}"
        return None


def _key(url):
    """URLs compared as the stores spell them, percent-escapes decoded."""
    return unquote(url)


def _looked_up(driver, url):
    """The data at `url` asked for directly (the listing may spell its URL otherwise), or None."""
    try:
        return StoredItem(url, driver.get_size(url))
    except DataNotFound:
        return None


def _file_url(path):
    return path.absolute().as_uri()  # IMAGE_CACHE_DIR may be relative


def _age(modified):
    if modified is None:
        return "age unknown"
    hours = (timezone.now() - modified).total_seconds() / 3600
    return f"written {hours:.1f} h ago"


def _old_runs_drop(node):
    kept = list(AuditRun.objects.filter(node=node).order_by("-started_at", "-id").values_list("pk", flat=True))
    if len(kept) > KEEP_RUNS:
        AuditRun.objects.filter(pk__in=kept[KEEP_RUNS:]).delete()
