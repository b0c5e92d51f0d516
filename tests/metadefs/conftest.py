import pytest

NS_PATH = "/v2/metadefs/namespaces"


def ns_url(name, *rest):
    return "/".join([NS_PATH, name, *rest])


@pytest.fixture
def namespace(api):
    """A private namespace of project 'admin' with one of everything."""
    body = {
        "namespace": "OS::Test::Sample",
        "display_name": "Sample",
        "description": "Namespace used by the tests.",
        "resource_type_associations": [{"name": "OS::Nova::Flavor", "prefix": "hw:"},
                                       {"name": "OS::Glance::Image", "prefix": "hw_",
                                        "properties_target": "image"}],
        "properties": {"cpu_policy": {"title": "CPU policy", "type": "string", "enum": ["shared", "dedicated"],
                                      "default": "shared"}},
        "objects": [{"name": "Topology", "description": "CPU topology", "required": ["sockets"],
                     "properties": {"sockets": {"title": "Sockets", "type": "integer", "minimum": 1}}}],
        "tags": [{"name": "fast"}, {"name": "cheap"}],
    }
    response = api.post(NS_PATH, body)
    assert response.status_code == 201, response.content
    return response.json()
