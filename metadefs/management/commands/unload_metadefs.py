from django.core.management.base import BaseCommand

from metadefs.vendor import catalog_unload


class Command(BaseCommand):
    help = "Delete every metadef namespace and resource type, protected ones included."

    def handle(self, **options):
        count = catalog_unload()
        self.stdout.write(f"Unloaded {count} namespace(s); the catalog is empty.")
