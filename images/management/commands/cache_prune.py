from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from images import cache, cache_manage


class Command(BaseCommand):
    help = ("Remove the least recently used images from this node's cache until it holds at most "
            "IMAGE_CACHE_MAX_SIZE bytes (Glance's glance-cache-pruner).")

    def handle(self, *args, **options):
        if not cache.enabled():
            raise CommandError("IMAGE_CACHE_DIR is not set: this node has no image cache.")
        files, freed = cache_manage.cache_prune()
        self.stdout.write(f"Pruned {files} file(s), {freed} byte(s); the cache holds {cache_manage.cache_size()} "
                          f"of {settings.IMAGE_CACHE_MAX_SIZE} byte(s).")
