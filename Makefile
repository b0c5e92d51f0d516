# Two entry points: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 9292
WORKERS ?= 4

.PHONY: run test test-mariadb system-packages browser-packages keystone keystone-stop test-keystone swift swift-stop ceph ceph-stop ceph-bindings test-stores glance glance-stop test-replicator clean

# Debian packages mysqlclient builds against (it has no Linux wheel), and HAProxy, the front of
# `manage.py serve`; installed only when missing.
system-packages:
	@if ! pkg-config --exists libmariadb 2>/dev/null && ! pkg-config --exists mysqlclient 2>/dev/null; then \
		echo "Installing libmariadb-dev and pkg-config (needed to build mysqlclient)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libmariadb-dev pkg-config; \
	fi
	@if ! command -v haproxy >/dev/null 2>&1; then \
		echo "Installing haproxy (the service's front: slow clients never reach the workers)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy; \
	fi

# Debian's Chromium and its driver for the admin browser tests (tests/browser), and qemu-img for
# the real disk images the upload tests send; installed only when missing.
browser-packages:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
		echo "Installing chromium and chromium-driver (needed by the browser tests)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	fi
	@if ! command -v qemu-img >/dev/null 2>&1; then \
		echo "Installing qemu-utils (qemu-img makes the disk images the upload tests send)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-utils; \
	fi

$(BIN)/.installed: requirements.txt requirements-test.txt | system-packages
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-test.txt
	touch $@

run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py load_metadefs fixtures/metadefs
	@echo ""
	@echo "API:   http://$(HOST):$(PORT)/v2/   (e.g. glance --os-image-url http://$(HOST):$(PORT) md-namespace-list)"
	@echo "Admin: http://$(HOST):$(PORT)/admin/  (create a login: $(BIN)/python manage.py createsuperuser)"
	@echo ""
	$(BIN)/python manage.py serve --bind $(HOST):$(PORT) --workers $(WORKERS)

# The whole suite: the Keystone-backed tests start a local Keystone (.ci/keystone/start) when none
# answers, and stop it at the end; KEYSTONE_REQUIRED=0 skips them instead. The swift and s3 store
# tests do the same with a local Swift (.ci/swift/start; SWIFT_REQUIRED=0 skips them), the rbd store tests
# with a local one-node Ceph (.ci/ceph/start; CEPH_REQUIRED=0 skips them), and the replicator's tests with a
# real Glance 33 (.ci/glance/start; GLANCE_REQUIRED=0 skips them).
test: $(BIN)/.installed browser-packages
	KEYSTONE_REQUIRED=$${KEYSTONE_REQUIRED:-1} SWIFT_REQUIRED=$${SWIFT_REQUIRED:-1} CEPH_REQUIRED=$${CEPH_REQUIRED:-1} \
		GLANCE_REQUIRED=$${GLANCE_REQUIRED:-1} \
		$(BIN)/python -m pytest

# The same suite against MariaDB; DATABASE_URL names a throwaway database that pytest-django creates and drops.
# Less the headless-browser and Ceph tests, which exercise Chromium and librados over the same ORM paths the
# rest covers, and the Schemathesis run (nearly 3 minutes), which checks the wire against the API description,
# to keep CI well under its 45 minutes (MARIADB_PYTEST_MARKERS="not cluster" runs them too).
MARIADB_PYTEST_MARKERS ?= not cluster and not browser and not ceph and not schemathesis
test-mariadb: $(BIN)/.installed browser-packages
	KEYSTONE_REQUIRED=$${KEYSTONE_REQUIRED:-1} SWIFT_REQUIRED=$${SWIFT_REQUIRED:-1} CEPH_REQUIRED=$${CEPH_REQUIRED:-1} \
		GLANCE_REQUIRED=$${GLANCE_REQUIRED:-1} \
		DATABASE_URL=$${DATABASE_URL:-mysql://root@127.0.0.1:3306/glance_ci_$$$$} \
		$(BIN)/python -m pytest -m "$(MARIADB_PYTEST_MARKERS)"

# A local Keystone + memcached; then: set -a; . /tmp/glance-keystone/keystone.env; set +a; make run
keystone:
	.ci/keystone/start http://$(HOST):$(PORT)

keystone-stop:
	.ci/keystone/stop

test-keystone: $(BIN)/.installed
	KEYSTONE_REQUIRED=1 $(BIN)/python -m pytest tests/keystone tests/auth

# A local Swift (tempauth + s3api on 127.0.0.1:8089); its settings: /tmp/glance-swift/swift.env
swift:
	.ci/swift/start

swift-stop:
	.ci/swift/stop

# The rbd store's bindings: Debian's python3-rados and python3-rbd (installed when missing), linked
# into the virtualenv by a .pth file (.ci/ceph/bindings); the servers that use an rbd store need it.
ceph-bindings: $(BIN)/.installed
	@if ! dpkg-query -W -f='$${Status}' python3-rbd 2>/dev/null | grep -q "install ok installed"; then \
		echo "Installing python3-rados and python3-rbd (the rbd store's bindings)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-rados python3-rbd; \
	fi
	.ci/ceph/bindings $(VENV)

# A local one-node Ceph (monitor on 127.0.0.1:6789, memstore OSD, pool glance-images); its settings:
# /tmp/glance-ceph/ceph.env. ceph-stop removes it (memstore keeps the data in memory only).
ceph: $(BIN)/.installed
	CEPH_VENV=$(VENV) .ci/ceph/start

ceph-stop:
	.ci/ceph/stop

test-stores: $(BIN)/.installed
	SWIFT_REQUIRED=1 CEPH_REQUIRED=1 $(BIN)/python -m pytest tests/images/stores

# A local Glance 33 (noauth, under uWSGI on 127.0.0.1:9494) for the replicator; its URL: /tmp/glance-glance33/glance.env
glance:
	.ci/glance/start

glance-stop:
	.ci/glance/stop

test-replicator: $(BIN)/.installed
	GLANCE_REQUIRED=1 $(BIN)/python -m pytest tests/e2e/test_replicator.py tests/e2e/test_replicator_glance.py

clean:
	rm -rf $(VENV) data
