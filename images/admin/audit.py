"""What `manage.py audit` found, as the admin shows it: read only (the command writes these rows)."""
from django.contrib import admin

from images.models import AuditFinding, AuditRun


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by a command, shown as they are."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditRun)
class AuditRunAdmin(ReadOnlyAdmin):
    """The runs of `manage.py audit`, per node (the last 20 of each), with how many of each finding."""

    list_display = ("id", "node", "started_at", "finished_at", "stores", "hashed", "fix", "items", "bytes_read",
                    "counts")
    list_filter = ("node", "fix")


@admin.register(AuditFinding)
class AuditFindingAdmin(ReadOnlyAdmin):
    """What the audits found (newest run first) and what --fix did; the runs of several nodes side by side.
    Removing a finding changes nothing in the stores."""

    list_display = ("kind", "store", "url", "image_id", "size", "detail", "action", "run")
    list_filter = ("kind", "store", "run__node", "run")
    search_fields = ("image_id", "url")
    ordering = ("-run__started_at", "-run_id", "id")
    list_select_related = ("run",)
