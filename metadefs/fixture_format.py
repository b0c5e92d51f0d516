"""`manage.py loaddata vendor_namespaces`: Django's fixture loader reading Glance-format files.

The fixture file (fixtures/vendor_namespaces.metadefs) only names the
directory of Glance-format namespace files, so those files stay the single
source of truth for both loaddata and load_metadefs.
"""
import json
from pathlib import Path

from django.core.serializers import base
from django.core.serializers.python import Serializer as PythonSerializer

from metadefs.models import Namespace
from metadefs.vendor import namespace_files, namespace_load, read_namespace_file
from project.errors import DomainError


class Serializer(PythonSerializer):
    """Not used for dumping: use `manage.py export_metadefs` to write Glance-format files."""

    internal_use_only = False

    def end_serialization(self):
        raise base.SerializationError("Use `manage.py export_metadefs DIR` to export namespaces.")


def Deserializer(stream_or_string, **options):
    manifest = json.loads(stream_or_string.read() if hasattr(stream_or_string, "read") else stream_or_string)
    base_dir = Path(getattr(stream_or_string, "name", ".")).parent
    for path in namespace_files(base_dir / manifest["directory"]):
        try:
            document = read_namespace_file(path)
            namespace_load(document=document)
        except DomainError as exc:
            raise base.DeserializationError(exc.message) from None
        # Already saved by the loader; loaddata's own save of it is a no-op update.
        yield base.DeserializedObject(Namespace.objects.get(namespace=document["namespace"]))
