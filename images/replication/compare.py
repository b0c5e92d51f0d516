"""compare and size: read-only looks at one or two sides."""
from images.replication import members, plan
from images.replication.runner import active_images, describe


def compare(source, target, options, report):
    """Call `report(line)` for each difference; return (images compared, images that differ)."""
    images = active_images(source)
    present = {image["id"]: image for image in target.images()}
    differing = 0
    for image in images:
        lines = _differences(source, target, image, present.get(image["id"]), options)
        differing += bool(lines)
        for line in lines:
            report(f"{describe(image)}: {line}")
    return len(images), differing


def _differences(source, target, image, existing, options):
    if existing is None:
        return ["missing from the target"]
    found = plan.metadata_differences(image, existing, options.dont_replicate)
    found += members.differences(source, target, image)
    if not options.metaonly:
        found += plan.data_differences(image, existing)
    return [f"{key} differs (source {source!r}, target {target!r})" for key, source, target in found]


def size(source):
    """(count, total bytes) of the active images of `source`."""
    images = active_images(source)
    return len(images), sum(image.get("size") or 0 for image in images)
