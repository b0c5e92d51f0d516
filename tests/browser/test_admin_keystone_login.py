"""ADMIN_KEYSTONE_LOGIN in Chromium against make run's gunicorn in keystone mode and the real Keystone."""
import pytest
from selenium.webdriver.common.by import By

from tests.browser.conftest import full_page_screenshot, log_in, start_chromium
from tests.browser.test_image_admin_gunicorn import SHOTS
from tests.keystone.conftest import identities, keystone_env  # noqa: F401 - fixtures
from tests.support.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


@pytest.fixture(scope="module")
def keystone_admin_server(tmp_path_factory, keystone_env):  # noqa: F811
    server = LiveServer(tmp_path_factory.mktemp("keystone-admin"), workers=1, extra_env={
        **keystone_env, "ADMIN_KEYSTONE_LOGIN": "true", "TASK_WORKERS": "0"}).start()
    yield server
    server.stop()


@pytest.fixture
def driver(chromium_binaries, tmp_path_factory):
    chromium = start_chromium(chromium_binaries, tmp_path_factory)
    yield chromium
    chromium.quit()


def test_keystone_administrator_logs_in(driver, keystone_admin_server, identities):  # noqa: F811
    log_in(driver, keystone_admin_server.url, "admin", identities["admin"].os_env["OS_PASSWORD"])
    assert driver.find_element(By.ID, "user-tools").text.startswith("WELCOME, ADMIN@KEYSTONE")
    driver.get(f"{keystone_admin_server.url}/admin/images/image/")
    assert driver.find_element(By.ID, "changelist")
    SHOTS.mkdir(exist_ok=True)
    full_page_screenshot(driver, SHOTS / "keystone_admin_logged_in.png")


def test_a_member_is_refused(driver, keystone_admin_server, identities):  # noqa: F811
    driver.get(f"{keystone_admin_server.url}/admin/login/")
    driver.find_element(By.ID, "id_username").send_keys("alpha-member")
    driver.find_element(By.ID, "id_password").send_keys(identities["alpha-member"].os_env["OS_PASSWORD"])
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    assert "Please enter the correct username and password" in driver.find_element(By.CSS_SELECTOR, ".errornote").text
    full_page_screenshot(driver, SHOTS / "keystone_member_refused.png")
