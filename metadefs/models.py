"""The metadefs catalog: namespaces and what they contain.

Rules with side effects (protection, cascades, validation of property
definitions) live in services.py; these models only describe storage.
"""
from django.db import models

from metadefs.choices import NAME_MAX_LENGTH, Visibility


class Timestamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Namespace(Timestamped):
    namespace = models.CharField(max_length=NAME_MAX_LENGTH, unique=True)
    display_name = models.CharField(max_length=NAME_MAX_LENGTH, blank=True, null=True)
    description = models.TextField(max_length=500, blank=True, null=True)
    visibility = models.CharField(max_length=32, choices=Visibility.choices, default=Visibility.PRIVATE)
    protected = models.BooleanField(default=False)
    owner = models.CharField(max_length=255)
    # Its property definitions govern image properties (METADEF_ENFORCEMENT); not part of the wire body.
    enforced = models.BooleanField(default=False, help_text="Check image properties against this namespace's "
                                   "definitions (when METADEF_ENFORCEMENT is warn or enforce).")

    class Meta:
        ordering = ["namespace"]
        indexes = [models.Index(fields=["created_at", "id"]), models.Index(fields=["owner"])]

    def __str__(self):
        return self.namespace


class ResourceType(Timestamped):
    name = models.CharField(max_length=NAME_MAX_LENGTH, unique=True)
    protected = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ResourceTypeAssociation(Timestamped):
    namespace = models.ForeignKey(Namespace, on_delete=models.CASCADE, related_name="resource_type_associations")
    resource_type = models.ForeignKey(ResourceType, on_delete=models.PROTECT, related_name="associations")
    prefix = models.CharField(max_length=NAME_MAX_LENGTH, blank=True, null=True)
    properties_target = models.CharField(max_length=NAME_MAX_LENGTH, blank=True, null=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["namespace", "resource_type"],
                name="unique_resource_type_per_namespace",
                violation_error_message="The namespace is already associated with this resource type.",
            )
        ]

    def __str__(self):
        return f"{self.namespace} -> {self.resource_type}"


class NamespaceChild(Timestamped):
    """Objects, properties and tags: named uniquely within their namespace."""

    name = models.CharField(max_length=NAME_MAX_LENGTH)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return f"{self.namespace}/{self.name}"


class Property(NamespaceChild):
    namespace = models.ForeignKey(Namespace, on_delete=models.CASCADE, related_name="properties")
    # The JSON-schema fragment, without its name.
    schema = models.JSONField(default=dict)

    class Meta(NamespaceChild.Meta):
        verbose_name_plural = "properties"
        constraints = [
            models.UniqueConstraint(
                fields=["namespace", "name"],
                name="unique_property_name",
                violation_error_message="A property with this name already exists in the namespace.",
            )
        ]


class MetadefObject(NamespaceChild):
    namespace = models.ForeignKey(Namespace, on_delete=models.CASCADE, related_name="metadef_objects")
    description = models.TextField(blank=True, null=True)
    required = models.JSONField(default=list, blank=True)
    # name -> JSON-schema fragment, as in a namespace's properties.
    properties = models.JSONField(default=dict, blank=True)

    class Meta(NamespaceChild.Meta):
        verbose_name = "object"
        constraints = [
            models.UniqueConstraint(
                fields=["namespace", "name"],
                name="unique_object_name",
                violation_error_message="An object with this name already exists in the namespace.",
            )
        ]


class Tag(NamespaceChild):
    namespace = models.ForeignKey(Namespace, on_delete=models.CASCADE, related_name="tags")

    class Meta(NamespaceChild.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["namespace", "name"],
                name="unique_tag_name",
                violation_error_message="A tag with this name already exists in the namespace.",
            )
        ]


class PropertyWarning(models.Model):
    """An image property accepted under METADEF_ENFORCEMENT=warn although its definition refuses it."""

    image_id = models.CharField(max_length=36)
    property = models.CharField(max_length=NAME_MAX_LENGTH)
    value = models.TextField()
    namespace = models.CharField(max_length=NAME_MAX_LENGTH)
    reason = models.TextField()
    request_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at", "id"])]

    def __str__(self):
        return f"{self.image_id} {self.property}: {self.reason}"
