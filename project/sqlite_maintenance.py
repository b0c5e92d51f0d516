"""Keep SQLite's query-planner statistics fresh on long-lived connections.

Without statistics SQLite answers a project's image list by merging several
indexes and sorting every visible row (25 ms at 10,000 images); with them it
walks the (created_at, id) index and stops after one page (under 1 ms).
SQLite's advice for long-lived connections is to run `PRAGMA optimize` now
and then: it analyses only the tables whose statistics are missing or stale.
"""
import logging
import time

from django.conf import settings
from django.db import DatabaseError, connection, transaction

log = logging.getLogger(__name__)

_last_run = {"at": None}


# The tables image lists read: SQLite's own optimize (3.40) skips a table unless a query of this very
# connection missed its statistics, so one that never had any is measured here.
LIST_TABLES = ("images_image", "images_imageproperty", "images_imagetag", "images_imagemember")


def _analyse_unmeasured(cursor):
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
    measured = set()
    if cursor.fetchone():
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        measured = {row[0] for row in cursor.fetchall()}
    for table in LIST_TABLES:
        if table not in measured:
            cursor.execute(f'ANALYZE "{table}"')


def optimize_now_and_then(sender=None, **kwargs):
    """request_finished receiver: at most once per SQLITE_OPTIMIZE_INTERVAL seconds per process."""
    if connection.vendor != "sqlite" or connection.connection is None:
        return
    now = time.monotonic()
    if _last_run["at"] is not None and now - _last_run["at"] < settings.SQLITE_OPTIMIZE_INTERVAL:
        return
    _last_run["at"] = now
    try:
        # ANALYZE writes: inside a transaction it takes the write lock up front
        # (IMMEDIATE) and waits its turn, instead of failing on upgrade.
        # Full analysis: a sampled one (analysis_limit) misjudged the
        # visibility index badly enough to bring the slow plan back.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")
            _analyse_unmeasured(cursor)
    except DatabaseError:
        # Statistics can wait for the next turn; the request already succeeded.
        log.warning("PRAGMA optimize failed; will retry later", exc_info=True)
