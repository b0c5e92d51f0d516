"""The admin's pages of the auditor's runs and findings: listed with filters, read only."""
import re

from django.urls import reverse

from images.models import AuditFinding
from tests.images.admin_support import admin_client, change_url  # noqa: F401 - a fixture
from tests.images.test_audit import damaged, run  # noqa: F401 - a fixture


def test_audit_findings_are_listed_read_only_with_filters(admin_client, damaged, settings):  # noqa: F811
    settings.NODE_NAME = "node-a"
    run()
    changelist = reverse("admin:images_auditfinding_changelist")
    page = admin_client.get(changelist).content.decode()
    assert damaged["bad"] in page and damaged["gone"] in page and "leftover" in page
    orphans = admin_client.get(changelist + "?kind__exact=orphan").content.decode()
    assert "leftover" in orphans and damaged["bad"] not in orphans
    assert "leftover" not in admin_client.get(changelist + "?store=os_glance_staging_store").content.decode()
    assert "node-a" in admin_client.get(reverse("admin:images_auditrun_changelist")).content.decode()
    finding = AuditFinding.objects.get(kind="corrupt")
    change = reverse("admin:images_auditfinding_change", args=[finding.pk])
    assert admin_client.get(change).status_code == 200  # a view, nothing to save
    assert admin_client.post(change, {"kind": "orphan"}).status_code == 403
    assert admin_client.get(reverse("admin:images_auditfinding_add")).status_code == 403
    assert AuditFinding.objects.get(pk=finding.pk).kind == "corrupt"


def test_the_image_page_shows_the_copies_the_audit_marked(admin_client, damaged):  # noqa: F811
    run("--fix")
    page = admin_client.get(change_url(damaged["bad"])).content.decode()
    assert "os_glance_audit_failed" in page and "corrupt in store file since" in page
    cells = re.findall(r'<td class="field-(store|status)">\s*<p>(.*?)</p>', page)
    assert cells == [("store", "file"), ("status", "Corrupt")]
