"""livecopy, load and dump: one pass over the source's active images, each brought in step.

A pass first lists both sides, so it knows how many bytes it will move (the bar's total),
then handles one image at a time: a failure is reported and counted, and the pass goes on.
Running it again after an interruption redoes only what is missing: an image whose data
the target holds (same size and hashes) is never sent twice.
"""
import time
from dataclasses import dataclass

from images.replication import ReplicationError, members, plan
from images.replication.dumpdir import DumpDirectory
from images.replication.progress import BytesProgress, Tally
from images.replication.transfer import reader_for, verify_read

ALREADY_PRESENT = ("an image with this id exists on the target but is not visible to us (another project's, "
                   "or deleted: ids are never reused)")


@dataclass(frozen=True)
class Options:
    dont_replicate: frozenset = frozenset(plan.DEFAULT_DONT_REPLICATE.split())
    metaonly: bool = False
    chunk_size: int = 65536
    # How long an image the target shows as `saving` may take to end (an upload cut short
    # by an interruption returns to queued once the target notices) before it is left for the next run.
    saving_wait: float = 60.0
    progress_file: object = None


def active_images(source):
    if isinstance(source, DumpDirectory):
        return [image for image in source.images() if image.get("status") == "active"]
    return list(source.images(status="active"))


def describe(image):
    return f"{image['id']} ({image.get('name') or '--unnamed--'}, {image.get('size') or 0} bytes)"


def livecopy(source, target, options):
    """Bring `target` (an ImageAPI) in step with `source` (an ImageAPI or a DumpDirectory); return the Tally."""
    images = active_images(source)
    present = {image["id"]: image for image in target.images()}
    pending = sum(image.get("size") or 0 for image in images
                  if _wants_data(source, image, present.get(image["id"]), options))
    tally, started = Tally(), time.monotonic()
    with BytesProgress(pending, len(images), options.progress_file) as progress:
        for image in images:
            try:
                outcome = _replicate(source, target, image, present.get(image["id"]), options, progress, tally)
            except (ReplicationError, OSError) as exc:  # OSError: reading a dump's file, or requests' own errors
                tally.failed, outcome = tally.failed + 1, f"FAILED: {exc}"
            progress.note(f"{describe(image)}: {outcome}")
    tally.seconds = time.monotonic() - started
    return tally


def _wants_data(source, image, existing, options):
    if options.metaonly or (isinstance(source, DumpDirectory) and not source.has_data(image)):
        return False
    return existing is None or not plan.same_data(image, existing)


def _replicate(source, target, image, existing, options, progress, tally):
    """Bring one image in step; return what was done, for the progress notes."""
    done = []
    if existing is None:
        existing = _create(target, image, options)
        tally.created += 1
        done.append("created")
    elif existing["status"] == "saving":
        existing = _wait_while_saving(target, image["id"], options.saving_wait)
    existing, changed = _update_metadata(source, target, image, existing, options)
    if changed:
        tally.metadata_updated += 1
        done.append(f"metadata updated ({', '.join(changed)})")
    if _wants_data(source, image, existing, options):
        _copy_data(source, target, image, existing, options, progress, tally)
        done.append("data copied")
    elif not done:
        tally.identical += 1
        done.append("identical" if options.metaonly or plan.same_data(image, existing) else "no data in the dump")
    return ", ".join(done)


def _update_metadata(source, target, image, existing, options):
    """(the target's document, what changed): properties by JSON patch, then the memberships."""
    operations = plan.metadata_patch(image, existing, options.dont_replicate)
    if operations:
        existing = target.update(image["id"], operations)
    changed = [op["path"][1:] for op in operations]
    member_changes = members.bring_in_step(source, target, image)
    return existing, changed + ([f"members {' '.join(member_changes)}"] if member_changes else [])


def _create(target, image, options):
    try:
        return target.create(plan.creation_body(image, options.dont_replicate))
    except ReplicationError as exc:
        if " answered 409" in str(exc):
            raise ReplicationError(ALREADY_PRESENT) from None
        raise


def _wait_while_saving(target, image_id, patience):
    deadline = time.monotonic() + patience
    while True:
        existing = target.image(image_id)
        if existing is None or existing["status"] != "saving" or time.monotonic() >= deadline:
            break
        time.sleep(1.0)
    if existing is None:
        raise ReplicationError("the target's image vanished while we waited for its upload to end")
    if existing["status"] == "saving":
        raise ReplicationError(f"the target is still saving data for it after {patience:.0f}s "
                               "(another upload in progress?); left for the next run")
    return existing


def _copy_data(source, target, image, existing, options, progress, tally):
    if existing["status"] != "queued":
        raise ReplicationError(f"the target's copy is {existing['status']} with other data "
                               f"({plan.data_differences(image, existing)}); it is not overwritten")
    readable = source.download(image["id"])
    try:
        reader = reader_for(readable, image, progress.advance, options.chunk_size, hashing=False)
        target.upload(image["id"], reader)
    finally:
        readable.close()
    verify_read(reader, image, f"{source}: image {image['id']}")
    arrived = target.image(image["id"]) or {}
    if not plan.same_data(image, arrived):
        raise ReplicationError(f"{target}: the data arrived differently: {plan.data_differences(image, arrived)}")
    tally.data_copied, tally.bytes = tally.data_copied + 1, tally.bytes + reader.count
