import json
from pathlib import Path

from django.core.management.base import BaseCommand

from metadefs.selectors import namespaces_for_export
from metadefs.vendor import export_file_name, namespace_export


class Command(BaseCommand):
    help = "Write every metadef namespace to DIR in Glance's file format, one JSON file each."

    def add_arguments(self, parser):
        parser.add_argument("directory")

    def handle(self, directory, **options):
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        namespaces = list(namespaces_for_export())
        for index, namespace in enumerate(namespaces, 1):
            path = target / export_file_name(namespace.namespace)
            path.write_text(json.dumps(namespace_export(namespace), indent=4, ensure_ascii=False) + "\n",
                            encoding="utf-8")
            self.stdout.write(f"[{index}/{len(namespaces)}] {namespace.namespace} -> {path.name}")
        self.stdout.write(f"Exported {len(namespaces)} namespace(s) to {target}")
