from django.core.management.base import BaseCommand

from images.recovery import uploads_recover


class Command(BaseCommand):
    help = "Return images whose upload process died (status saving) to queued and remove their partial data."

    def handle(self, **options):
        count = uploads_recover()
        self.stdout.write(f"Recovered {count} interrupted upload(s).")
