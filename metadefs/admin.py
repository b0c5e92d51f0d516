"""The management UI of the metadefs catalog.

Every write goes through metadefs.services with the admin's RequestContext,
so the admin enforces the API's rules: the forms run the same checks before
anything is saved, and protected namespaces (and resource types) refuse
deletion with the message the API would give.
"""
import json
import tempfile
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from metadefs import services
from metadefs.forms import (
    AssociationForm,
    MetadefObjectForm,
    NamespaceChildFormSet,
    NamespaceForm,
    NamespaceImportForm,
    PropertyForm,
    TagForm,
)
from metadefs.models import (MetadefObject, Namespace, Property, PropertyWarning, ResourceType,
                             ResourceTypeAssociation, Tag)
from metadefs.selectors import ASSOCIATIONS, namespaces_for_export
from metadefs.vendor import export_file_name, namespace_export, namespace_load, read_namespace_file
from project.auth.context import admin_context
from project.errors import DomainError, Forbidden

# A vendor namespace file is tens of kilobytes; this only stops a zip bomb.
MAX_IMPORT_FILE_BYTES = 10 * 1024 * 1024


class RefuseProtectedDeleteMixin:
    """Single and bulk delete refuse protected rows with the rule's own message.

    `ensure_deletable(obj)` raises Forbidden for a row that must stay.
    """

    ensure_deletable = None

    def _refusal(self, obj):
        try:
            self.ensure_deletable(obj)
        except Forbidden as exc:
            return exc.message
        return None

    def has_delete_permission(self, request, obj=None):
        # Hides the Delete button of a protected row; delete_view explains instead of a bare 403.
        return super().has_delete_permission(request, obj) and (obj is None or self._refusal(obj) is None)

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        refusal = obj is not None and self._refusal(obj)
        if refusal:
            self.message_user(request, refusal, messages.ERROR)
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                                                args=[obj.pk]))
        return super().delete_view(request, object_id, extra_context)

    @admin.action(permissions=["delete"], description="Delete selected %(verbose_name_plural)s")
    def delete_selected(self, request, queryset):
        refusals = [refusal for refusal in map(self._refusal, queryset) if refusal]
        for refusal in refusals:
            self.message_user(request, refusal, messages.ERROR)
        if refusals:
            return None
        return django_delete_selected(self, request, queryset)


# --- namespace children -----------------------------------------------------

class NamespaceChildInline:
    """An inline whose rows the services write; NamespaceAdmin.save_formset calls these."""

    formset = NamespaceChildFormSet
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.writer = self
        return formset

    def create(self, context, namespace, form):
        raise NotImplementedError

    def replace(self, context, form):
        raise NotImplementedError

    def delete(self, context, child):
        services.child_delete(context=context, child=child)


class PropertyInline(NamespaceChildInline, admin.TabularInline):
    model = Property
    form = PropertyForm

    def create(self, context, namespace, form):
        return services.property_create(context=context, namespace=namespace, document=form.document())

    def replace(self, context, form):
        return services.property_replace(context=context, prop=form.instance, document=form.document())


class MetadefObjectInline(NamespaceChildInline, admin.StackedInline):
    model = MetadefObject
    form = MetadefObjectForm

    def create(self, context, namespace, form):
        return services.object_create(context=context, namespace=namespace, document=form.document())

    def replace(self, context, form):
        return services.object_replace(context=context, obj=form.instance, document=form.document())


class TagInline(NamespaceChildInline, admin.TabularInline):
    model = Tag
    form = TagForm

    def create(self, context, namespace, form):
        return services.tag_create(context=context, namespace=namespace, name=form.cleaned_data["name"])

    def replace(self, context, form):
        return services.tag_rename(context=context, tag=form.instance, document=form.document())


class AssociationInline(NamespaceChildInline, admin.TabularInline):
    model = ResourceTypeAssociation
    form = AssociationForm
    verbose_name = "resource type association"

    def create(self, context, namespace, form):
        return services.association_create(context=context, namespace=namespace, document=form.document())

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "resource_type":
            # Only "+" (a new resource type) makes sense here; editing or deleting the
            # type itself from a namespace's page would reach every other namespace.
            formfield.widget.can_change_related = formfield.widget.can_delete_related = False
            formfield.widget.can_view_related = False
        return formfield

    def replace(self, context, form):
        # AssociationForm disables saved rows: Glance has no update of an association.
        raise AssertionError("associations are never changed in place")

    def delete(self, context, child):
        services.association_delete(context=context, association=child)


# --- namespaces -------------------------------------------------------------

@admin.register(Namespace)
class NamespaceAdmin(RefuseProtectedDeleteMixin, admin.ModelAdmin):
    form = NamespaceForm
    ensure_deletable = staticmethod(services.ensure_deletable)
    list_display = ["namespace", "display_name", "visibility", "protected", "enforced", "owner", "resource_types",
                    "updated_at"]
    list_filter = [
        "visibility",
        "protected",
        ("resource_type_associations__resource_type", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["namespace", "display_name", "description"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["namespace", "display_name", "description"]}),
        ("Access", {"fields": ["visibility", "protected", "owner"]}),
        ("Governance", {"fields": ["enforced"]}),
    ]
    inlines = [AssociationInline, PropertyInline, MetadefObjectInline, TagInline]
    actions = ["delete_selected", "export_namespaces"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(ASSOCIATIONS)

    def get_fieldsets(self, request, obj=None):
        history = ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]})
        return [*self.fieldsets, history] if obj else self.fieldsets

    @admin.display(description="resource types")
    def resource_types(self, namespace):
        return ", ".join(a.resource_type.name for a in namespace.resource_type_associations.all())

    # --- saving through the services

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            # The forms run the services' checks, so this is a rule they do not repeat or a
            # race (a name taken meanwhile). The view's transaction has rolled everything
            # back; validating the same POST again shows the refusal with the input kept.
            request.service_refusal = exc.message
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "service_refusal", None)
        return type(form.__name__, (form,), {"refusal": refusal}) if refusal else form

    def save_model(self, request, obj, form, change):
        if change:
            stored = Namespace.objects.get(pk=obj.pk)
            saved = services.namespace_replace(context=admin_context(), namespace=stored, document=form.document())
        else:
            saved = services.namespace_create(context=admin_context(), document=form.document())
        services.namespace_enforcement_set(namespace=saved, enforced=form.cleaned_data.get("enforced", saved.enforced))
        # The inline formsets and the response hold `obj`: it must become the saved row.
        for field in Namespace._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding, obj._state.db = False, saved._state.db

    def save_formset(self, request, form, formset, change):
        writer, context, namespace = formset.writer, admin_context(), form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.initial_forms:
            if formset._should_delete_form(row):
                writer.delete(context, row.instance)
                formset.deleted_objects.append(row.instance)
            elif row.has_changed():
                formset.changed_objects.append((writer.replace(context, row), row.changed_data))
        for row in formset.extra_forms:
            if row.has_changed() and not formset._should_delete_form(row):
                formset.new_objects.append(writer.create(context, namespace, row))

    def delete_model(self, request, obj):
        services.namespace_delete(context=admin_context(), namespace=obj)

    def delete_queryset(self, request, queryset):
        for namespace in queryset:
            services.namespace_delete(context=admin_context(), namespace=namespace)

    # --- export and import

    @admin.action(description="Export selected namespaces (Glance JSON)")
    def export_namespaces(self, request, queryset):
        # A fresh queryset: the changelist's already prefetches associations differently.
        namespaces = list(namespaces_for_export(Namespace.objects.filter(pk__in=queryset.values("pk"))))
        if len(namespaces) == 1:
            return _download(namespace_file_text(namespaces[0]), "application/json",
                             export_file_name(namespaces[0].namespace))
        buffer = BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for namespace in namespaces:
                archive.writestr(export_file_name(namespace.namespace), namespace_file_text(namespace))
        return _download(buffer.getvalue(), "application/zip", "metadef-namespaces.zip")

    def get_urls(self):
        import_url = path("import/", self.admin_site.admin_view(self.import_view), name="metadefs_namespace_import")
        return [import_url, *super().get_urls()]

    def import_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = NamespaceImportForm(request.POST or None, request.FILES or None)
        results = None
        if request.method == "POST" and form.is_valid():
            results = load_upload(form.cleaned_data["file"], form.cleaned_data["mode"])
            self._report_import(request, results)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import namespace file",
            "form": form,
            "results": results,
        }
        return TemplateResponse(request, "admin/metadefs/namespace/import.html", context)

    def _report_import(self, request, results):
        counts = {}
        for result in results:
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items())) or "no .json files"
        level = messages.WARNING if "failed" in counts or not results else messages.SUCCESS
        self.message_user(request, f"Imported {len(results)} file(s): {summary}.", level)


def namespace_file_text(namespace):
    """The file export_metadefs writes for `namespace`, byte for byte."""
    return json.dumps(namespace_export(namespace), indent=4, ensure_ascii=False) + "\n"


def _download(content, content_type, file_name):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


@dataclass
class ImportResult:
    file: str
    outcome: str
    detail: str = ""


def load_upload(upload, mode):
    """Load an uploaded .json file or each .json file of a .zip; one result per file.

    Each file loads in its own transaction, as with load_metadefs: a bad file
    is reported and the others still load.
    """
    with tempfile.TemporaryDirectory() as tmp:
        return [_load_file(label, file, mode) for label, file in _unpack(upload, Path(tmp))]


def _unpack(upload, tmp):
    """(label, path or ImportResult) per file, written under `tmp` so read_namespace_file can parse it."""
    if not upload.name.lower().endswith(".zip"):
        yield upload.name, _write(tmp / "upload" / Path(upload.name).name, upload.chunks())
        return
    try:
        archive = zipfile.ZipFile(upload)
    except zipfile.BadZipFile:
        yield upload.name, ImportResult(upload.name, "failed", "not a zip archive")
        return
    members = sorted((m for m in archive.infolist() if not m.is_dir() and m.filename.endswith(".json")),
                     key=lambda m: m.filename)
    for index, member in enumerate(members):
        label = f"{upload.name}/{member.filename}"
        if member.file_size > MAX_IMPORT_FILE_BYTES:
            yield label, ImportResult(label, "failed", f"larger than {MAX_IMPORT_FILE_BYTES} bytes")
            continue
        # Only the base name is kept: member names may hold "../" (zip slip).
        yield label, _write(tmp / str(index) / Path(member.filename).name, [archive.read(member)])


def _write(file, chunks):
    file.parent.mkdir(parents=True, exist_ok=True)
    with open(file, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
    return file


def _load_file(label, file, mode):
    if isinstance(file, ImportResult):
        return file
    try:
        document = read_namespace_file(file)
        outcome = namespace_load(document=document, mode=mode, context=admin_context())
    except DomainError as exc:
        # read_namespace_file names the temporary path; the person uploading knows the label.
        return ImportResult(label, "failed", exc.message.removeprefix(f"{file}: "))
    return ImportResult(label, outcome, document["namespace"])


# --- resource types ---------------------------------------------------------

def ensure_resource_type_deletable(resource_type):
    """Glance's resource types loaded from vendor files are protected; services have no delete."""
    if resource_type.protected:
        raise Forbidden(f"Resource type {resource_type.name} is protected and cannot be deleted.")


@admin.register(ResourceType)
class ResourceTypeAdmin(RefuseProtectedDeleteMixin, admin.ModelAdmin):
    ensure_deletable = staticmethod(ensure_resource_type_deletable)
    list_display = ["name", "protected", "namespace_count", "created_at", "updated_at"]
    list_filter = ["protected"]
    search_fields = ["name"]
    fields = ["name", "protected", "created_at", "updated_at"]
    actions = ["delete_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(namespace_count=Count("associations"))

    def get_readonly_fields(self, request, obj=None):
        # Associations and the API name a resource type by its name: it is fixed once created.
        return ["created_at", "updated_at", *(["name"] if obj else [])]

    @admin.display(description="namespaces", ordering="namespace_count")
    def namespace_count(self, resource_type):
        return resource_type.namespace_count

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        saved = services.resource_type_get_or_create(obj.name, protected=obj.protected)
        obj.pk, obj.created_at, obj.updated_at = saved.pk, saved.created_at, saved.updated_at
        obj._state.adding = False


@admin.register(PropertyWarning)
class PropertyWarningAdmin(admin.ModelAdmin):
    """What METADEF_ENFORCEMENT=warn let through: read only, removable once looked at."""

    list_display = ["created_at", "image_id", "property", "value", "namespace", "reason", "request_id"]
    list_filter = ["namespace", "property"]
    search_fields = ["image_id", "property", "request_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
