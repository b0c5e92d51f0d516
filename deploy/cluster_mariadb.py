"""deploy/cluster's MariaDB: a private mariadbd (own datadir, port and socket), so it can be stopped and
started as a fault without touching the MariaDB other people use."""
import shutil

from cluster_parts import ClusterError, log, run, wait_until

DATABASE = "glance"
KEYSTONE_DATABASE = "keystone"  # with --auth keystone: Keystone's tables, in the same server


def url(state):
    return f"mysql://root@127.0.0.1:{state['ports']['mariadb']}/{DATABASE}"


def keystone_url(state):
    return f"mysql+pymysql://root@127.0.0.1:{state['ports']['mariadb']}/{KEYSTONE_DATABASE}"


def _paths(layout):
    home = layout.home / "mariadb"
    return home, home / "data"


def start(layout, processes, state, initialise):
    home, data = _paths(layout)
    port = state["ports"]["mariadb"]
    if initialise:
        if shutil.which("mariadbd") is None:
            raise ClusterError("mariadbd is not installed (apt-get install mariadb-server)")
        log(f"initialising a private MariaDB in {data}")
        home.mkdir(parents=True, exist_ok=True)
        run(["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=normal",
             "--skip-test-db", "--user=root"], what="mariadb-install-db")
    log(f"starting MariaDB on 127.0.0.1:{port}")
    processes.spawn("mariadb", [
        "mariadbd", "--no-defaults", f"--datadir={data}", f"--port={port}", "--bind-address=127.0.0.1",
        f"--socket={home / 'mariadb.sock'}", f"--pid-file={home / 'mariadb.pid'}", "--user=root",
        # Small and quick: a test deployment on a shared machine, whose data may be lost with it.
        "--skip-log-bin", "--innodb-buffer-pool-size=64M", "--innodb-flush-log-at-trx-commit=2",
        "--max-connections=500", f"--log-error={layout.logs / 'mariadb-error.log'}"])
    wait_until(lambda: _answers(port), f"MariaDB did not answer on 127.0.0.1:{port}", 60, (processes, "mariadb"))


def _connect(port, **kwargs):
    import MySQLdb

    return MySQLdb.connect(host="127.0.0.1", port=port, user="root", password="", connect_timeout=2, **kwargs)


def _answers(port):
    import MySQLdb

    try:
        _connect(port).close()
    except MySQLdb.OperationalError:
        return False
    return True


def create_database(state):
    connection = _connect(state["ports"]["mariadb"])
    try:
        # Binary collation: names are case-sensitive, as in Glance (README's DATABASE_URL).
        connection.cursor().execute(f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        if state["auth"] == "keystone":
            connection.cursor().execute(f"CREATE DATABASE {KEYSTONE_DATABASE} CHARACTER SET utf8mb4")
    finally:
        connection.close()


def stop(processes):
    # mariadbd shuts down cleanly on SIGTERM (InnoDB flushes); the datadir goes with the cluster's directory.
    processes.stop("mariadb", timeout=60)
