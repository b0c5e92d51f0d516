"""The images admin in headless Chromium against the gunicorn server `make run` starts.

A person filters and searches the images list, deactivates an image, is refused deleting a
protected one, and sees an enforced property's violation. Screenshots of each page go to
/tmp/admin-shots/ (named in the run's summary).
"""
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.browser.conftest import PASSWORD, full_page_screenshot, log_in, report_screenshots, start_chromium
from tests.support.http_calls import ok
from tests.support.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

SHOTS = Path("/tmp/admin-shots")
ENFORCE_LIBVIRT = ("from metadefs.models import Namespace; from metadefs.services import namespace_enforcement_set; "
                   "namespace_enforcement_set(namespace=Namespace.objects.get(namespace='OS::Compute::LibvirtImage'), "
                   "enforced=True)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`make run`'s server with the vendor namespaces, OS::Compute::LibvirtImage enforced in warn mode."""
    live = LiveServer(tmp_path_factory.mktemp("image-admin"), workers=2, extra_env={
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD, "METADEF_ENFORCEMENT": "warn", "TASK_WORKERS": "0"}).start()
    try:
        live.manage("load_metadefs", "fixtures/metadefs")
        live.manage("shell", "-c", ENFORCE_LIBVIRT)
        live.manage("createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.com")
        yield live
    finally:
        live.stop()


def new_image(server, project, data=None, **fields):
    headers = {"X-Project-Id": project, "X-Roles": "member", "X-User-Id": "user-1"}
    image = ok(server, "POST", "/v2/images", {"disk_format": "raw", "container_format": "bare", **fields},
               headers=headers)
    if data is not None:
        ok(server, "PUT", f"/v2/images/{image['id']}/file", data=data,
           headers={**headers, "Content-Type": "application/octet-stream"})
    return image


@pytest.fixture(scope="module")
def images(server):
    return {
        "web-server": new_image(server, "tenant-a", b"web", name="web-server", os_distro="ubuntu"),
        "build-box": new_image(server, "tenant-b", name="build-box", os_distro="debian"),
        "golden": new_image(server, "tenant-a", b"gold", name="golden", protected=True),
        # METADEF_ENFORCEMENT=warn accepts it (and records a warning); the admin shows why it violates.
        "legacy-vif": new_image(server, "tenant-b", b"vif", name="legacy-vif", hw_vif_model="foo"),
    }


@pytest.fixture(scope="module")
def browser(chromium_binaries, tmp_path_factory, server, images):
    driver = start_chromium(chromium_binaries, tmp_path_factory)
    yield log_in(driver, server.url, "admin")
    driver.quit()


@pytest.fixture(scope="module")
def shots(request):
    SHOTS.mkdir(exist_ok=True)
    report_screenshots(request.config, SHOTS)
    return SHOTS


def image_list(browser, query=""):
    browser.get(f"{browser.base_url}/admin/images/image/{query}")
    return shown_names(browser)


def shown_names(browser):
    return [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "#result_list tbody td.field-name")]


def messages(browser, level):
    return [item.text for item in browser.find_elements(By.CSS_SELECTOR, f".messagelist .{level}")]


def run_action(browser, action, *image_ids):
    for image_id in image_ids:
        browser.find_element(By.CSS_SELECTOR, f'input.action-select[value="{image_id}"]').click()
    Select(browser.find_element(By.NAME, "action")).select_by_value(action)
    follow(browser, browser.find_element(By.CSS_SELECTOR, "button[name=index]"))


def follow(browser, element):
    """Click a link or submit button and wait for the next page: a click does not, and reading the page
    before the old one goes reads nodes being replaced."""
    page = browser.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(browser, 20).until(expected_conditions.staleness_of(page))


def test_filter_by_status_and_owner(browser, server, shots):
    assert image_list(browser) == ["legacy-vif", "golden", "build-box", "web-server"]
    filters = browser.find_element(By.ID, "changelist-filter")
    follow(browser, filters.find_element(By.LINK_TEXT, "Queued"))
    assert shown_names(browser) == ["build-box"]
    follow(browser, browser.find_element(By.ID, "changelist-filter").find_element(By.LINK_TEXT, "All"))
    follow(browser, browser.find_element(By.ID, "changelist-filter").find_element(By.LINK_TEXT, "tenant-a"))
    assert shown_names(browser) == ["golden", "web-server"]
    full_page_screenshot(browser, shots / "images_filtered_by_owner.png")


def test_search_by_property_value(browser, shots):
    image_list(browser)
    search = browser.find_element(By.ID, "searchbar")
    search.send_keys("ubuntu")
    search.submit()
    assert shown_names(browser) == ["web-server"]
    full_page_screenshot(browser, shots / "images_search_property_value.png")


def test_deactivate(browser, server, images, shots):
    image_list(browser)
    web = images["web-server"]["id"]
    run_action(browser, "deactivate", web)
    assert messages(browser, "success") == [f"Deactivated 1 image: web-server ({web})"]
    assert ok(server, "GET", f"/v2/images/{web}")["status"] == "deactivated"
    full_page_screenshot(browser, shots / "images_deactivated.png")


def test_deleting_a_protected_image_is_refused(browser, server, images, shots):
    image_list(browser)
    golden = images["golden"]["id"]
    run_action(browser, "delete_selected", golden)
    assert "Are you sure you want to delete the selected images?" in browser.find_element(By.ID, "content").text
    follow(browser, browser.find_element(By.CSS_SELECTOR, "#content form input[type=submit]"))
    # The admin's template capitalises a message's first letter.
    assert messages(browser, "error") == [f"Golden ({golden}): Image {golden} is protected and cannot be deleted."]
    assert ok(server, "GET", f"/v2/images/{golden}")["status"] == "active"
    full_page_screenshot(browser, shots / "images_protected_delete_refused.png")


def test_an_enforced_property_is_shown_with_its_violation(browser, images, shots):
    browser.get(f"{browser.base_url}/admin/images/image/{images['legacy-vif']['id']}/change/")
    row = browser.find_element(By.CSS_SELECTOR, '#governed-properties tr[data-property="hw_vif_model"]')
    cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
    assert cells[:5] == ["hw_vif_model", "foo", "OS::Compute::LibvirtImage (enforced)", "Network Interface Model",
                         "string"]
    assert cells[6].startswith("violates its definition: 'foo' is not one of ['e1000', ")
    full_page_screenshot(browser, shots / "image_enforced_property_violation.png")


def test_usage_per_project(browser, shots):
    image_list(browser)
    follow(browser, browser.find_element(By.CSS_SELECTOR, ".object-tools a[href=\"/admin/images/image/usage/\"]"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#usage tbody tr")
    assert [row.get_attribute("data-owner") for row in rows] == ["tenant-a", "tenant-b"]
    assert rows[0].find_element(By.CSS_SELECTOR, ".stored-bytes").text == "7"  # b"web" + b"gold"
    full_page_screenshot(browser, shots / "images_usage_per_project.png")
