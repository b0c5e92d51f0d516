import sys

from django.core.management.base import BaseCommand, CommandError

from images.replication import ReplicationError, cli
from images.replication.auth import session_for
from images.replication.client import ImageAPI
from images.replication.compare import compare, size
from images.replication.dumpdir import DumpDirectory
from images.replication.dumping import dump
from images.replication.progress import human_bytes
from images.replication.runner import Options, livecopy


class Command(BaseCommand):
    # A client of two APIs: this service's own database and settings play no part.
    requires_system_checks = []

    help = ("Keep two image services in step through their v2 APIs (Glance's glance-replicator, for v2): "
            "livecopy, compare, dump, load, size. Ids are kept, identical images skipped, and a run cut short "
            "resumes without sending any image twice. Progress on stderr, a summary line on stdout.")

    def add_arguments(self, parser):
        cli.add_subcommands(parser)

    def handle(self, *args, subcommand, **options):
        try:
            failed = getattr(self, f"_{subcommand}")(options)
        except ReplicationError as exc:
            raise CommandError(str(exc)) from None
        if failed:
            sys.exit(1)

    def _sides(self, options):
        return self._side(options, "source", options["source"]), self._side(options, "target", options["target"])

    def _side(self, options, side, url):
        session = session_for(cli.credentials(options, side), timeout=options["timeout"],
                              blocksize=options["chunksize"])
        return ImageAPI(url, session, side)

    def _options(self, options):
        return Options(dont_replicate=frozenset(options["dontreplicate"].split()), metaonly=options["metaonly"],
                       chunk_size=options["chunksize"], saving_wait=options["saving_wait"])

    def _livecopy(self, options):
        source, target = self._sides(options)
        tally = livecopy(source, target, self._options(options))
        self.stdout.write(tally.line(f"Replicated {source.url} -> {target.url}"))
        return tally.failed

    def _load(self, options):
        source, target = DumpDirectory(options["dir"]), self._side(options, "target", options["target"])
        tally = livecopy(source, target, self._options(options))
        self.stdout.write(tally.line(f"Loaded {source.path} -> {target.url}"))
        return tally.failed

    def _dump(self, options):
        source = self._side(options, "source", options["source"])
        directory = DumpDirectory(options["dir"], create=True)
        tally = dump(source, directory, self._options(options))
        self.stdout.write(tally.line(f"Dumped {source.url} -> {directory.path}"))
        return tally.failed

    def _compare(self, options):
        source, target = self._sides(options)
        compared, differing = compare(source, target, self._options(options), report=self.stdout.write)
        self.stdout.write(f"Compared {compared} image(s) of {source.url} with {target.url}: "
                          f"{compared - differing} identical, {differing} differ.")
        return differing

    def _size(self, options):
        count, total = size(self._side(options, "source", options["source"]))
        self.stdout.write(f"Total size is {total} bytes ({human_bytes(total)}) across {count} active image(s).")
        return 0
