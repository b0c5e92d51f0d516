"""Query-planner statistics appear after requests, so image lists walk the date index (SQLite)."""
import pytest
from django.db import connection

from project import sqlite_maintenance

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")


def test_statistics_are_gathered_after_a_request(api, settings):
    settings.SQLITE_OPTIMIZE_INTERVAL = 0
    sqlite_maintenance._last_run["at"] = None
    from images.models import Image

    Image.objects.bulk_create([Image(id=f"{index:036d}", name=f"i{index}", owner="p") for index in range(2000)])
    api.as_("p", "member").get("/v2/images?limit=2")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'images_image'")
        assert cursor.fetchone()[0] > 0
