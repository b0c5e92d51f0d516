"""The admin as `make run` serves it: gunicorn, collected static files, WhiteNoise.

pytest-django's live_server serves static files by itself, so the other browser tests
would pass with no static file serving at all (the "admin has no styles" issue). This
module starts the same gunicorn command as `make run` (tests/support/live_server.py) and checks what
a person's browser gets from it. Screenshots go to a directory named in the run's summary
and are copied to /tmp/admin-screenshots/.
"""
import json
import re
import shutil
import urllib.request
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from tests.support.live_server import LiveServer
from tests.browser.conftest import PASSWORD, full_page_screenshot, log_in, report_screenshots, start_chromium

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

LATEST_SCREENSHOTS = Path("/tmp/admin-screenshots")
HASHED_BASE_CSS = re.compile(r"/static/admin/css/base\.[0-9a-f]{12}\.css")
TEN_YEARS = 315360000

# Every /static/ resource the page loaded, with its HTTP status (Resource Timing Level 2).
STATIC_RESOURCES = """
return performance.getEntriesByType("resource")
    .filter(entry => new URL(entry.name).pathname.startsWith("/static/"))
    .map(entry => [new URL(entry.name).pathname, entry.responseStatus]);
"""
# What the page asked for: its stylesheets and scripts under /static/.
STATIC_REFERENCES = """
return [...document.querySelectorAll("link[rel=stylesheet][href], script[src]")]
    .map(element => new URL(element.href || element.src).pathname)
    .filter(path => path.startsWith("/static/"));
"""
HEADER_STYLE = """
const style = getComputedStyle(document.getElementById("header"));
return [style.display, style.backgroundColor];
"""


@pytest.fixture(scope="module")
def gunicorn_service(tmp_path_factory):
    """`make run`'s server: migrate, collectstatic, the vendor namespaces, gunicorn with its config."""
    server = LiveServer(tmp_path_factory.mktemp("admin-gunicorn"), workers=2,
                        extra_env={"DJANGO_SUPERUSER_PASSWORD": PASSWORD}).start()
    try:
        server.manage("load_metadefs", "fixtures/metadefs")
        server.manage("createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.com")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def gunicorn_browser(chromium_binaries, tmp_path_factory, gunicorn_service):
    driver = start_chromium(chromium_binaries, tmp_path_factory)
    yield log_in(driver, gunicorn_service.url, "admin")
    driver.quit()


@pytest.fixture(scope="module")
def screenshots(request, tmp_path_factory):
    directory = tmp_path_factory.mktemp("admin-screenshots")
    report_screenshots(request.config, directory)
    yield directory
    shutil.rmtree(LATEST_SCREENSHOTS, ignore_errors=True)
    shutil.copytree(directory, LATEST_SCREENSHOTS)
    report_screenshots(request.config, LATEST_SCREENSHOTS)


def fetch(url, headers=None):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {})) as response:
        return response.status, response.headers, response.read()


def create_image(server):
    request = urllib.request.Request(
        f"{server.url}/v2/images", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"name": "cirros", "disk_format": "qcow2", "container_format": "bare"}).encode())
    with urllib.request.urlopen(request) as response:
        assert response.status == 201
        return json.load(response)["id"]


def assert_styled(browser, server):
    """Every stylesheet and script the page names loaded from gunicorn, and they took effect."""
    loaded = dict(browser.execute_script(STATIC_RESOURCES))
    referenced = browser.execute_script(STATIC_REFERENCES)
    assert referenced, "the page names no static files"
    assert {path: loaded.get(path) for path in referenced} == {path: 200 for path in referenced}
    assert {path: status for path, status in loaded.items() if status >= 400} == {}
    failed = [line for line in server.log().splitlines() if '"GET /static/' in line and '" 404 ' in line]
    assert failed == []
    # base.css lays the header out as a coloured flex row; unstyled it is a transparent block.
    display, background = browser.execute_script(HEADER_STYLE)
    assert display == "flex" and background not in ("", "transparent", "rgba(0, 0, 0, 0)")
    # The scripts ran: jquery.init.js defines django.jQuery, which actions, inlines and filters use.
    assert browser.execute_script("return typeof django === 'object' && typeof django.jQuery") == "function"


def test_namespace_changelist_is_styled(gunicorn_browser, gunicorn_service, screenshots):
    gunicorn_browser.get(f"{gunicorn_service.url}/admin/metadefs/namespace/")
    assert gunicorn_browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    assert_styled(gunicorn_browser, gunicorn_service)
    full_page_screenshot(gunicorn_browser, screenshots / "namespace_changelist.png")


def test_image_change_page_is_styled(gunicorn_browser, gunicorn_service, screenshots):
    image_id = create_image(gunicorn_service)
    gunicorn_browser.get(f"{gunicorn_service.url}/admin/images/image/{image_id}/change/")
    assert "cirros" in gunicorn_browser.find_element(By.ID, "content").text
    assert_styled(gunicorn_browser, gunicorn_service)
    full_page_screenshot(gunicorn_browser, screenshots / "image_change.png")


def test_pages_name_hashed_files_cached_for_years(gunicorn_browser, gunicorn_service):
    gunicorn_browser.get(f"{gunicorn_service.url}/admin/")
    hashed = [path for path in gunicorn_browser.execute_script(STATIC_REFERENCES) if HASHED_BASE_CSS.fullmatch(path)]
    assert len(hashed) == 1, gunicorn_browser.execute_script(STATIC_REFERENCES)
    status, headers, body = fetch(gunicorn_service.url + hashed[0], {"Accept-Encoding": "gzip"})
    assert (status, headers["Content-Type"], headers["Content-Encoding"]) == (200, "text/css; charset=\"utf-8\"", "gzip")
    assert headers["Cache-Control"] == f"max-age={TEN_YEARS}, public, immutable"


def test_unhashed_name_is_served_but_cached_briefly(gunicorn_service):
    # A page never names it; an old bookmark or a third-party link still gets the current file,
    # and WhiteNoise's short max-age for unhashed names keeps that file from going stale for long.
    status, headers, body = fetch(f"{gunicorn_service.url}/static/admin/css/base.css")
    assert (status, headers["Content-Type"]) == (200, "text/css; charset=\"utf-8\"")
    assert headers["Cache-Control"] == "max-age=60, public"
    assert b"--header-bg" in body
