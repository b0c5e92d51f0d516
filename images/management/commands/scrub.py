import time

from django.core.management.base import BaseCommand, CommandError

from images.scrubber import image_restore, scrub
from project.errors import DomainError


class Command(BaseCommand):
    help = ("Delayed delete: remove the data of pending_delete images older than SCRUB_TIME and mark them deleted; "
            "--restore IMAGE_ID brings one back to active. Safe to run on several nodes at once.")

    def add_arguments(self, parser):
        parser.add_argument("--restore", metavar="IMAGE_ID")
        parser.add_argument("--daemon", action="store_true", help="scrub every --wakeup-time seconds until stopped")
        parser.add_argument("--wakeup-time", type=int, default=300)

    def handle(self, *args, restore, daemon, wakeup_time, **options):
        if restore:
            try:
                image_restore(image_id=restore)
            except DomainError as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(f"Restored image {restore} to active.")
            return
        while True:
            count = scrub(progress=lambda image_id: self.stdout.write(f"  scrubbed {image_id}"))
            self.stdout.write(f"Scrubbed {count} image(s).")
            if not daemon:
                return
            time.sleep(wakeup_time)
