"""The image changelist's filters and search that the admin's built-in ones cannot express."""
from django.contrib import admin
from django.db.models import Exists, OuterRef, Q
from django.utils.text import smart_split, unescape_string_literal

from images.choices import LocationStatus, Status
from images.models import ImageLocation, ImageProperty
from images.stores import registry


def _active_copies():
    return ImageLocation.objects.filter(image=OuterRef("pk"), status=LocationStatus.ACTIVE)


class StoreFilter(admin.SimpleListFilter):
    """Images with a copy of their data in a store: the configured stores and any other a copy names."""

    title = "store"
    parameter_name = "store"

    def lookups(self, request, model_admin):
        stored = ImageLocation.objects.filter(status=LocationStatus.ACTIVE).values_list("store", flat=True)
        return [(store, store) for store in sorted({*registry.image_stores(), *stored.distinct()})]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(Exists(_active_copies().filter(store=self.value())))


class StatusFilter(admin.SimpleListFilter):
    """The statuses a listed image can have: deleted and pending_delete images are not listed (they are
    deleted rows, which `manage.py scrub` and `purge` look after), so offering them would list nothing."""

    title = "status"
    parameter_name = "status__exact"
    HIDDEN = (Status.DELETED, Status.PENDING_DELETE)

    def lookups(self, request, model_admin):
        return [(value, label) for value, label in Status.choices if value not in self.HIDDEN]

    def queryset(self, request, queryset):
        return queryset if self.value() is None else queryset.filter(status=self.value())


def search_q(term):
    """An image whose name contains `term`, whose id starts with it, whose md5 checksum or os_hash_value
    is it, or with a property value containing it (`name=value`: that property's value). Properties are
    matched in a subquery, so an image with several matching properties is still one row."""
    if "=" in term:
        name, value = term.split("=", 1)
        return Q(Exists(ImageProperty.objects.filter(image=OuterRef("pk"), name=name, value__icontains=value)))
    matching = ImageProperty.objects.filter(image=OuterRef("pk"), value__icontains=term)
    # Ids and hashes are stored in lower case: compared so, they need no case-insensitive lookup (MariaDB's
    # binary collation makes istartswith and iexact case-sensitive; project/lookups.py fixes icontains only).
    lowered = term.lower()
    return (Q(name__icontains=term) | Q(id__startswith=lowered) | Q(checksum=lowered)
            | Q(os_hash_value=lowered) | Q(Exists(matching)))


def search(queryset, search_term):
    """Every word of `search_term` (quoted phrases kept together) must match, as in the admin's own search."""
    for word in smart_split(search_term):
        if word[0] in "\"'" and word[0] == word[-1]:
            word = unescape_string_literal(word)
        queryset = queryset.filter(search_q(word))
    return queryset
