"""The metadefs admin in real headless Chromium: what a person clicking through it gets.

Screenshots go to /tmp/admin_*.png so the pages can be looked at after a run.
"""
import json
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from metadefs import services
from metadefs.models import Namespace, Property
from project.auth.context import admin_context
from tests.browser.conftest import full_page_screenshot

pytestmark = pytest.mark.browser

SCREENSHOTS = "/tmp/admin_{}.png"


def screenshot(browser, name):
    """The whole page, not just the window, to /tmp/admin_<name>.png."""
    full_page_screenshot(browser, SCREENSHOTS.format(name))


def wait_for_download(directory, timeout=10):
    """The finished file in `directory` (until it is done Chromium writes .org.chromium.* and *.crdownload)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = [path for path in directory.iterdir()
                 if not path.name.startswith(".") and not path.name.endswith(".crdownload")]
        if files:
            return files[0]
        time.sleep(0.1)
    raise AssertionError(f"nothing downloaded to {directory} within {timeout}s")


def fill_new_namespace(browser, name, property_name, definition):
    browser.get(f"{browser.base_url}/admin/metadefs/namespace/add/")
    browser.find_element(By.ID, "id_namespace").send_keys(name)
    browser.find_element(By.ID, "id_display_name").send_keys("Made in the browser")
    browser.find_element(By.LINK_TEXT, "Add another Property").click()
    browser.find_element(By.ID, "id_properties-0-name").send_keys(property_name)
    schema = browser.find_element(By.ID, "id_properties-0-schema")
    schema.clear()
    schema.send_keys(definition)


def save(browser):
    browser.find_element(By.NAME, "_save").click()


def test_create_namespace_with_a_property(admin_browser):
    fill_new_namespace(admin_browser, "OS::Browser::Made", "cpu_policy",
                       '{"title": "CPU policy", "type": "string", "enum": ["shared", "dedicated"]}')
    screenshot(admin_browser, "namespace_add")
    save(admin_browser)
    message = admin_browser.find_element(By.CSS_SELECTOR, ".messagelist .success").text
    assert "OS::Browser::Made" in message and "was added successfully" in message
    admin_browser.find_element(By.LINK_TEXT, "OS::Browser::Made").click()
    screenshot(admin_browser, "namespace_change")
    assert Property.objects.get(namespace__namespace="OS::Browser::Made").schema == {
        "title": "CPU policy", "type": "string", "enum": ["shared", "dedicated"]}


def test_bad_definition_shows_the_reason_and_saves_nothing(admin_browser):
    fill_new_namespace(admin_browser, "OS::Browser::Bad", "ram",
                       '{"title": "RAM", "type": "integer", "minimum": 64, "maximum": 8}')
    save(admin_browser)
    assert admin_browser.find_element(By.CSS_SELECTOR, ".errornote").text == "Please correct the error below."
    error = admin_browser.find_element(By.ID, "id_properties-0-schema_error").text
    assert error == "Property 'ram' is not a usable definition: minimum (64) is greater than maximum (8)"
    # The typed definition is still there to be fixed.
    assert '"minimum": 64' in admin_browser.find_element(By.ID, "id_properties-0-schema").get_attribute("value")
    screenshot(admin_browser, "bad_definition")
    assert not Namespace.objects.exists()


def test_export_downloads_the_glance_file(admin_browser, downloads):
    document = {"namespace": "OS::Browser::Export", "display_name": "Export me", "tags": [{"name": "fast"}],
                "resource_type_associations": [{"name": "OS::Glance::Image", "prefix": "hw_"}],
                "properties": {"hw_rng": {"title": "RNG", "type": "boolean"}}}
    namespace = services.namespace_create(context=admin_context(), document=document)
    services.namespace_create(context=admin_context(), document={
        "namespace": "OS::Browser::Other", "resource_type_associations": [{"name": "OS::Nova::Flavor"}]})
    admin_browser.get(f"{admin_browser.base_url}/admin/metadefs/namespace/")
    admin_browser.find_element(By.CSS_SELECTOR, f"input.action-select[value='{namespace.pk}']").click()
    Select(admin_browser.find_element(By.NAME, "action")).select_by_value("export_namespaces")
    screenshot(admin_browser, "changelist")
    admin_browser.find_element(By.CSS_SELECTOR, "button[name=index]").click()
    exported = wait_for_download(downloads)
    assert exported.name == "OS-Browser-Export.json"
    assert json.loads(exported.read_text()) == {**document, "visibility": "private", "protected": False,
                                                "owner": "admin", "objects": []}


def test_import_page_reports_each_file(admin_browser, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"namespace": "OS::Browser::Imported", "tags": [{"name": "new"}]}))
    admin_browser.get(f"{admin_browser.base_url}/admin/metadefs/namespace/")
    admin_browser.find_element(By.CSS_SELECTOR, "#content-main .object-tools a.importlink").click()
    admin_browser.find_element(By.ID, "id_file").send_keys(str(good))
    admin_browser.find_element(By.CSS_SELECTOR, "input[name=mode][value=merge]").click()
    admin_browser.find_element(By.NAME, "_import").click()
    rows = admin_browser.find_elements(By.CSS_SELECTOR, "#import-results tbody tr")
    assert [row.text for row in rows] == ["good.json created OS::Browser::Imported"]
    screenshot(admin_browser, "import")
    assert Namespace.objects.filter(namespace="OS::Browser::Imported").exists()
