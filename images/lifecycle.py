"""The image status machine: a table of allowed moves and one function to make them."""
from images.choices import Status
from project.errors import Conflict, InvalidInput

S = Status

# current status -> statuses it may move to. Returning to queued is how a
# failed upload is undone, so the client can simply try again.
TRANSITIONS = {
    S.QUEUED: {S.SAVING, S.UPLOADING, S.IMPORTING, S.ACTIVE, S.DELETED},
    S.SAVING: {S.ACTIVE, S.KILLED, S.DELETED, S.QUEUED},
    S.UPLOADING: {S.IMPORTING, S.QUEUED, S.DELETED},
    S.IMPORTING: {S.ACTIVE, S.DELETED, S.QUEUED},
    S.ACTIVE: {S.PENDING_DELETE, S.DELETED, S.DEACTIVATED},
    S.KILLED: {S.DELETED},
    S.PENDING_DELETE: {S.DELETED, S.ACTIVE},
    S.DELETED: set(),
    S.DEACTIVATED: {S.ACTIVE, S.DELETED, S.PENDING_DELETE},
}

# Data can only be accepted once both formats are known.
NEEDS_FORMATS = {(S.QUEUED, S.SAVING), (S.QUEUED, S.ACTIVE), (S.QUEUED, S.IMPORTING),
                 (S.UPLOADING, S.IMPORTING)}


class InvalidTransition(Conflict):
    pass


def transition(image, target):
    """Move `image` to status `target` in memory (the caller saves).

    Raises InvalidTransition (409) for a move the table forbids and
    InvalidInput (400) when data would be accepted without formats.
    """
    current = image.status
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(f"Image status transition from {current} to {target} is not allowed")
    if (current, target) in NEEDS_FORMATS:
        _require_formats(image)
    if target == S.QUEUED:
        image.size = image.virtual_size = None
        image.checksum = image.os_hash_algo = image.os_hash_value = None
    image.status = target


def _require_formats(image):
    missing = [name for name in ("disk_format", "container_format") if not getattr(image, name)]
    if len(missing) == 1:
        raise InvalidInput(f"Property {missing[0]} must be set prior to saving data.")
    if missing:
        raise InvalidInput(f"Properties {', '.join(missing)} must be set prior to saving data.")
