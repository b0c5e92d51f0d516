"""Every setting that comes from the environment, read in one place.

Each entry names the variable, its type and its default; `docs/configuration.md`
is generated from this table so the documentation cannot drift from the code.
"""
import json
import os
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Var:
    name: str
    default: object
    help: str
    # The type of a list's items (comma-separated in the environment).
    items: type = str

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
        if isinstance(self.default, dict):
            try:
                value = json.loads(raw)
            except ValueError as exc:
                raise SystemExit(f"environment variable {self.name} is not valid JSON: {exc}") from None
            if not isinstance(value, dict):
                raise SystemExit(f"environment variable {self.name} must be a JSON object")
            return value
        if isinstance(self.default, list):
            return [self._item(item.strip()) for item in raw.split(",") if item.strip()]
        return raw

    def _item(self, raw):
        try:
            return self.items(raw)
        except ValueError:
            raise SystemExit(f"environment variable {self.name}: {raw!r} is not {self.items.__name__}") from None


VARIABLES = [
    Var("GLANCE_DATA_DIR", str(BASE_DIR / "data"), "Directory for the SQLite database and local state."),
    Var("DATABASE_URL", "", "Database URL: sqlite:///path or mysql://user:pass@host:port/name. "
        "Empty means SQLite at $GLANCE_DATA_DIR/glance.sqlite3."),
    Var("SQLITE_OPTIMIZE_INTERVAL", 300, "SQLite: seconds between refreshes of the query planner's statistics."),
    Var("DATABASE_BUSY_TIMEOUT", 30, "SQLite: seconds a writer waits for the lock before failing."),
    Var("SQLITE_MMAP_SIZE", 268435456, "SQLite: bytes of the database file each connection reads through "
        "memory mapping (PRAGMA mmap_size); 0 turns it off."),
    Var("SECRET_KEY", "insecure-development-key-change-me", "Django secret key (set it in production)."),
    Var("DEBUG", False, "Django debug mode."),
    Var("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"], "Comma-separated host names served."),
    Var("AUTH_STRATEGY", "noauth", "noauth: trust X-Project-Id/X-User-Id/X-Roles headers (loopback use only); "
        "keystone: validate X-Auth-Token with Keystone (keystonemiddleware's auth_token)."),
    Var("NOAUTH_DEFAULT_PROJECT", "admin", "noauth: project of a request that sends no identity headers."),
    Var("KEYSTONE_AUTH_URL", "", "keystone: Keystone URL the service user authenticates at and tokens are "
        "validated with (e.g. http://keystone:5000/v3)."),
    Var("KEYSTONE_WWW_AUTHENTICATE_URI", "", "keystone: public Keystone URL sent in a 401's WWW-Authenticate. "
        "Empty means KEYSTONE_AUTH_URL."),
    Var("KEYSTONE_SERVICE_USER", "glance", "keystone: service user that validates tokens "
        "(needs the service or admin role)."),
    Var("KEYSTONE_SERVICE_PASSWORD", "", "keystone: the service user's password."),
    Var("KEYSTONE_SERVICE_PROJECT", "service", "keystone: the service user's project."),
    Var("KEYSTONE_USER_DOMAIN", "Default", "keystone: domain name of the service user."),
    Var("KEYSTONE_PROJECT_DOMAIN", "Default", "keystone: domain name of the service project."),
    Var("KEYSTONE_REGION_NAME", "", "keystone: region of the identity endpoint in the catalog. Empty: any."),
    Var("KEYSTONE_MEMCACHED_SERVERS", [], "keystone: comma-separated host:port of memcached servers "
        "shared by all workers for the token cache. Empty: each worker caches in its own memory."),
    Var("KEYSTONE_TOKEN_CACHE_TIME", 300, "keystone: seconds a validated token is trusted without asking "
        "Keystone again (so also how long a revoked token may keep working)."),
    Var("POLICY_FILE", "", "Operator overrides of the authorisation rules: oslo.policy YAML mapping Glance rule "
        "names to check strings. Empty: Glance's secure-RBAC defaults."),
    Var("PROPERTY_PROTECTION_FILE", "", "Glance property-protections file (roles format): which roles may "
        "create, read, update and delete which custom image properties. Empty: no protections."),
    Var("API_LIMIT_MAX", 1000, "Largest page size a list request may ask for."),
    Var("LIMIT_PARAM_DEFAULT", 25, "Page size when a list request gives no limit."),
    Var("LOG_LEVEL", "INFO", "Root log level."),
    Var("LOG_FORMAT", "text", "text or json: one JSON object per log line."),
    Var("METRICS_BIND", "", "host:port where manage.py serve also answers Prometheus scrapes without identity."),
    Var("HEALTHCHECK_DISABLE_FILE", "", "GET /healthcheck answers 503 DISABLED BY FILE while this file exists."),
    Var("METADEF_ENFORCEMENT", "off", "off (Glance's behaviour), warn or enforce: image properties set on create and "
        "patch are checked against the definitions of enforced namespaces associated with OS::Glance::Image."),
    Var("IMAGE_STORES", {}, "The image stores, a JSON object: store id -> {\"type\": driver, \"description\", "
        "\"weight\", and the driver's options}. Empty: one store \"file\" of type file in IMAGE_FILESYSTEM_DIR."),
    Var("IMAGE_DEFAULT_STORE", "file", "Id of the store (in IMAGE_STORES) that receives uploaded image data."),
    Var("IMAGE_FILESYSTEM_DIR", "", "Directory of the default file store (when IMAGE_STORES is empty). "
        "Empty means $GLANCE_DATA_DIR/images."),
    Var("IMAGE_SCHEMA_FILE", str(BASE_DIR / "images" / "schema-image.json"), "Custom image properties added to "
        "/v2/schemas/image and validated on create and patch (Glance's schema-image.json format). Empty: none."),
    Var("IMAGE_FORMAT_MATCH_REQUIRED", True, "Refuse image data whose content (oslo.utils' format inspector) "
        "does not match the image's disk_format (Glance's require_image_format_match)."),
    Var("IMAGE_GPT_SAFETY_CHECKS_NONFATAL", [], "Comma-separated safety checks (mbr, gptmbr) that only warn for "
        "GPT images (Glance's gpt_safety_checks_nonfatal)."),
    Var("IMAGE_VMDK_ALLOWED_TYPES", ["streamOptimized", "monolithicSparse"], "Comma-separated VMDK createTypes "
        "accepted (Glance's vmdk_allowed_types); others fail the safety checks."),
    Var("DELAYED_DELETE", False, "Deleting an image with data moves it to pending_delete and keeps the data until "
        "`manage.py scrub` removes it (after SCRUB_TIME); `scrub --restore ID` brings it back."),
    Var("SCRUB_TIME", 0, "Seconds a pending_delete image keeps its data before the scrubber may remove it."),
    Var("SHOW_IMAGE_DIRECT_URL", False, "Image bodies carry `direct_url`, the URL of the copy downloads read first "
        "(Glance's show_image_direct_url; for services that read stores directly)."),
    Var("SHOW_MULTIPLE_LOCATIONS", False, "Image bodies carry `locations` (every copy's url and metadata) and the "
        "JSON-patch /locations operations are allowed (Glance's deprecated show_multiple_locations)."),
    Var("IMPORT_METHODS", ["glance-direct", "web-download", "copy-image"], "Comma-separated interoperable import "
        "methods offered (Glance's enabled_import_methods); GET /v2/info/import lists them."),
    Var("STAGING_DIR", "", "Directory of the staging store (os_glance_staging_store): data staged with PUT "
        "/v2/images/{id}/stage and the working copies of imports. Empty means $GLANCE_DATA_DIR/staging. "
        "An IMAGE_STORES entry named os_glance_staging_store replaces it."),
    Var("NODE_NAME", "", "This API node's name: the task queue of imports whose data is staged here, and the "
        "node recorded in os_glance_stage_host. Empty means the host name."),
    Var("TASK_WORKERS", 1, "Import task worker processes `manage.py serve` runs next to gunicorn (0: none; run "
        "`manage.py import_worker` yourself)."),
    Var("TASK_TIME_TO_LIVE", 48, "Hours a finished import task stays visible (its expires_at)."),
    Var("TASK_STALE_MINUTES", 60, "Minutes without progress after which an import task whose worker is not on "
        "this node is taken for dead: marked failed and its image returned to queued."),
    Var("UPLOAD_LEASE_SECONDS", 300, "Seconds an upload or stage in progress may go without a renewal of its "
        "lease (its API worker renews it every fifth of that) before any node takes the upload for dead: its image "
        "goes back to queued and its partial data is removed."),
    Var("IMPORT_PLUGINS", [], "Comma-separated import plugins run on glance-direct and web-download imports: "
        "image_conversion, inject_image_metadata."),
    Var("IMAGE_CONVERSION_OUTPUT_FORMAT", "raw", "image_conversion plugin: the disk_format imported images are "
        "converted to (raw or qcow2), with qemu-img."),
    Var("INJECT_METADATA_PROPERTIES", {}, "inject_image_metadata plugin: JSON object of properties set on every "
        "imported image."),
    Var("INJECT_METADATA_IGNORE_USER_ROLES", ["admin"], "inject_image_metadata plugin: comma-separated roles whose "
        "imports are left as they are."),
    Var("IMAGE_CACHE_DIR", "", "Directory of this node's image cache (Glance's image_cache_dir): downloads are "
        "kept there and served from it; the /v2/cache admin API is on. Empty: no cache."),
    Var("IMAGE_CACHE_MAX_SIZE", 10 * 1024 ** 3, "Bytes the image cache may hold before `manage.py cache_prune` "
        "(or POST /v2/cache/prune) removes the least recently used images (Glance's image_cache_max_size)."),
    Var("IMAGE_CACHE_STALL_TIME", 86400, "Seconds after which a partial cache file is stalled and removed by "
        "`manage.py cache_clean` (or POST /v2/cache/clean) (Glance's image_cache_stall_time)."),
    Var("IMAGE_HASH_ALGORITHM", "sha512", "hashlib algorithm for os_hash_value (md5 checksum is always kept)."),
    Var("IMAGE_SIZE_CAP", 1099511627776, "Largest image upload accepted, in bytes (413 beyond)."),
    Var("IMAGE_PROPERTY_QUOTA", 128, "Most custom properties one image may carry."),
    Var("IMAGE_TAG_QUOTA", 128, "Most tags one image may carry."),
    Var("IMAGE_MEMBER_QUOTA", 128, "Most projects one image may be shared with."),
    Var("IMAGE_COUNT_TOTAL_QUOTA", -1, "Most images one project may own (any status but killed). -1: unlimited."),
    Var("IMAGE_SIZE_TOTAL_QUOTA", -1, "Most image data one project may have stored, in MiB. -1: unlimited."),
    Var("IMAGE_COUNT_UPLOADING_QUOTA", -1, "Most uploads one project may have in progress at once. -1: unlimited."),
    Var("IMPORT_ALLOWED_SCHEMES", ["http", "https"], "URL schemes users may hand in (web-download, locations); "
        "when set, IMPORT_DISALLOWED_SCHEMES is ignored. Only http and https are ever fetched."),
    Var("IMPORT_DISALLOWED_SCHEMES", [], "URL schemes refused when IMPORT_ALLOWED_SCHEMES is empty."),
    Var("IMPORT_ALLOWED_HOSTS", [], "Host names or addresses users' URLs may name; when set, "
        "IMPORT_DISALLOWED_HOSTS is ignored. Empty: any host."),
    Var("IMPORT_DISALLOWED_HOSTS", [], "Host names or addresses refused when IMPORT_ALLOWED_HOSTS is empty "
        "(an address also under any name resolving to it)."),
    Var("IMPORT_ALLOWED_PORTS", [80, 443], "Ports users' URLs may name (a URL without one: its scheme's); when set, "
        "IMPORT_DISALLOWED_PORTS is ignored. Empty: any port.", items=int),
    Var("IMPORT_DISALLOWED_PORTS", [], "Ports refused when IMPORT_ALLOWED_PORTS is empty.", items=int),
    Var("IMPORT_ALLOW_PRIVATE_NETWORKS", False, "Let users' URLs reach loopback and private addresses "
        "(127/8, 10/8, 172.16/12, 192.168/16, fc00::/7, ::1). Link-local (metadata), multicast, reserved and "
        "unspecified addresses are always refused."),
    Var("IMPORT_MAX_REDIRECTS", 5, "Most redirects followed when fetching a user's URL; each target is checked again."),
    Var("HTTP_CONNECT_TIMEOUT", 10, "Seconds to wait for a remote HTTP server to accept a connection."),
    Var("HTTP_READ_TIMEOUT", 60, "Seconds to wait for a remote HTTP server's next bytes."),
    Var("ADMIN_KEYSTONE_LOGIN", False, "keystone: the Django admin also accepts Keystone credentials of a user "
        "the context_is_admin rule passes (role admin) in ADMIN_KEYSTONE_PROJECT."),
    Var("ADMIN_KEYSTONE_PROJECT", "admin", "ADMIN_KEYSTONE_LOGIN: the project an administrator's login is scoped to."),
    Var("ADMIN_KEYSTONE_DOMAIN", "Default", "ADMIN_KEYSTONE_LOGIN: domain name of the administrators and the project."),
    Var("AUDIT_MAX_RATE", 50 * 1024 ** 2, "Bytes per second `manage.py audit` reads stored data at, over the "
        "whole run (its --max-rate); 0: unlimited."),
    Var("AUDIT_ORPHAN_GRACE_HOURS", 24, "Hours data no image points at must be old before `manage.py audit --fix` "
        "removes it (its --grace-hours)."),
]


def read_all():
    return {var.name: var.read() for var in VARIABLES}
