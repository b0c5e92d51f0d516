"""Image records, their custom properties, tags and memberships.

Rules (status changes, sharing, who may do what) live in lifecycle.py and
services.py; these models only describe storage.
"""
from django.db import models
from django.utils import timezone

from images.choices import NAME_MAX_LENGTH, LocationStatus, MemberStatus, Status, TaskStatus, Visibility


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
        indexes = [
            models.Index(fields=["created_at", "id"]),
            models.Index(fields=["updated_at", "id"]),
            models.Index(fields=["owner"]),
            # No index on visibility alone: with one, SQLite (before it has statistics) answers a
            # project's list by merging index lookups and sorting every visible image; without,
            # it walks (created_at, id) and stops after a page (39 -> ~10 ms at 10,000 images).
            models.Index(fields=["status"]),
            models.Index(fields=["name"]),
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
        indexes = [models.Index(fields=["name", "image"])]

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
