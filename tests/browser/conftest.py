"""Headless Chromium (Debian's, driven by its chromedriver) against pytest-django's live_server
(test_admin_static_gunicorn.py drives its own against the gunicorn server of `make run`).

Selenium's own browser download cannot work on CI machines (no internet), so
the system packages are used; on a fresh machine running as root they are
installed here the first time a browser test needs them.
"""
import os
import shutil
import subprocess

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

PASSWORD = "browser-test-password"
INSTALL = ("apt-get update -qq && DEBIAN_FRONTEND=noninteractive "
           "apt-get install -y -qq chromium chromium-driver")
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    "--window-size=1600,1000",
)


@pytest.fixture(scope="session")
def chromium_binaries():
    """(chromium, chromedriver) paths, installing the Debian packages when they are missing."""
    found = shutil.which("chromium"), shutil.which("chromedriver")
    if all(found):
        return found
    if os.geteuid() != 0:
        pytest.fail(f"chromium and chromedriver are missing; as root run: {INSTALL}", pytrace=False)
    subprocess.run(INSTALL, shell=True, check=True)
    return shutil.which("chromium"), shutil.which("chromedriver")


def start_chromium(chromium_binaries, tmp_path_factory):
    """A headless Chromium with a fresh profile; `.downloads` is its download directory."""
    chromium, chromedriver = chromium_binaries
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile, downloads = tmp_path_factory.mktemp("chromium-profile"), tmp_path_factory.mktemp("downloads")
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads),
        "download.prompt_for_download": False,
        "safebrowsing.enabled": False,
    })
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.implicitly_wait(5)
    driver.downloads = downloads
    return driver


@pytest.fixture(scope="session")
def browser(chromium_binaries, tmp_path_factory, live_server):
    """One Chromium for the session (it takes seconds to start); tests log in afresh.

    It quits before live_server stops: the server threads serving its keep-alive
    connections must finish while they may still use the shared test database.
    """
    driver = start_chromium(chromium_binaries, tmp_path_factory)
    yield driver
    driver.quit()


@pytest.fixture
def downloads(browser):
    """Chromium's download directory, emptied for the test."""
    for leftover in browser.downloads.iterdir():
        leftover.unlink()
    return browser.downloads


@pytest.fixture
def admin_user(transactional_db, django_user_model, settings):
    # Django's advice for tests: a fast hasher, else creating and logging in cost seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)


@pytest.fixture
def admin_browser(browser, live_server, admin_user):
    """The browser logged in to the admin through the login form."""
    return log_in(browser, live_server.url, admin_user.username)


def log_in(browser, base_url, username, password=PASSWORD):
    """Log in through the admin's login form; the browser's `.base_url` becomes `base_url`."""
    browser.delete_all_cookies()
    browser.get(f"{base_url}/admin/login/")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    browser.find_element(By.ID, "user-tools")
    browser.base_url = base_url
    return browser


def full_page_screenshot(browser, path):
    """The whole page, not just the window, as a PNG at `path`."""
    width, height = browser.get_window_size()["width"], browser.get_window_size()["height"]
    # The window is taller than its viewport by the browser's own frame.
    page = browser.execute_script("return document.documentElement.scrollHeight + outerHeight - innerHeight")
    browser.set_window_size(width, max(height, page))
    browser.save_screenshot(str(path))
    browser.set_window_size(width, height)


SCREENSHOT_DIRS = pytest.StashKey[list]()


def report_screenshots(config, directory):
    """Name `directory` in the run's summary, so a person can look at the pages afterwards."""
    config.stash.setdefault(SCREENSHOT_DIRS, []).append(directory)


def pytest_terminal_summary(terminalreporter, config):
    for directory in config.stash.get(SCREENSHOT_DIRS, []):
        terminalreporter.write_line(f"admin screenshots: {directory}")
