from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from images import cache, cache_manage


class Command(BaseCommand):
    help = ("Remove invalid files from this node's cache (a file without its row) and partial files not "
            "written to for IMAGE_CACHE_STALL_TIME seconds (Glance's glance-cache-cleaner).")

    def add_arguments(self, parser):
        parser.add_argument("--stall-time", type=int, default=None,
                            help="seconds after which a partial file is stalled (default IMAGE_CACHE_STALL_TIME)")

    def handle(self, *args, stall_time, **options):
        if not cache.enabled():
            raise CommandError("IMAGE_CACHE_DIR is not set: this node has no image cache.")
        stall_time = settings.IMAGE_CACHE_STALL_TIME if stall_time is None else stall_time
        removed = cache_manage.cache_clean(stall_time)
        self.stdout.write(f"Removed {removed} invalid or stalled cache file(s) (stalled: older than {stall_time}s).")
