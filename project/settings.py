"""Django settings. Every value an operator may change comes from project/env.py."""
import socket
from pathlib import Path

from project.database import database_config
from project.env import BASE_DIR, read_all
from project.observability.logs import logging_config

ENV = read_all()

DATA_DIR = Path(ENV["GLANCE_DATA_DIR"])
SECRET_KEY = ENV["SECRET_KEY"]
DEBUG = ENV["DEBUG"]
ALLOWED_HOSTS = ENV["ALLOWED_HOSTS"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: `runserver` then serves static files through WhiteNoise too, as gunicorn does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "project",
    "metadefs",
    "images",
]

MIDDLEWARE = [
    "project.api.middleware.RequestIdMiddleware",
    "project.observability.middleware.ObservationMiddleware",
    "project.api.middleware.CollapseSlashesMiddleware",
    "project.api.health.HealthcheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Answers only under STATIC_URL, before sessions and auth: a static file costs no query or token check.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "project.auth.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

SQLITE_OPTIMIZE_INTERVAL = ENV["SQLITE_OPTIMIZE_INTERVAL"]
DATABASES = {"default": database_config(ENV["DATABASE_URL"], DATA_DIR, ENV["DATABASE_BUSY_TIMEOUT"],
                                        ENV["SQLITE_MMAP_SIZE"])}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"  # filled by collectstatic (make run, tests/support/live_server.py)
# Content-hashed names (base.<hash>.css) served gzip-compressed with a ten-year max-age;
# a page always names the current hash, so a new release is never hidden behind a cached file.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
# loaddata understands the Glance metadef file format through this module.
SERIALIZATION_MODULES = {"metadefs": "metadefs.fixture_format"}

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["project.api.parsers.GlanceJSONParser", "project.api.parsers.AnyTypeJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "project.api.exceptions.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "project.api.negotiation.JSONOnlyNegotiation",
    "DEFAULT_METADATA_CLASS": None,
}

AUTH_STRATEGY = ENV["AUTH_STRATEGY"]
NOAUTH_DEFAULT_PROJECT = ENV["NOAUTH_DEFAULT_PROJECT"]
KEYSTONE_AUTH_URL = ENV["KEYSTONE_AUTH_URL"]
KEYSTONE_WWW_AUTHENTICATE_URI = ENV["KEYSTONE_WWW_AUTHENTICATE_URI"]
KEYSTONE_SERVICE_USER = ENV["KEYSTONE_SERVICE_USER"]
KEYSTONE_SERVICE_PASSWORD = ENV["KEYSTONE_SERVICE_PASSWORD"]
KEYSTONE_SERVICE_PROJECT = ENV["KEYSTONE_SERVICE_PROJECT"]
KEYSTONE_USER_DOMAIN = ENV["KEYSTONE_USER_DOMAIN"]
KEYSTONE_PROJECT_DOMAIN = ENV["KEYSTONE_PROJECT_DOMAIN"]
KEYSTONE_REGION_NAME = ENV["KEYSTONE_REGION_NAME"]
KEYSTONE_MEMCACHED_SERVERS = ENV["KEYSTONE_MEMCACHED_SERVERS"]
KEYSTONE_TOKEN_CACHE_TIME = ENV["KEYSTONE_TOKEN_CACHE_TIME"]
POLICY_FILE = ENV["POLICY_FILE"]
PROPERTY_PROTECTION_FILE = ENV["PROPERTY_PROTECTION_FILE"]
API_LIMIT_MAX = ENV["API_LIMIT_MAX"]
LIMIT_PARAM_DEFAULT = ENV["LIMIT_PARAM_DEFAULT"]

IMAGE_DEFAULT_STORE = ENV["IMAGE_DEFAULT_STORE"]
METADEF_ENFORCEMENT = ENV["METADEF_ENFORCEMENT"]
if METADEF_ENFORCEMENT not in ("off", "warn", "enforce"):
    raise SystemExit(f"METADEF_ENFORCEMENT={METADEF_ENFORCEMENT!r}: it is off, warn or enforce")
IMAGE_FILESYSTEM_DIR = Path(ENV["IMAGE_FILESYSTEM_DIR"] or DATA_DIR / "images")
IMAGE_STORES = ENV["IMAGE_STORES"] or {"file": {"type": "file", "directory": str(IMAGE_FILESYSTEM_DIR)}}
IMAGE_HASH_ALGORITHM = ENV["IMAGE_HASH_ALGORITHM"]
# Empty: no cache (Glance's default); downloads then always read the stores.
IMAGE_CACHE_DIR = ENV["IMAGE_CACHE_DIR"]
IMAGE_CACHE_MAX_SIZE = ENV["IMAGE_CACHE_MAX_SIZE"]
IMAGE_CACHE_STALL_TIME = ENV["IMAGE_CACHE_STALL_TIME"]
SHOW_IMAGE_DIRECT_URL = ENV["SHOW_IMAGE_DIRECT_URL"]
SHOW_MULTIPLE_LOCATIONS = ENV["SHOW_MULTIPLE_LOCATIONS"]
IMPORT_METHODS = ENV["IMPORT_METHODS"]
STAGING_DIR = Path(ENV["STAGING_DIR"] or DATA_DIR / "staging")
NODE_NAME = ENV["NODE_NAME"] or socket.gethostname()
TASK_WORKERS = ENV["TASK_WORKERS"]
TASK_TIME_TO_LIVE = ENV["TASK_TIME_TO_LIVE"]
TASK_STALE_MINUTES = ENV["TASK_STALE_MINUTES"]
UPLOAD_LEASE_SECONDS = ENV["UPLOAD_LEASE_SECONDS"]
IMPORT_PLUGINS = ENV["IMPORT_PLUGINS"]
IMAGE_CONVERSION_OUTPUT_FORMAT = ENV["IMAGE_CONVERSION_OUTPUT_FORMAT"]
INJECT_METADATA_PROPERTIES = ENV["INJECT_METADATA_PROPERTIES"]
INJECT_METADATA_IGNORE_USER_ROLES = ENV["INJECT_METADATA_IGNORE_USER_ROLES"]

# Work outside requests (imports) runs on Django's Tasks framework (the django-tasks backport) with its
# database backend: the queue is in the database every node already shares, so no broker to run.
# QUEUES is left open: each node has a queue of its own for imports whose data it staged.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
DELAYED_DELETE = ENV["DELAYED_DELETE"]
SCRUB_TIME = ENV["SCRUB_TIME"]
IMAGE_SCHEMA_FILE = ENV["IMAGE_SCHEMA_FILE"]
IMAGE_FORMAT_MATCH_REQUIRED = ENV["IMAGE_FORMAT_MATCH_REQUIRED"]
IMAGE_GPT_SAFETY_CHECKS_NONFATAL = ENV["IMAGE_GPT_SAFETY_CHECKS_NONFATAL"]
IMAGE_VMDK_ALLOWED_TYPES = ENV["IMAGE_VMDK_ALLOWED_TYPES"]
IMAGE_SIZE_CAP = ENV["IMAGE_SIZE_CAP"]
IMAGE_PROPERTY_QUOTA = ENV["IMAGE_PROPERTY_QUOTA"]
IMAGE_TAG_QUOTA = ENV["IMAGE_TAG_QUOTA"]
IMAGE_MEMBER_QUOTA = ENV["IMAGE_MEMBER_QUOTA"]
IMAGE_COUNT_TOTAL_QUOTA = ENV["IMAGE_COUNT_TOTAL_QUOTA"]
IMAGE_SIZE_TOTAL_QUOTA = ENV["IMAGE_SIZE_TOTAL_QUOTA"]
IMAGE_COUNT_UPLOADING_QUOTA = ENV["IMAGE_COUNT_UPLOADING_QUOTA"]
IMPORT_ALLOWED_SCHEMES = ENV["IMPORT_ALLOWED_SCHEMES"]
IMPORT_DISALLOWED_SCHEMES = ENV["IMPORT_DISALLOWED_SCHEMES"]
IMPORT_ALLOWED_HOSTS = ENV["IMPORT_ALLOWED_HOSTS"]
IMPORT_DISALLOWED_HOSTS = ENV["IMPORT_DISALLOWED_HOSTS"]
IMPORT_ALLOWED_PORTS = ENV["IMPORT_ALLOWED_PORTS"]
IMPORT_DISALLOWED_PORTS = ENV["IMPORT_DISALLOWED_PORTS"]
IMPORT_ALLOW_PRIVATE_NETWORKS = ENV["IMPORT_ALLOW_PRIVATE_NETWORKS"]
IMPORT_MAX_REDIRECTS = ENV["IMPORT_MAX_REDIRECTS"]
HTTP_CONNECT_TIMEOUT = ENV["HTTP_CONNECT_TIMEOUT"]
HTTP_READ_TIMEOUT = ENV["HTTP_READ_TIMEOUT"]
AUDIT_MAX_RATE = ENV["AUDIT_MAX_RATE"]
AUDIT_ORPHAN_GRACE_HOURS = ENV["AUDIT_ORPHAN_GRACE_HOURS"]
HEALTHCHECK_DISABLE_FILE = ENV["HEALTHCHECK_DISABLE_FILE"]
METRICS_BIND = ENV["METRICS_BIND"]
ADMIN_KEYSTONE_LOGIN = ENV["ADMIN_KEYSTONE_LOGIN"]
ADMIN_KEYSTONE_PROJECT = ENV["ADMIN_KEYSTONE_PROJECT"]
ADMIN_KEYSTONE_DOMAIN = ENV["ADMIN_KEYSTONE_DOMAIN"]
# Django users first (createsuperuser); then, with ADMIN_KEYSTONE_LOGIN in keystone mode, Keystone's administrators.
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend", "project.auth.admin_login.KeystoneAdminBackend"]

LOG_FORMAT = ENV["LOG_FORMAT"]
if LOG_FORMAT not in ("text", "json"):
    raise SystemExit(f"LOG_FORMAT={LOG_FORMAT!r}: it is text or json")
LOGGING = logging_config(LOG_FORMAT, ENV["LOG_LEVEL"])
