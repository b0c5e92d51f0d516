"""Django settings. Every value an operator may change comes from project/env.py."""
from pathlib import Path

from project.database import database_config
from project.env import BASE_DIR, read_all

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
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "metadefs",
    "images",
]

MIDDLEWARE = [
    "project.api.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
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

DATABASES = {"default": database_config(ENV["DATABASE_URL"], DATA_DIR, ENV["DATABASE_BUSY_TIMEOUT"])}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
# loaddata understands the Glance metadef file format through this module.
SERIALIZATION_MODULES = {"metadefs": "metadefs.fixture_format"}

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["project.api.parsers.GlanceJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "project.api.exceptions.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "project.api.negotiation.JSONOnlyNegotiation",
    "DEFAULT_METADATA_CLASS": None,
}

AUTH_STRATEGY = ENV["AUTH_STRATEGY"]
NOAUTH_DEFAULT_PROJECT = ENV["NOAUTH_DEFAULT_PROJECT"]
API_LIMIT_MAX = ENV["API_LIMIT_MAX"]
LIMIT_PARAM_DEFAULT = ENV["LIMIT_PARAM_DEFAULT"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": ENV["LOG_LEVEL"]},
}
