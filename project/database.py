"""Turn DATABASE_URL into Django's DATABASES entry, with the options each engine needs."""
from pathlib import Path

import dj_database_url
from django.db import InterfaceError, OperationalError

# MySQL/MariaDB client and server errors that mean "no database to talk to right now" (not a bad query):
# can't connect (2002, 2003), server gone away (2006), lost connection (2013), shutdown in progress (1053),
# connection killed (1927), lost during the handshake (2055), closed for inactivity (4031).
CONNECTION_ERROR_CODES = {1053, 1927, 2002, 2003, 2006, 2013, 2055, 4031}
# Seconds to wait for the database to accept a connection: a worker never hangs on an unreachable server.
CONNECT_TIMEOUT = 10


def database_config(url, data_dir, busy_timeout, mmap_size=0):
    if not url:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{Path(data_dir) / 'glance.sqlite3'}"
    # Connections are kept between requests: opening one (and, on SQLite,
    # re-reading the schema) costs more than a whole small request.
    config = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
    engine = config["ENGINE"]
    if engine.endswith("sqlite3"):
        config["OPTIONS"] = {
            # Several workers write at once: take the write lock when the
            # transaction starts (no lock upgrade deadlock) and wait for it.
            "transaction_mode": "IMMEDIATE",
            "timeout": busy_timeout,
            # Reads through a memory map share the operating system's cached pages among the
            # workers; SQLite's own page cache is 2 MiB per connection, far less than a catalog.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                            f"PRAGMA mmap_size={int(mmap_size)};",
        }
    elif engine.endswith("mysql"):
        config["OPTIONS"] = {
            "charset": "utf8mb4",
            "isolation_level": "read committed",
            "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
            "connect_timeout": CONNECT_TIMEOUT,
        }
        # Names are case-sensitive in Glance (and in SQLite): binary collation
        # keeps "Foo" and "foo" distinct namespaces on MariaDB too.
        config["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_bin"}
    return config


def is_unavailable(exc):
    """Whether `exc` says the database cannot be reached (a restart, a network cut), rather than a bad query:
    a request that meets it may succeed later, so it is a 503, not a 500."""
    if isinstance(exc, InterfaceError):
        return True  # a connection already closed under Django's feet
    if not isinstance(exc, OperationalError):
        return False
    code = exc.args[0] if exc.args else None
    return code in CONNECTION_ERROR_CODES or (isinstance(code, str) and "database is locked" in code)
