from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from metadefs.vendor import Mode, namespace_files, namespace_load, read_namespace_file
from project.errors import DomainError


class Command(BaseCommand):
    help = "Load metadef namespaces from Glance-format JSON files (a file or a directory)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--merge", action="store_true", help="Add what existing namespaces lack.")
        parser.add_argument("--prefer-new", action="store_true", help="With --merge: the file wins on conflicts.")
        parser.add_argument("--overwrite", action="store_true", help="With --merge: replace existing namespaces.")

    def handle(self, path, merge, prefer_new, overwrite, **options):
        mode = self._mode(merge, prefer_new, overwrite)
        try:
            files = namespace_files(path)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        outcomes = Counter()
        for index, file in enumerate(files, 1):
            outcome = self._load_one(file, mode)
            outcomes[outcome] += 1
            self.stdout.write(f"[{index}/{len(files)}] {file.name}: {outcome}")
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items())) or "nothing to do"
        self.stdout.write(f"Loaded {len(files)} file(s) from {path}: {summary}")
        if outcomes["failed"]:
            raise CommandError(f"{outcomes['failed']} file(s) failed to load; see above.")

    def _load_one(self, file, mode):
        try:
            return namespace_load(document=read_namespace_file(file), mode=mode)
        except DomainError as exc:
            self.stderr.write(f"{file}: {exc.message.removeprefix(f'{file}: ')} (skipped)")
            return "failed"

    @staticmethod
    def _mode(merge, prefer_new, overwrite):
        if (prefer_new or overwrite) and not merge:
            raise CommandError("--prefer-new and --overwrite only apply with --merge.")
        if prefer_new and overwrite:
            raise CommandError("Choose one of --prefer-new and --overwrite.")
        if overwrite:
            return Mode.OVERWRITE
        if prefer_new:
            return Mode.PREFER_NEW
        return Mode.MERGE if merge else Mode.SKIP
