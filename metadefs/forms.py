"""Forms of the metadefs admin.

Each form turns what was typed into the document the API would receive and
checks it with the same schema and definition checks the services run, so a
bad definition becomes a form error (and nothing is saved) instead of a
failed save. The admin then hands `form.document()` to the services, which
keep the last word: a refusal at save time is shown on the form too.
"""
import json

from django import forms
from django.contrib.admin.widgets import AdminRadioSelect
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from metadefs import schemas
from metadefs.models import MetadefObject, Namespace, Property, ResourceTypeAssociation, Tag
from metadefs.services import ensure_deletable
from metadefs.validation import check_property_definition, validate_document
from metadefs.vendor import Mode
from project.errors import DomainError, Forbidden


def _checked(check, *args):
    """Run a validation function, turning its domain error into a form error."""
    try:
        check(*args)
    except DomainError as exc:
        raise ValidationError(exc.message) from None


def _without_empty(document):
    # The wire schemas type optional fields as strings: "unset" is leaving them out, not null.
    return {key: value for key, value in document.items() if value not in (None, "")}


class PrettyJSONField(forms.JSONField):
    """JSON edited in a monospace textarea, indented so definitions read like the vendor files."""

    def __init__(self, *, rows=8, **kwargs):
        attrs = {"rows": rows, "cols": 80, "class": "vLargeTextField", "spellcheck": "false",
                 "style": "font-family: monospace"}
        super().__init__(widget=forms.Textarea(attrs=attrs), **kwargs)

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False, cls=self.encoder)


class NameListField(forms.CharField):
    """A list of names typed as "a, b, c" (an object's required properties)."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [name.strip() for name in (value or "").split(",") if name.strip()]

    def has_changed(self, initial, data):
        return (initial or []) != self.to_python(data)


# --- namespace --------------------------------------------------------------

class NamespaceForm(forms.ModelForm):
    # What the services refused when this same POST was saved (see NamespaceAdmin.changeform_view).
    refusal = None

    class Meta:
        model = Namespace
        fields = ["namespace", "display_name", "description", "visibility", "protected", "owner"]
        help_texts = {
            "owner": "Project that owns the namespace; empty means the admin project.",
            "protected": "A protected namespace, and everything in it, cannot be deleted.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].required = False

    # What the API's namespace document holds: the admin's form adds fields of its own (`enforced`).
    WIRE_FIELDS = ("namespace", "display_name", "description", "visibility", "protected", "owner")

    def document(self):
        data = self.cleaned_data
        return _without_empty({name: data.get(name) for name in self.WIRE_FIELDS})

    def clean(self):
        cleaned = super().clean()
        if self.refusal:
            raise ValidationError(self.refusal)
        if not self.errors:
            _checked(validate_document, schemas.NAMESPACE, self.document(), "namespace")
        return cleaned


# --- children of a namespace ------------------------------------------------

class PropertyForm(forms.ModelForm):
    schema = PrettyJSONField(
        label="Definition",
        help_text='JSON schema of the property without its name, e.g. {"title": "CPU policy", '
                  '"type": "string", "enum": ["shared", "dedicated"]}.',
    )

    class Meta:
        model = Property
        fields = ["name", "schema"]

    def document(self):
        return {**self.cleaned_data["schema"], "name": self.cleaned_data["name"]}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        name, definition = cleaned["name"], cleaned["schema"]
        if not isinstance(definition, dict):
            raise ValidationError({"schema": f"Property '{name}': the definition must be a JSON object."})
        try:
            validate_document(schemas.PROPERTY, self.document(), f"property '{name}'")
            check_property_definition(name, {key: value for key, value in definition.items() if key != "name"})
        except DomainError as exc:
            raise ValidationError({"schema": exc.message}) from None
        return cleaned


class MetadefObjectForm(forms.ModelForm):
    required = NameListField(required=False, help_text="Names of required properties, comma-separated.")
    properties = PrettyJSONField(
        rows=10, required=False,
        help_text='Property name -> definition, e.g. {"sockets": {"title": "Sockets", "type": "integer"}}.',
    )

    class Meta:
        model = MetadefObject
        fields = ["name", "description", "required", "properties"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2, "cols": 60})}

    def document(self):
        data = self.cleaned_data
        return {
            **_without_empty({"name": data["name"], "description": data.get("description")}),
            "required": data.get("required") or [],
            "properties": data.get("properties") or {},
        }

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        properties = cleaned.get("properties") or {}
        if not isinstance(properties, dict):
            raise ValidationError({"properties": "Properties must be a JSON object of name -> definition."})
        try:
            validate_document(schemas.OBJECT, self.document(), f"object '{cleaned['name']}'")
            for name, definition in properties.items():
                check_property_definition(name, definition)
        except DomainError as exc:
            raise ValidationError({"properties": exc.message}) from None
        return cleaned


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name"]

    def document(self):
        return {"name": self.cleaned_data["name"]}

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            _checked(validate_document, schemas.TAG, self.document(), "tag")
        return cleaned


class AssociationForm(forms.ModelForm):
    """Glance only creates and deletes associations, so saved rows are shown read-only."""

    class Meta:
        model = ResourceTypeAssociation
        fields = ["resource_type", "prefix", "properties_target"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for field in self.fields.values():
                field.disabled = True

    def document(self):
        data = self.cleaned_data
        return _without_empty({"name": data["resource_type"].name, "prefix": data.get("prefix"),
                               "properties_target": data.get("properties_target")})

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.instance.pk:
            _checked(validate_document, schemas.RESOURCE_TYPE_ASSOCIATION, self.document(),
                     "resource type association")
        return cleaned


class NamespaceChildFormSet(BaseInlineFormSet):
    """An inline whose rows are written by the services (see NamespaceAdmin.save_formset).

    Deletions are checked against the namespace as stored: what the form
    says about `protected` is not saved yet when the rows are validated.
    """

    def clean(self):
        super().clean()
        deleting = [form for form in self.forms if form.instance.pk and self._should_delete_form(form)]
        if deleting and self.instance.pk:
            stored = Namespace.objects.get(pk=self.instance.pk)
            try:
                ensure_deletable(stored)
            except Forbidden as exc:
                raise ValidationError(exc.message) from None


# --- import -----------------------------------------------------------------

MODE_LABELS = {
    Mode.SKIP: "Skip: leave existing namespaces as they are",
    Mode.MERGE: "Merge: add what existing namespaces lack",
    Mode.PREFER_NEW: "Merge, prefer new: add what is missing, the file wins on conflicts",
    Mode.OVERWRITE: "Overwrite: replace existing namespaces whole",
}


class NamespaceImportForm(forms.Form):
    file = forms.FileField(help_text="A Glance namespace file (.json) or a .zip of them.")
    mode = forms.ChoiceField(choices=[(mode.value, label) for mode, label in MODE_LABELS.items()],
                             initial=Mode.SKIP.value, widget=AdminRadioSelect(attrs={"class": "radiolist"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".json", ".zip")):
            raise ValidationError("Upload a .json namespace file or a .zip of them.")
        return upload

    def clean_mode(self):
        return Mode(self.cleaned_data["mode"])
