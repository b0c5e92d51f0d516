"""bench/_catalog.py's catalog, the same seeded rows, written into a Glance 33 SQLite database
(Glance's own tables, made by its `glance-manage db_sync`), for bench/bench_list_glance.py.

    manage.py shell -c "from bench._glance_catalog import load; load(100_000, '/tmp/g/glance.sqlite')"

Only this project's models are used, as row holders: nothing is written to this project's database.
The last line printed is the same JSON summary bench/_catalog.py prints.
"""
import json
import random
import sqlite3
import time

from bench._catalog import SEED, _build, _summary

IMAGE_COLUMNS = ("id", "name", "size", "status", "created_at", "updated_at", "deleted_at", "deleted", "disk_format",
                 "container_format", "checksum", "owner", "min_disk", "min_ram", "protected", "virtual_size",
                 "visibility", "os_hidden", "os_hash_algo", "os_hash_value")


def _when(moment):
    """SQLAlchemy's SQLite DATETIME text: naive UTC with microseconds."""
    return None if moment is None else moment.replace(tzinfo=None).isoformat(" ", "microseconds")


def _image_row(image):
    values = {column: getattr(image, column) for column in IMAGE_COLUMNS}
    values.update(created_at=_when(image.created_at), updated_at=_when(image.updated_at),
                  deleted_at=_when(image.deleted_at))
    return [values[column] for column in IMAGE_COLUMNS]


def _insert(database, table, columns, rows):
    marks = ", ".join("?" * len(columns))
    database.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    print(f"inserted {len(rows)} {table}", flush=True)


def load(count, path, *, seed=SEED):
    """Insert the catalog into the (freshly synced) Glance database at `path`; print progress and the summary."""
    started = time.perf_counter()
    rng = random.Random(seed)
    images, properties, tags, members = _build(rng, count)
    created = {image.id: _when(image.created_at) for image in images}
    database = sqlite3.connect(path)
    with database:
        _insert(database, "images", IMAGE_COLUMNS, [_image_row(image) for image in images])
        _insert(database, "image_properties", ("image_id", "name", "value", "created_at", "deleted"),
                [(p.image_id, p.name, p.value, created[p.image_id], False) for p in properties])
        _insert(database, "image_tags", ("image_id", "value", "created_at", "deleted"),
                [(t.image_id, t.value, created[t.image_id], False) for t in tags])
        _insert(database, "image_members", ("image_id", "member", "can_share", "status", "created_at", "deleted"),
                [(m.image_id, m.member, False, m.status, created[m.image_id], False) for m in members])
    # As bench/_catalog.py does for this service's database: the planner gets statistics.
    database.execute("ANALYZE")
    database.close()
    print(f"loaded and analyzed in {time.perf_counter() - started:.1f}s", flush=True)
    print(json.dumps(_summary(rng, images, members)))
