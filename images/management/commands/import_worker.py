"""manage.py import_worker: run import tasks (django_tasks_db's db_worker on this node's queues), and the
fills of this node's image cache queued with PUT /v2/cache/{id} (they are on this node's queue).

It first fails the tasks of workers that died (images.recovery.imports_recover), then takes jobs
from the shared queue and from this node's own queue (imports of data staged here).
"""
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from images import jobs, recovery
from project.database import is_unavailable


class Command(BaseCommand):
    help = "Run interoperable-import tasks and image cache fills: this node's queue and the shared one."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Run the tasks waiting now, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls of the queue.")

    def handle(self, *, batch, interval, verbosity, **options):
        try:
            failed = recovery.imports_recover()
        except DatabaseError as exc:
            if not is_unavailable(exc):
                raise
            # manage.py serve starts it again, later each time (project/serving/restarts.py)
            raise CommandError(f"The database cannot be reached: {exc}") from None
        if failed:
            self.stderr.write(f"Failed {failed} import task(s) whose worker had stopped.")
        queues = ",".join((jobs.DEFAULT_QUEUE, jobs.node_queue(settings.NODE_NAME)))
        arguments = ["--queue-name", queues, "--interval", str(interval), "--no-startup-delay"]
        call_command("db_worker", *arguments, *(["--batch"] if batch else []), verbosity=verbosity)
