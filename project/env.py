"""Every setting that comes from the environment, read in one place.

Each entry names the variable, its type and its default; `docs/configuration.md`
is generated from this table so the documentation cannot drift from the code.
"""
import os
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Var:
    name: str
    default: object
    help: str

    def read(self):
        raw = os.environ.get(self.name)
        if raw is None:
            return self.default
        if isinstance(self.default, bool):
            return raw.strip().lower() in ("1", "true", "yes", "on")
        if isinstance(self.default, int):
            try:
                return int(raw)
            except ValueError:
                raise SystemExit(f"environment variable {self.name}={raw!r} is not an integer") from None
        if isinstance(self.default, list):
            return [item.strip() for item in raw.split(",") if item.strip()]
        return raw


VARIABLES = [
    Var("GLANCE_DATA_DIR", str(BASE_DIR / "data"), "Directory for the SQLite database and local state."),
    Var("DATABASE_URL", "", "Database URL: sqlite:///path or mysql://user:pass@host:port/name. "
        "Empty means SQLite at $GLANCE_DATA_DIR/glance.sqlite3."),
    Var("DATABASE_BUSY_TIMEOUT", 30, "SQLite: seconds a writer waits for the lock before failing."),
    Var("SECRET_KEY", "insecure-development-key-change-me", "Django secret key (set it in production)."),
    Var("DEBUG", False, "Django debug mode."),
    Var("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"], "Comma-separated host names served."),
    Var("AUTH_STRATEGY", "noauth", "noauth: trust X-Project-Id/X-User-Id/X-Roles headers (loopback use only)."),
    Var("NOAUTH_DEFAULT_PROJECT", "admin", "noauth: project of a request that sends no identity headers."),
    Var("API_LIMIT_MAX", 1000, "Largest page size a list request may ask for."),
    Var("LIMIT_PARAM_DEFAULT", 25, "Page size when a list request gives no limit."),
    Var("LOG_LEVEL", "INFO", "Root log level."),
]


def read_all():
    return {var.name: var.read() for var in VARIABLES}
