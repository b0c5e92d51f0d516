import socket

from django.core.management.base import BaseCommand, CommandError

from images.recovery import imports_recover, uploads_recover


class Command(BaseCommand):
    help = ("Return images whose upload process died (status saving or uploading) to queued and remove their "
            "partial data. Each node does this for its own processes when its workers start; --dead-host does it, "
            "from any node, for a node that is gone for good (and fails its running imports at once).")

    def add_arguments(self, parser):
        parser.add_argument("--dead-host", metavar="HOSTNAME",
                            help="a node that will not come back (its host name, as its uploads record it)")

    def handle(self, *, dead_host, **options):
        if dead_host == socket.gethostname():
            raise CommandError(f"--dead-host {dead_host} is this node: run it without --dead-host, which undoes "
                               "the uploads of this node's dead processes only.")
        count = uploads_recover(dead_host)
        self.stdout.write(f"Recovered {count} interrupted upload(s).")
        if dead_host:
            self.stdout.write(f"Failed {imports_recover(dead_host)} import task(s) of {dead_host}.")
