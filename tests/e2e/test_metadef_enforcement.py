"""`openstack image set --property` against the vendor catalog, with METADEF_ENFORCEMENT enforce and off."""
import html
import json

import pytest

from tests.e2e.conftest import Cli
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.e2e

ENFORCE = ("from metadefs.models import Namespace; "
           "Namespace.objects.filter(namespace='OS::Compute::LibvirtImage').update(enforced=True)")


@pytest.fixture(scope="module", params=["enforce", "off"])
def server(request, tmp_path_factory):
    with LiveServer(tmp_path_factory.mktemp(f"enforcement-{request.param}"), workers=1,
                    extra_env={"METADEF_ENFORCEMENT": request.param}) as server:
        server.manage("load_metadefs", "fixtures/metadefs")
        server.manage("shell", "-c", ENFORCE)
        server.mode = request.param
        yield server


@pytest.fixture
def openstack(server, client_env):
    return Cli("openstack", ["--os-auth-type", "none", "--os-endpoint", server.url, "--os-image-api-version", "2"],
               client_env)


def test_image_set_property_is_checked_against_the_catalog(server, openstack):
    image_id = json.loads(openstack("image", "create", "-f", "json", "governed").stdout)["id"]
    refused = server.mode == "enforce"
    result = openstack("image", "set", "--property", "hw_vif_model=foo", image_id, expect_failure=refused)
    shown = json.loads(openstack("image", "show", "-f", "json", image_id).stdout)["properties"]
    if refused:  # the error body is HTML (as Glance's): the client prints it escaped
        assert "hw_vif_model: 'foo' is not one of ['e1000', 'e1000e'," in html.unescape(result.stderr)
        assert "(namespace OS::Compute::LibvirtImage)" in result.stderr
        assert "hw_vif_model" not in shown
    else:
        assert shown["hw_vif_model"] == "foo"
    openstack("image", "set", "--property", "hw_vif_model=virtio", image_id)
    assert json.loads(openstack("image", "show", "-f", "json", image_id).stdout)["properties"]["hw_vif_model"] == \
        "virtio"
