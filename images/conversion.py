"""Disk format conversion of staged data with qemu-img (Debian's qemu-utils), for image_conversion.

The staged data was inspected when it arrived (images.inspection: no backing or data files), so
qemu-img only reads what it was given. The converted file replaces the staged data under the same
store; the store write that follows hashes and inspects the converted data.
"""
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

from images.models import ImageLocation
from images.stores import registry
from images.stores.base import CHUNK_SIZE
from images.stores.file import FileStore
from project.errors import DomainError

# disk_format -> qemu-img's name for it; formats not listed (iso, ami, ...) are never converted.
QEMU_FORMATS = {"raw": "raw", "qcow2": "qcow2", "vmdk": "vmdk", "vhd": "vpc", "vhdx": "vhdx", "vdi": "vdi"}
TIMEOUT = 3600


class ConversionFailed(DomainError):
    pass


def convert_staged(staged, source_format, target_format):
    """Replace the staged data `staged` (an ImageLocation) by its conversion to `target_format`."""
    if source_format not in QEMU_FORMATS or target_format not in QEMU_FORMATS:
        return
    store = registry.staging()
    settings.STAGING_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.STAGING_DIR, prefix=".convert-") as work:
        source = _local_copy(store, staged.url, Path(work))
        converted = Path(work) / "converted"
        _qemu_img_convert(source, QEMU_FORMATS[source_format], converted, QEMU_FORMATS[target_format])
        with converted.open("rb") as data:
            stored = store.add(staged.image_id, iter(lambda: data.read(CHUNK_SIZE), b""))
    if stored.url != staged.url:
        store.delete(staged.url)
    ImageLocation.objects.filter(pk=staged.pk).update(url=stored.url, metadata=stored.metadata)


def _local_copy(store, url, work):
    """A path qemu-img can read: the staged file itself, or a copy of it from a remote staging store."""
    if isinstance(store, FileStore):
        return store.path_of(url)
    copy = work / "source"
    readable = store.get(url)
    try:
        with copy.open("wb") as out:
            shutil.copyfileobj(readable, out, CHUNK_SIZE)
    finally:
        readable.close()
    return copy


def _qemu_img_convert(source, source_format, target, target_format):
    command = ["qemu-img", "convert", "-f", source_format, "-O", target_format, str(source), str(target)]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=TIMEOUT)
    except FileNotFoundError:
        raise ConversionFailed("Image conversion needs qemu-img (Debian's qemu-utils), which is not installed.") \
            from None
    except subprocess.CalledProcessError as exc:
        raise ConversionFailed(f"Image conversion from {source_format} to {target_format} failed: "
                               f"{exc.stderr.decode(errors='replace').strip()}") from None
    except subprocess.TimeoutExpired:
        raise ConversionFailed(f"Image conversion did not finish within {TIMEOUT} s.") from None
