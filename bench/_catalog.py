"""A realistic image catalog written straight into a fresh database (a benchmark fixture, not the API).

    manage.py shell -c "from bench._catalog import load; load(100_000)"

Seeded, so every run (and every backend) holds the same rows: IMAGES images owned by PROJECTS
projects (mostly private; some public, shared with members, community; a few soft-deleted,
hidden, protected, killed or still queued), three custom properties each (`os_distro`,
`os_version`, `p1` in 0..99), a tag or two on most, and memberships of every status on the
shared ones. Rows go in with executemany over the models' own columns and db values, so the
table layout is whatever the migrations made. The last line printed is a JSON summary the
benchmark reads (ids, names, checksums and times to query for).
"""
import json
import random
import time
import uuid
from datetime import datetime, timedelta, timezone

from django.db import connection, transaction

from images.models import Image, ImageMember, ImageProperty, ImageTag

SEED = 13
BATCH = 5000
PROJECTS = 1000
# (weight, value) tables; the weights are per mille.
VISIBILITY = [(800, "private"), (50, "public"), (120, "shared"), (30, "community")]
STATUS = [(910, "active"), (50, "queued"), (20, "deactivated"), (10, "killed"), (10, "saving")]
DISK = [(600, "qcow2"), (250, "raw"), (80, "iso"), (50, "vmdk"), (20, "vhd")]
CONTAINER = [(950, "bare"), (30, "ovf"), (20, "docker")]
DISTROS = [(300, "ubuntu"), (200, "debian"), (150, "fedora"), (150, "centos"), (100, "rocky"), (100, "windows")]
MEMBER_STATUS = [(600, "accepted"), (300, "pending"), (100, "rejected")]
EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
SPAN_SECONDS = 2 * 365 * 86400


def project(index):
    return f"project-{index:04d}"


def pick(rng, table):
    roll = rng.randrange(sum(weight for weight, _ in table))
    for weight, value in table:
        if roll < weight:
            return value
        roll -= weight
    raise AssertionError(table)


def _image(rng, n):
    status = pick(rng, STATUS)
    has_data = status not in ("queued", "saving")
    created = EPOCH + timedelta(seconds=rng.randrange(SPAN_SECONDS), microseconds=rng.randrange(10**6))
    deleted = rng.random() < 0.03
    return Image(
        id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        name=None if rng.random() < 0.02 else f"{pick(rng, DISTROS)}-{rng.randrange(10, 30)}.{n:06d}",
        status=status, visibility=pick(rng, VISIBILITY), owner=project(rng.randrange(PROJECTS)),
        disk_format=pick(rng, DISK) if has_data or rng.random() < 0.5 else None,
        container_format=pick(rng, CONTAINER) if has_data or rng.random() < 0.5 else None,
        size=rng.randrange(1 << 20, 1 << 34) if has_data else None,
        virtual_size=rng.randrange(1 << 30, 1 << 36) if has_data and rng.random() < 0.7 else None,
        checksum=f"{rng.getrandbits(128):032x}" if has_data else None,
        os_hash_algo="sha512" if has_data else None,
        os_hash_value=f"{rng.getrandbits(512):0128x}" if has_data else None,
        min_disk=rng.choice((0, 0, 1, 10, 20)), min_ram=rng.choice((0, 0, 512, 1024, 2048)),
        protected=rng.random() < 0.05, os_hidden=rng.random() < 0.02,
        created_at=created, updated_at=created + timedelta(seconds=rng.randrange(90 * 86400)),
        deleted=deleted, deleted_at=created + timedelta(days=100) if deleted else None,
    )


def _details(rng, image):
    properties = [("os_distro", pick(rng, DISTROS)), ("os_version", str(rng.randrange(10, 30))),
                  ("p1", str(rng.randrange(100)))]
    tags = sorted({f"tag-{rng.randrange(50):02d}" for _ in range(rng.choice((0, 1, 1, 2)))})
    members = []
    if image.visibility == "shared":
        for other in rng.sample(range(PROJECTS), rng.choice((1, 1, 2, 3))):
            if project(other) != image.owner:
                members.append((project(other), pick(rng, MEMBER_STATUS)))
    return properties, tags, members


def _insert(model, objects):
    """executemany over `model`'s concrete columns (its auto id left to the database)."""
    fields = [f for f in model._meta.concrete_fields if not (f.db_returning or f.generated)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"
    rows = [[f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] for obj in objects]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start:start + BATCH])


def _build(rng, count):
    images, properties, tags, members = [], [], [], []
    for n in range(count):
        image = _image(rng, n)
        images.append(image)
        image_properties, image_tags, image_members = _details(rng, image)
        properties += [ImageProperty(image_id=image.id, name=k, value=v) for k, v in image_properties]
        tags += [ImageTag(image_id=image.id, value=v) for v in image_tags]
        members += [ImageMember(image_id=image.id, member=m, status=s, created_at=image.created_at,
                                updated_at=image.created_at) for m, s in image_members]
    return images, properties, tags, members


def analyze():
    """Fresh planner statistics, as PRAGMA optimize (SQLite) or InnoDB's own sampling (MariaDB) keep them."""
    tables = [model._meta.db_table for model in (Image, ImageProperty, ImageTag, ImageMember)]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        else:
            cursor.execute(f"ANALYZE TABLE {', '.join(tables)}")
            cursor.fetchall()


def load(count, *, seed=SEED):
    """Insert the catalog (the database must be freshly migrated); print progress and a JSON summary."""
    started = time.perf_counter()
    rng = random.Random(seed)
    images, properties, tags, members = _build(rng, count)
    print(f"built {len(images)} images, {len(properties)} properties, {len(tags)} tags, "
          f"{len(members)} memberships in {time.perf_counter() - started:.1f}s", flush=True)
    with transaction.atomic():
        for model, rows in ((Image, images), (ImageProperty, properties), (ImageTag, tags), (ImageMember, members)):
            _insert(model, rows)
            print(f"inserted {len(rows)} {model._meta.verbose_name_plural} "
                  f"({time.perf_counter() - started:.1f}s)", flush=True)
    analyze()
    print(f"analyzed ({time.perf_counter() - started:.1f}s)", flush=True)
    print(json.dumps(_summary(rng, images, members)))


def _summary(rng, images, members):
    live = [image for image in images if not image.deleted and image.status != "killed"]
    sample = rng.sample(live, 10)
    return {
        "ids": [image.id for image in sample], "names": [image.name for image in sample if image.name],
        "checksum": next(image.checksum for image in sample if image.checksum),
        "os_hash_value": next(image.os_hash_value for image in sample if image.os_hash_value),
        "middle": images[len(images) // 2].created_at.isoformat(),
        "members": len(members),
    }
