"""manage.py check_image_properties: which existing images hold property values their metadef definitions refuse.

It reads and reports only: changing a definition never rewrites images (METADEF_ENFORCEMENT checks
what is set from then on).
"""
import json

from django.core.management.base import BaseCommand, CommandError

from images.models import Image, ImageProperty
from metadefs import governance

BATCH = 500


class Command(BaseCommand):
    help = "Report images whose properties violate the definitions of enforced namespaces (or of --namespace)."

    def add_arguments(self, parser):
        parser.add_argument("--namespace", help="Check against this namespace (enforced or not) only.")
        parser.add_argument("--json", action="store_true", help="Print the violations as JSON lines.")

    def handle(self, *, namespace, **options):
        rules = governance.rules_of(namespace)
        if namespace and not rules:
            raise CommandError(f"Namespace {namespace!r} defines no image properties (no OS::Glance::Image "
                               "association, or no such namespace).")
        checked = found = 0
        ids = list(Image.objects.order_by("id").values_list("id", flat=True))
        for start in range(0, len(ids), BATCH):
            for image_id, violation in self._violations(ids[start:start + BATCH], rules):
                found += 1
                self._print(image_id, violation, options["json"])
            checked = min(start + BATCH, len(ids))
            self.stderr.write(f"checked {checked}/{len(ids)} images, {found} violation(s)")
        self.stdout.write(f"{checked} images checked against {len(rules)} definitions: {found} violation(s).")

    @staticmethod
    def _violations(image_ids, rules):
        by_image = {}
        rows = ImageProperty.objects.filter(image_id__in=image_ids, name__in=rules).values_list("image_id", "name",
                                                                                               "value")
        for image_id, name, value in rows:
            by_image.setdefault(image_id, {})[name] = value
        for image_id in sorted(by_image):
            for violation in governance.image_property_violations(by_image[image_id], rules):
                yield image_id, violation

    def _print(self, image_id, violation, as_json):
        if as_json:
            self.stdout.write(json.dumps({"image_id": image_id, "property": violation.name,
                                          "namespace": violation.namespace, "reason": violation.reason}))
        else:
            self.stdout.write(f"{image_id}: {violation}")
