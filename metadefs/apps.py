from django.apps import AppConfig


class MetadefsConfig(AppConfig):
    name = "metadefs"
    verbose_name = "Metadata definitions"
