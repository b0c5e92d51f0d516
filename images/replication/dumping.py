"""dump: the source's active images into a directory, resumable (see dumpdir.py for the layout)."""
import time

from images.replication import ReplicationError, members
from images.replication.progress import BytesProgress, Tally
from images.replication.runner import active_images, describe
from images.replication.transfer import reader_for, verify_read


def dump(source, directory, options):
    """Write each active image of `source` (an ImageAPI) not yet complete in `directory`; return the Tally."""
    images = active_images(source)
    pending = sum(image.get("size") or 0 for image in images if _wants_data(directory, image, options))
    tally, started = Tally(), time.monotonic()
    with BytesProgress(pending, len(images), options.progress_file) as progress:
        for image in images:
            try:
                outcome = _dump_one(source, directory, image, options, progress, tally)
            except (ReplicationError, OSError) as exc:
                tally.failed, outcome = tally.failed + 1, f"FAILED: {exc}"
            progress.note(f"{describe(image)}: {outcome}")
    tally.seconds = time.monotonic() - started
    return tally


def _wants_data(directory, image, options):
    return not options.metaonly and not (_same_image(directory.dumped(image["id"]), image)
                                         and directory.has_data(image))


def _same_image(dumped, image):
    return dumped is not None and dumped.get("checksum") == image.get("checksum")


def _dump_one(source, directory, image, options, progress, tally):
    dumped = directory.dumped(image["id"])
    shared_with = members.wanted(source, image) or {}
    if _wants_data(directory, image, options):
        _dump_data(source, directory, image, options, progress, tally)
        directory.write_members(image["id"], shared_with)
        directory.write_metadata(image)
        tally.created += 1
        return "dumped"
    if dumped == image and directory.members(image["id"]) == shared_with:
        tally.identical += 1
        return "identical"
    directory.write_members(image["id"], shared_with)
    directory.write_metadata(image)
    if dumped is None:
        tally.created += 1
        return "metadata dumped"
    tally.metadata_updated += 1
    return "metadata updated"


def _dump_data(source, directory, image, options, progress, tally):
    readable = source.download(image["id"])
    try:
        reader = reader_for(readable, image, progress.advance, options.chunk_size)
        directory.write_data(image["id"], reader.blocks(),
                             check=lambda: verify_read(reader, image, f"{source}: image {image['id']}"))
    finally:
        readable.close()
    tally.data_copied, tally.bytes = tally.data_copied + 1, tally.bytes + reader.count
