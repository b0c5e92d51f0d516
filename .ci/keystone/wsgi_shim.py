"""gunicorn entry point for Keystone.

Keystone parses sys.argv with oslo.config when its WSGI app loads, so under
gunicorn it would read gunicorn's own options as its own and fail: clear them first.
Keystone finds its configuration through OS_KEYSTONE_CONFIG_FILES instead.
"""
import sys

sys.argv = sys.argv[:1]

from keystone.wsgi.api import application  # noqa: E402,F401
