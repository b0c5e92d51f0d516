from django.core.management.base import BaseCommand, CommandError

from images import cache, cache_manage


class Command(BaseCommand):
    help = ("Fetch the images queued for this node's cache (PUT /v2/cache/{id}) into it, oldest first "
            "(Glance's glance-cache-prefetcher); an image that fails stays queued for the next run.")

    def handle(self, *args, **options):
        if not cache.enabled():
            raise CommandError("IMAGE_CACHE_DIR is not set: this node has no image cache.")
        queued = cache_manage.queued_listed()
        cached = 0
        for number, image_id in enumerate(queued, 1):
            done = cache_manage.image_prefetch(image_id)
            cached += done
            self.stdout.write(f"  [{number}/{len(queued)}] {image_id}: {'cached' if done else 'not cached'}")
        self.stdout.write(f"Prefetched {cached} of {len(queued)} queued image(s).")
