from django.db import models


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public"
    PRIVATE = "private", "Private"


PROPERTY_TYPES = ("array", "boolean", "integer", "number", "object", "string")
NAME_MAX_LENGTH = 80
