"""ADMIN_KEYSTONE_LOGIN when Keystone cannot answer, and outside keystone mode (tests/keystone asks a real one)."""
import socket

from django.contrib.auth import authenticate, get_user_model


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_keystone_refuses_the_login_and_says_why_in_the_log(db, settings, caplog):
    settings.AUTH_STRATEGY, settings.ADMIN_KEYSTONE_LOGIN = "keystone", True
    settings.KEYSTONE_AUTH_URL = f"http://127.0.0.1:{closed_port()}/v3"
    assert authenticate(username="admin", password="secret") is None
    assert f"admin login of 'admin': Keystone at {settings.KEYSTONE_AUTH_URL} did not answer" in caplog.text
    assert not get_user_model().objects.exists()


def test_keystone_is_never_asked_outside_keystone_mode(db, settings, caplog):
    settings.AUTH_STRATEGY, settings.ADMIN_KEYSTONE_LOGIN = "noauth", True
    settings.KEYSTONE_AUTH_URL = f"http://127.0.0.1:{closed_port()}/v3"
    assert authenticate(username="admin", password="secret") is None
    assert "did not answer" not in caplog.text
