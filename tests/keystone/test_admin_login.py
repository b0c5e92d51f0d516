"""ADMIN_KEYSTONE_LOGIN: the Django admin's login form asks the real Keystone (.ci/keystone/start)."""
import pytest
from django.contrib.auth import get_user_model

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def keystone_admin_login(settings, keystone_env, db):
    settings.AUTH_STRATEGY, settings.KEYSTONE_AUTH_URL = "keystone", keystone_env["KEYSTONE_AUTH_URL"]
    settings.KEYSTONE_SERVICE_PASSWORD = keystone_env["KEYSTONE_SERVICE_PASSWORD"]
    settings.ADMIN_KEYSTONE_LOGIN = True
    return settings


def log_in(client, identities, user, password=None):
    password = password or identities[user].os_env["OS_PASSWORD"]
    return client.post(LOGIN, {"username": user, "password": password})


def staff(name):
    return list(get_user_model().objects.filter(username=name).values_list("is_staff", "is_superuser"))


def test_a_keystone_administrator_logs_in_and_becomes_a_staff_user(client, identities, keystone_admin_login):
    response = log_in(client, identities, "admin")
    assert (response.status_code, response.headers["Location"]) == (302, "/admin/")
    page = client.get("/admin/images/image/")
    assert page.status_code == 200 and "admin@keystone" in page.content.decode()
    user = get_user_model().objects.get(username="admin@keystone")
    assert (user.is_staff, user.is_superuser, user.has_usable_password()) == (True, True, False)
    assert user.last_name == identities["admin"].session().get_user_id()  # the Keystone user it stands for
    assert log_in(client, identities, "admin").status_code == 302  # a second login updates the same user
    assert get_user_model().objects.filter(username__endswith="@keystone").count() == 1


@pytest.mark.parametrize("user", ["alpha-member", "alpha-reader", "glance"])
def test_users_without_the_admin_role_on_the_project_are_refused(client, identities, keystone_admin_login, user):
    # glance is an admin of project service, not of ADMIN_KEYSTONE_PROJECT (admin).
    response = log_in(client, identities, user)
    assert response.status_code == 200
    assert "Please enter the correct username and password for a staff account" in response.content.decode()
    assert staff(f"{user}@keystone") == []


def test_a_wrong_password_is_refused_and_takes_nothing_away(client, identities, keystone_admin_login):
    assert log_in(client, identities, "admin", password="not-the-password").status_code == 200
    assert staff("admin@keystone") == []
    assert log_in(client, identities, "admin").status_code == 302
    # Anyone can send a wrong password: it must not end the real administrator's sessions.
    assert log_in(client, identities, "admin", password="not-the-password").status_code == 200
    assert staff("admin@keystone") == [(True, True)]


def test_a_user_keystone_recognises_but_refuses_loses_staff_status(client, identities, keystone_admin_login):
    # As when the admin role was taken away since the last login.
    get_user_model().objects.create(username="alpha-member@keystone", is_staff=True, is_superuser=True)
    assert log_in(client, identities, "alpha-member").status_code == 200
    assert staff("alpha-member@keystone") == [(False, False)]


def test_off_by_default(client, identities, keystone_admin_login):
    keystone_admin_login.ADMIN_KEYSTONE_LOGIN = False
    assert log_in(client, identities, "admin").status_code == 200
    assert staff("admin@keystone") == []


def test_django_users_still_log_in(client, keystone_admin_login, django_user_model):
    keystone_admin_login.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    django_user_model.objects.create_superuser("local", "local@example.com", "local-password")
    response = client.post(LOGIN, {"username": "local", "password": "local-password"})
    assert (response.status_code, response.headers["Location"]) == (302, "/admin/")
