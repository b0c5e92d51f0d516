"""Capture the /v2/schemas/* documents served by real OpenStack Glance 33.0.0.

Re-run (from anywhere):

    python3 -m venv /tmp/glance33-venv
    /tmp/glance33-venv/bin/pip install glance==33.0.0
    /tmp/glance33-venv/bin/python tests/data/glance33/capture.py

The documents come from Glance's own WSGI stack: glance.api.v2.router.API
(which calls glance.api.v2.images.load_custom_properties() and
glance.api.v2.schemas.create_resource()) is driven with webob requests, with
oslo.config initialised with defaults and no config files.  Two captures:
  schemas.json                    - no schema-image.json findable (base props)
  schemas-with-schema-image.json  - with the schema-image.json next to this
                                    script (copy of glance-33.0.0/etc/) found
                                    via --config-dir
Optionally writes the GET / versions document (answered by the
VersionNegotiationFilter -> glance.api.versions.Controller, status 300,
hrefs on http://localhost/) to argv[1].
"""
import json
import os
import shutil
import sys
import tempfile

import webob
from oslo_config import cfg

import glance.common.config  # noqa: F401  (registers options)
import glance.image_cache  # noqa: F401  (registers image_cache_dir)
from glance.api.middleware import version_negotiation
from glance.api.v2 import router
from glance.common import wsgi

HERE = os.path.dirname(os.path.abspath(__file__))
CONF = cfg.CONF
NAMES = ['image', 'images', 'member', 'members', 'task', 'tasks'] + [
    'metadefs/' + n for n in (
        'namespace', 'namespaces', 'resource_type', 'resource_types',
        'property', 'properties', 'object', 'objects', 'tag', 'tags')]


def capture(config_dir=None):
    args = ['--config-dir', config_dir] if config_dir else []
    CONF(args=args, project='glance', default_config_files=[],
         default_config_dirs=[])
    found = CONF.find_file('schema-image.json')
    assert (found is None) == (config_dir is None), found
    app = router.API(wsgi.APIMapper())
    out = {}
    for name in NAMES:
        resp = webob.Request.blank('/schemas/' + name).get_response(app)
        assert resp.status_int == 200, (name, resp.status)
        out[name] = json.loads(resp.body)
    return out


def dump(obj, path):
    with open(path, 'w') as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write('\n')


if __name__ == '__main__':
    dump(capture(), os.path.join(HERE, 'schemas.json'))
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(os.path.join(HERE, 'schema-image.json'), d)
        dump(capture(d), os.path.join(HERE, 'schemas-with-schema-image.json'))
    if len(sys.argv) > 1:
        CONF(args=[], project='glance', default_config_files=[],
             default_config_dirs=[])
        app = version_negotiation.VersionNegotiationFilter(
            router.API(wsgi.APIMapper()))
        resp = webob.Request.blank('/').get_response(app)  # 300
        dump(json.loads(resp.body), sys.argv[1])
