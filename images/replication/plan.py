"""What the target must hold for one source image, and how far it is from that.

Pure functions over image documents (the JSON of `GET /v2/images/{id}`), so livecopy, load and
compare judge alike. Replicated: base properties a client may set (name, formats, visibility,
protected, os_hidden, min_*, owner, tags) and custom properties; never the ones the target
computes itself (status, sizes, hashes, dates, links), `os_glance_*` (reserved to the service)
or what --dontreplicate names.
"""
# Glance's default --dontreplicate; the v1 names among them are harmless in v2.
DEFAULT_DONT_REPLICATE = "created_at date deleted_at location updated_at"
READ_ONLY = frozenset({
    "id", "status", "size", "virtual_size", "checksum", "os_hash_algo", "os_hash_value", "created_at",
    "updated_at", "deleted", "deleted_at", "self", "file", "schema", "direct_url", "locations", "stores",
})
# Base properties a client sets but never removes: absent from a document means "as the target defaults".
WRITABLE_BASE = frozenset({
    "name", "visibility", "protected", "os_hidden", "owner", "container_format", "disk_format",
    "min_ram", "min_disk", "tags",
})
RESERVED_PREFIX = "os_glance_"


def replicable(document, dont_replicate):
    """The properties of `document` that replication copies."""
    return {key: value for key, value in document.items()
            if key not in READ_ONLY and key not in dont_replicate and not key.startswith(RESERVED_PREFIX)}


def creation_body(source, dont_replicate):
    """The POST /v2/images body that makes the target's copy, under the source's id."""
    return {**replicable(source, dont_replicate), "id": source["id"]}


def metadata_patch(source, target, dont_replicate):
    """JSON-patch operations that make the target's replicable properties the source's.

    Custom properties only the target has are removed: the target mirrors the source.
    """
    wanted, present = replicable(source, dont_replicate), replicable(target, dont_replicate)
    operations = [{"op": "replace" if key in present else "add", "path": f"/{key}", "value": value}
                  for key, value in sorted(wanted.items())
                  if _comparable(key, present.get(key, _ABSENT)) != _comparable(key, value)]
    operations += [{"op": "remove", "path": f"/{key}"}
                   for key in sorted(present) if key not in wanted and key not in WRITABLE_BASE]
    return operations


class _Absent:
    def __repr__(self):
        return "(absent)"


_ABSENT = _Absent()


def _comparable(key, value):
    # Tags are a set: Glance returns them in no particular order.
    return sorted(value) if key == "tags" and isinstance(value, list) else value


def metadata_differences(source, target, dont_replicate):
    """[(property, source value, target value)] where the two disagree."""
    wanted, present = replicable(source, dont_replicate), replicable(target, dont_replicate)
    keys = set(wanted) | {key for key in present if key not in WRITABLE_BASE}
    return [(key, wanted.get(key, _ABSENT), present.get(key, _ABSENT)) for key in sorted(keys)
            if _comparable(key, wanted.get(key, _ABSENT)) != _comparable(key, present.get(key, _ABSENT))]


def same_data(source, target):
    """Whether the target holds the source's bytes: active, same size and md5, same os_hash when comparable."""
    if target.get("status") != "active" or target.get("size") != source.get("size"):
        return False
    if not source.get("checksum") or target.get("checksum") != source["checksum"]:
        return False
    same_algorithm = source.get("os_hash_algo") and source.get("os_hash_algo") == target.get("os_hash_algo")
    return not same_algorithm or source.get("os_hash_value") == target.get("os_hash_value")


def data_differences(source, target):
    """[(field, source value, target value)] for the data fields that disagree (empty when same_data)."""
    if same_data(source, target):
        return []
    fields = ("status", "size", "checksum", "os_hash_value")
    return [(field, source.get(field), target.get(field)) for field in fields
            if source.get(field) != target.get(field)]
