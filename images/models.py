"""Image records, their custom properties, tags and memberships.

Rules (status changes, sharing, who may do what) live in lifecycle.py and
services.py; these models only describe storage.
"""
from django.db import models
from django.utils import timezone

from images.choices import NAME_MAX_LENGTH, AuditKind, LocationStatus, MemberStatus, Status, TaskStatus, Visibility


class LiveImageManager(models.Manager):
    """Images that are not deleted: what every list, lookup and quota sees."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted=False)


class Image(models.Model):
    id = models.CharField(max_length=36, primary_key=True)
    name = models.CharField(max_length=NAME_MAX_LENGTH, null=True, blank=True)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.QUEUED)
    visibility = models.CharField(max_length=20, choices=Visibility.choices, default=Visibility.SHARED)
    disk_format = models.CharField(max_length=20, null=True, blank=True)
    container_format = models.CharField(max_length=20, null=True, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    virtual_size = models.BigIntegerField(null=True, blank=True)
    checksum = models.CharField(max_length=32, null=True, blank=True)
    os_hash_algo = models.CharField(max_length=64, null=True, blank=True)
    os_hash_value = models.CharField(max_length=128, null=True, blank=True)
    min_disk = models.IntegerField(default=0)
    min_ram = models.IntegerField(default=0)
    owner = models.CharField(max_length=255, null=True, blank=True)
    protected = models.BooleanField(default=False)
    os_hidden = models.BooleanField(default=False)
    # "host:pid" of the process streaming data in while status is saving, so a
    # restarted worker can tell an upload whose process died from a live one.
    upload_holder = models.CharField(max_length=255, null=True, blank=True)
    # The holder's lease on the upload, renewed while it runs (images.upload_leases).
    upload_seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # A deleted image keeps its row, so its id is never given out again (OSSN-0075) and
    # its data can be removed later (delayed delete); `objects` never shows it.
    deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = LiveImageManager()
    all_objects = models.Manager()

    class Meta:
        base_manager_name = "all_objects"
        ordering = ["-created_at", "-id"]
        # Lists sort by a key, then created_at and id: each sort key's index ends with those two,
        # so a page is a walk along one index that stops after `limit` rows, a marker a range on it.
        indexes = [
            # The default order's index also holds what decides whether a caller may list an image,
            # and size, so walking it skips the images a project cannot see, or of other sizes, without
            # reading their rows (a member sees a few percent of a large catalog: ~5x faster to find a
            # filtered page; page(ids_first=True) keeps that walk to the index).
            models.Index(fields=["created_at", "id", "deleted", "os_hidden", "status", "visibility", "owner", "size"],
                         name="image_created_list_idx"),
            models.Index(fields=["updated_at", "created_at", "id"], name="image_updated_list_idx"),
            models.Index(fields=["owner", "created_at", "id"], name="image_owner_list_idx"),
            # No index on visibility alone: with one, SQLite (before it has statistics) answers a
            # project's list by merging index lookups and sorting every visible image; without,
            # it walks (created_at, id) and stops after a page (39 -> ~10 ms at 10,000 images).
            models.Index(fields=["status", "created_at", "id"], name="image_status_list_idx"),
            models.Index(fields=["name", "created_at", "id"], name="image_name_list_idx"),
            models.Index(fields=["disk_format", "created_at", "id"], name="image_disk_list_idx"),
            models.Index(fields=["container_format", "created_at", "id"], name="image_container_list_idx"),
            models.Index(fields=["size", "created_at", "id"], name="image_size_list_idx"),
            models.Index(fields=["os_hidden", "created_at", "id"], name="image_hidden_list_idx"),
            models.Index(fields=["protected", "created_at", "id"], name="image_protected_list_idx"),
            models.Index(fields=["checksum"]),
            models.Index(fields=["os_hash_value"]),
        ]

    def __str__(self):
        return f"{self.name or '(unnamed)'} ({self.id})"


class ImageProperty(models.Model):
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="properties")
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    value = models.TextField()

    class Meta:
        verbose_name_plural = "properties"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["image", "name"],
                name="unique_image_property",
                violation_error_message="The image already has a property with this name.",
            )
        ]
        # Property filters (?os_distro=ubuntu) look images up by (name, value, image_id): an index
        # made in migration 0007 with SQL of its own, since MariaDB indexes only a prefix of a TEXT.

    def __str__(self):
        return f"{self.name}={self.value}"


class ImageTag(models.Model):
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="tags")
    value = models.CharField(max_length=NAME_MAX_LENGTH)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["image", "value"],
                name="unique_image_tag",
                violation_error_message="The image already has this tag.",
            )
        ]
        indexes = [models.Index(fields=["value", "image"])]

    def __str__(self):
        return self.value


class ImageMember(models.Model):
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="members")
    member = models.CharField(max_length=255)
    status = models.CharField(max_length=20, choices=MemberStatus.choices, default=MemberStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["image", "member"],
                name="unique_image_member",
                violation_error_message="The image is already shared with this project.",
            )
        ]
        indexes = [models.Index(fields=["member", "status"])]

    def __str__(self):
        return f"{self.image_id} -> {self.member} ({self.status})"


class ImageLocation(models.Model):
    """One copy of an image's data: the store (an IMAGE_STORES id) and the URL it handed out."""

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="locations")
    store = models.CharField(max_length=255)
    url = models.TextField()
    metadata = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=30, choices=LocationStatus.choices, default=LocationStatus.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["image", "status"]), models.Index(fields=["status", "store"])]

    def __str__(self):
        return f"{self.store}: {self.url} ({self.status})"


class Task(models.Model):
    """A Glance task record (type api_image_import): what an import was asked to do and how it went.

    The work itself runs on the task engine (images.jobs); this row is what the API shows and what
    crash recovery reads: `holder` is the "host:pid" of the worker process running it.
    """

    id = models.CharField(max_length=36, primary_key=True)
    type = models.CharField(max_length=30, default="api_image_import")
    status = models.CharField(max_length=30, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    owner = models.CharField(max_length=255, null=True, blank=True)
    image_id = models.CharField(max_length=36, null=True, blank=True)
    request_id = models.CharField(max_length=64, null=True, blank=True)
    user_id = models.CharField(max_length=64, null=True, blank=True)
    input = models.JSONField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    message = models.TextField(default="", blank=True)
    # The requester's roles: import plugins (inject_image_metadata) act on them in the worker.
    roles = models.JSONField(default=list, blank=True)
    holder = models.CharField(max_length=255, null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["image_id", "created_at"]), models.Index(fields=["status", "updated_at"])]

    def __str__(self):
        return f"{self.type} {self.id} ({self.status})"


class CachedImage(models.Model):
    """An image whose data one node holds in its image cache (Glance's cached_images table).

    `image_id` is no foreign key, as in Glance: the cache is bookkeeping beside the image rows,
    and a row outliving its image is harmless (a file without a row is what counts as absent).
    """

    image_id = models.CharField(max_length=36)
    node = models.CharField(max_length=255)
    size = models.BigIntegerField()
    hits = models.IntegerField(default=0)
    checksum = models.CharField(max_length=32, null=True, blank=True)
    last_accessed = models.DateTimeField(default=timezone.now)
    last_modified = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        # Two workers filling the same image at once end with one row.
        constraints = [models.UniqueConstraint(fields=["image_id", "node"], name="cachedimage_unique_node",
                                               violation_error_message="The image is already cached on this node.")]
        indexes = [models.Index(fields=["node", "last_accessed"])]

    def __str__(self):
        return f"{self.image_id} cached on {self.node}"


class QueuedImage(models.Model):
    """An image an administrator asked one node to cache (PUT /v2/cache/{id}); the row goes once cached."""

    image_id = models.CharField(max_length=36)
    node = models.CharField(max_length=255)
    queued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["queued_at", "id"]
        constraints = [models.UniqueConstraint(fields=["image_id", "node"], name="queuedimage_unique_node",
                                               violation_error_message="The image is already queued on this node.")]

    def __str__(self):
        return f"{self.image_id} queued on {self.node}"


class AuditRun(models.Model):
    """One `manage.py audit` on one node: what it looked at and how many of each finding it made."""

    node = models.CharField(max_length=255)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    stores = models.JSONField(default=list, blank=True)
    hashed = models.BooleanField(default=True)
    fix = models.BooleanField(default=False)
    items = models.IntegerField(default=0)
    bytes_read = models.BigIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["node", "started_at"])]

    def __str__(self):
        return f"audit {self.pk} on {self.node} at {self.started_at:%Y-%m-%d %H:%M}"


class AuditFinding(models.Model):
    """One thing an audit found; `action` is what --fix did about it (empty without --fix)."""

    run = models.ForeignKey(AuditRun, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=20, choices=AuditKind.choices)
    store = models.CharField(max_length=255)
    url = models.TextField(blank=True)
    image_id = models.CharField(max_length=36, null=True, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    detail = models.TextField(blank=True)
    action = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["kind", "store"]), models.Index(fields=["image_id"])]

    def __str__(self):
        return f"{self.kind} in {self.store}: {self.url}"


class AuditClaim(models.Model):
    """The one audit that removes a given piece of data: a second audit racing it fails to insert the
    same key and leaves that data to the first. The key is the store, the URL and the data's
    modification time, so data written later at the same URL is judged afresh."""

    key = models.CharField(max_length=64, unique=True)
    run = models.ForeignKey(AuditRun, on_delete=models.CASCADE, related_name="claims")

    def __str__(self):
        return self.key
