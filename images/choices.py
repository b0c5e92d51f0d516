"""Vocabulary of the images app: statuses, visibilities, formats, limits."""
from django.db import models


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    SAVING = "saving", "Saving"
    ACTIVE = "active", "Active"
    KILLED = "killed", "Killed"
    DELETED = "deleted", "Deleted"
    DEACTIVATED = "deactivated", "Deactivated"
    UPLOADING = "uploading", "Uploading"
    IMPORTING = "importing", "Importing"
    PENDING_DELETE = "pending_delete", "Pending delete"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public"
    COMMUNITY = "community", "Community"
    SHARED = "shared", "Shared"
    PRIVATE = "private", "Private"


class LocationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    # The image is gone; its data waits to be removed from the store (then the row goes too).
    PENDING_DELETE = "pending_delete", "Pending delete"
    # Data in the staging store (stage, or an import's working copy): never served, removed when the import ends.
    STAGED = "staged", "Staged"
    # Found by `manage.py audit --fix`: the data is absent, or differs from the image's size or
    # checksums. Never served (downloads go to another copy); back to active when a later audit
    # finds it good again; removed with the image.
    MISSING = "missing", "Missing"
    CORRUPT = "corrupt", "Corrupt"


class AuditKind(models.TextChoices):
    """What `manage.py audit` can find (images.audit)."""

    ORPHAN = "orphan", "Data no image points at"
    MISSING = "missing", "Data of an image missing"
    CORRUPT = "corrupt", "Data differing from its image's size or checksums"
    STALE_STAGED = "stale_staged", "Staged data no import owns"
    RECOVERED = "recovered", "A copy marked missing or corrupt found good again"
    ERROR = "error", "A store that could not be audited"


class TaskStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"


class ImportMethod(models.TextChoices):
    GLANCE_DIRECT = "glance-direct"
    WEB_DOWNLOAD = "web-download"
    COPY_IMAGE = "copy-image"


class MemberStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop")
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")

NAME_MAX_LENGTH = 255
UUID_PATTERN = (
    "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"
)

# Attributes a client may never write, on create or in a patch.
READ_ONLY = frozenset({
    "created_at", "updated_at", "status", "checksum", "size", "virtual_size", "direct_url",
    "self", "file", "schema", "id", "os_hash_algo", "os_hash_value", "stores",
})
# Names kept from custom properties because Glance uses them internally.
RESERVED = frozenset({"location", "locations", "deleted", "deleted_at"})
RESERVED_PREFIX = "os_glance_"
# Reserved properties Glance keeps on an image but never shows (which node staged its data).
HIDDEN = frozenset({"os_glance_stage_host", "os_glance_hash_op_host"})

# Base attributes a client may set (everything else is a custom property).
WRITABLE_BASE = (
    "name", "disk_format", "container_format", "visibility", "protected", "os_hidden",
    "min_disk", "min_ram", "owner", "tags",
)
