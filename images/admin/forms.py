"""The image change form: what PATCH /v2/images/{id} may change, checked as the API checks it.

The form's changes become one JSON patch (`changes`) that ImageAdmin.save_model hands to
images.services.image_update; the patch parser and the metadefs' enforcement run here first, so
their refusals are shown on the form beside the field at fault.
"""
from django import forms

from images import patch, services
from images.choices import CONTAINER_FORMATS, DISK_FORMATS, HIDDEN
from images.models import Image
from metadefs import governance
from project.errors import DomainError

ALWAYS_EDITABLE = ("name", "os_hidden", "min_disk", "min_ram")
BASE_FIELDS = (*ALWAYS_EDITABLE, *services.FORMAT_FIELDS)


def _format_choice(formats):
    return forms.TypedChoiceField(choices=[("", "-"), *((name, name) for name in formats)], required=False,
                                  empty_value=None)


def shown_properties(image):
    return {name: value for name, value in image.properties.values_list("name", "value") if name not in HIDDEN}


class ImageForm(forms.ModelForm):
    # Every field the detail page shows; editable() says which of them the API lets an administrator change.
    READ_ONLY = ("id", "status", "visibility", "owner", "protected", "size", "virtual_size", "checksum",
                 "os_hash_algo", "os_hash_value", "created_at", "updated_at", *services.FORMAT_FIELDS,
                 *ALWAYS_EDITABLE)
    disk_format = _format_choice(DISK_FORMATS)
    container_format = _format_choice(CONTAINER_FORMATS)
    properties = forms.JSONField(
        required=False, widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        help_text="Custom properties as a JSON object of strings; a name left out is removed.")

    class Meta:
        model = Image
        fields = BASE_FIELDS

    @staticmethod
    def editable(image):
        formats = services.FORMAT_FIELDS if image.status in services.FORMATS_EDITABLE_IN else ()
        return (*ALWAYS_EDITABLE, *formats)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.old_properties = shown_properties(self.instance) if self.instance.pk else {}
        self.fields["properties"].initial = self.old_properties
        self.changes = []

    def clean_properties(self):
        value = self.cleaned_data["properties"]
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError("Enter a JSON object: property name -> string value.")
        return value

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            self.changes = self._base_changes(cleaned) + self._property_changes(cleaned.get("properties", {}))
        return cleaned

    def _base_changes(self, cleaned):
        names = [name for name in self.changed_data if name in BASE_FIELDS]
        return self._parse([{"op": "replace", "path": f"/{name}", "value": cleaned[name]} for name in names], None)

    def _property_changes(self, new):
        old = self.old_properties
        operations = [{"op": "remove", "path": f"/{name}"} for name in old if name not in new]
        operations += [{"op": "add", "path": f"/{name}", "value": value}
                       for name, value in new.items() if old.get(name) != value]
        changes = self._parse(operations, "properties")
        # The same check, and the same decision, as the API's (metadefs.governance).
        violations = governance.image_property_violations({c.name: c.value for c in changes if c.op == "add"})
        if governance.refuses(violations):
            self.add_error("properties", [str(violation) for violation in violations])
        return changes

    def _parse(self, operations, field):
        try:
            return patch.parse_patch(operations, patch.V21)
        except DomainError as exc:
            self.add_error(field, exc.message)
            return []
