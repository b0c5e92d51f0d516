"""`manage.py serve`: the service as `make run` and the end-to-end tests run it (HAProxy + gunicorn)."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from project.serving.supervisor import Service, ServeError


class Command(BaseCommand):
    help = "Serve the API: HAProxy on --bind in front of gunicorn workers on a unix socket in GLANCE_DATA_DIR."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:9292", help="host:port, or fd://N for an inherited socket")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
        parser.add_argument("--threads", type=int, default=16,
                            help="threads per worker: requests served at once per worker (slow uploads hold one)")

    def handle(self, *args, bind, workers, threads, **options):
        service = Service(settings.DATA_DIR, bind=bind, workers=workers, threads=threads,
                          task_workers=settings.TASK_WORKERS)
        try:
            service.start()
        except ServeError as exc:
            raise CommandError(str(exc)) from None
        raise SystemExit(service.wait())
