"""Keeping the database small: what soft-deleted images leave behind, removed in bounded batches.

As Glance since OSSN-0075, the image rows themselves stay by default: their ids must never be
given out again, and a removed row would free its id. `images=True` (Glance's purge_images_table)
removes the rows too, for operators who accept that; rows whose data is still being removed
(a copy pending deletion) are never touched.
"""
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from images.models import Image, ImageMember, ImageProperty, ImageTag, Task

DETAILS = (ImageProperty, ImageTag, ImageMember)
FINISHED_RUNS = ("SUCCESSFUL", "FAILED")


def purge_deleted(*, age_in_days, max_rows=1000, images=False, progress=lambda table, count: None):
    """Remove what belongs to images deleted more than `age_in_days` ago; return rows removed per table.

    Each batch deletes at most `max_rows` rows in its own transaction, so a large purge never holds
    a long lock; `progress(table, count)` is called after each batch.
    """
    cutoff = timezone.now() - timedelta(days=age_in_days)
    expired = Image.all_objects.filter(deleted=True, deleted_at__lt=cutoff)
    removed = {}
    for model in DETAILS:
        removed[model._meta.db_table] = _in_batches(model.objects.filter(image__in=expired), max_rows, progress)
    if images:
        settled = expired.exclude(locations__isnull=False)
        removed[Image._meta.db_table] = _in_batches(settled, max_rows, progress)
    removed.update(_tasks_purged(cutoff, max_rows, progress))
    return removed


def _tasks_purged(cutoff, max_rows, progress):
    """Import tasks past their expires_at (no longer listed) before `cutoff`, and the task engine's
    records of runs that finished before it."""
    from django_tasks_db.models import DBTaskResult

    runs = DBTaskResult.objects.filter(status__in=FINISHED_RUNS, finished_at__lt=cutoff)
    return {Task._meta.db_table: _in_batches(Task.objects.filter(expires_at__lt=cutoff), max_rows, progress),
            DBTaskResult._meta.db_table: _in_batches(runs, max_rows, progress)}


def _in_batches(queryset, max_rows, progress):
    total = 0
    while True:
        with transaction.atomic():
            ids = list(queryset.values_list("pk", flat=True)[:max_rows])
            if not ids:
                return total
            queryset.model._base_manager.filter(pk__in=ids).delete()
        total += len(ids)
        progress(queryset.model._meta.db_table, total)
