"""Turn DATABASE_URL into Django's DATABASES entry, with the options each engine needs."""
from pathlib import Path

import dj_database_url


def database_config(url, data_dir, busy_timeout):
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
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    elif engine.endswith("mysql"):
        config["OPTIONS"] = {
            "charset": "utf8mb4",
            "isolation_level": "read committed",
            "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
        }
        # Names are case-sensitive in Glance (and in SQLite): binary collation
        # keeps "Foo" and "foo" distinct namespaces on MariaDB too.
        config["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_bin"}
    return config
