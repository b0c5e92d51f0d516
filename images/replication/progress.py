"""Progress of a replication on stderr: a bar in bytes with rate and ETA, and the tallies.

On a terminal the bar is rich's, redrawn in place with per-image notes printed above it; in a
log (cron, systemd) the same facts come as plain lines: one per image and, during a long
transfer, one every few seconds.
"""
import time
from dataclasses import dataclass, fields

from rich.console import Console
from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn,
                           TransferSpeedColumn)

PLAIN_LINE_INTERVAL = 5.0


@dataclass
class Tally:
    created: int = 0
    data_copied: int = 0
    metadata_updated: int = 0
    identical: int = 0
    failed: int = 0
    bytes: int = 0
    seconds: float = 0.0

    def line(self, verb):
        seconds = self.seconds
        rate = self.bytes / seconds / 1e6 if seconds > 0 else 0.0
        counts = ", ".join(f"{field.name.replace('_', ' ')} {getattr(self, field.name)}" for field in fields(self)
                           if field.name not in ("bytes", "seconds"))
        return f"{verb}: {counts}; {human_bytes(self.bytes)} copied in {seconds:.1f}s ({rate:.1f} MB/s)."


def human_bytes(count):
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(count) < 1024 or unit == "TiB":
            return f"{count:.1f} {unit}" if unit != "B" else f"{count} B"
        count /= 1024
    return f"{count} B"


class BytesProgress:
    """Use as a context manager around the copy; `advance(n)` after each block, `note(text)` per image."""

    def __init__(self, total_bytes, total_images, file=None):
        self.console = Console(file=file, stderr=file is None, highlight=False)
        self.total, self.done, self.images = total_bytes, 0, total_images
        self.started = self._last_line = time.monotonic()
        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                             TransferSpeedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                             console=self.console)
        self._task = None

    def __enter__(self):
        if self.console.is_terminal:
            self._bar.start()
            self._task = self._bar.add_task(f"{self.images} image(s)", total=self.total)
        return self

    def __exit__(self, *exc_info):
        if self._task is not None:
            self._bar.stop()

    def advance(self, count):
        self.done += count
        if self._task is not None:
            self._bar.update(self._task, advance=count)
        elif time.monotonic() - self._last_line >= PLAIN_LINE_INTERVAL:
            self.console.print(f"  ... {self.status()}", soft_wrap=True)

    def note(self, text):
        self.console.print(text if self._task is not None else f"{text} [{self.status()}]",
                           markup=False, highlight=False, soft_wrap=True)

    def status(self):
        self._last_line = now = time.monotonic()
        rate = self.done / max(now - self.started, 1e-6)
        remaining = (self.total - self.done) / rate if rate > 0 else 0
        percent = 100 * self.done / self.total if self.total else 100
        return (f"{human_bytes(self.done)} of {human_bytes(self.total)} ({percent:.0f}%), "
                f"{rate / 1e6:.1f} MB/s, ETA {time.strftime('%H:%M:%S', time.gmtime(remaining))}")
