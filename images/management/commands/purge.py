from django.core.management.base import BaseCommand, CommandError

from images.reapers import purge_deleted


class Command(BaseCommand):
    help = ("Remove the properties, tags and members of images deleted more than --age-in-days ago, import tasks "
            "expired and task runs finished that long ago, in batches (Glance's db purge); with --images also the "
            "image rows themselves (Glance's purge_images_table), which frees their ids for reuse.")

    def add_arguments(self, parser):
        parser.add_argument("--age-in-days", type=int, default=30)
        parser.add_argument("--max-rows", type=int, default=1000, help="rows deleted per batch (transaction)")
        parser.add_argument("--images", action="store_true", help="also remove the deleted image rows")

    def handle(self, *args, age_in_days, max_rows, images, **options):
        if age_in_days < 0 or max_rows < 1:
            raise CommandError("--age-in-days must be >= 0 and --max-rows >= 1")
        removed = purge_deleted(age_in_days=age_in_days, max_rows=max_rows, images=images,
                                progress=lambda table, count: self.stdout.write(f"  {table}: {count} rows removed"))
        summary = ", ".join(f"{table} {count}" for table, count in removed.items())
        self.stdout.write(f"Purged images deleted more than {age_in_days} day(s) ago: {summary} "
                          f"({sum(removed.values())} rows).")
