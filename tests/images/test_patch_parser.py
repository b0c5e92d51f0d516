"""images.patch, tested directly: dialects, pointers and the checks made before the image is read."""
import pytest

from images.patch import ACCEPT_PATCH, V20, V21, Change, check_media_type, decode_pointer, parse_patch
from project.errors import Forbidden, InvalidInput, UnsupportedMediaType


def test_v21_operations():
    document = [
        {"op": "replace", "path": "/name", "value": "x"},
        {"op": "add", "path": "/foo", "value": "bar"},
        {"op": "remove", "path": "/old"},
        {"op": "replace", "path": "/tags", "value": ["a"]},
    ]
    assert parse_patch(document, V21) == [
        Change("replace", "name", "x"), Change("add", "foo", "bar"), Change("remove", "old"),
        Change("replace", "tags", ["a"]),
    ]


def test_v20_operations_name_the_op_as_key_and_add_must_be_new():
    document = [{"add": "/foo", "value": "bar"}, {"remove": "/old"}]
    assert parse_patch(document, V20) == [
        Change("add", "foo", "bar", add_must_be_new=True), Change("remove", "old", add_must_be_new=True),
    ]


@pytest.mark.parametrize("pointer, parts", [
    ("/name", ["name"]), ("/a~1b", ["a/b"]), ("/a~0b", ["a~b"]), ("/ spaced ", ["spaced"]),
    ("/locations/-", ["locations", "-"]),
])
def test_pointer_decoding(pointer, parts):
    assert decode_pointer(pointer) == parts


@pytest.mark.parametrize("pointer", ["name", "/", "//a", "/a//b", "/a/", "/a~2", "/a~", 5, None])
def test_bad_pointers(pointer):
    with pytest.raises(InvalidInput):
        decode_pointer(pointer)


@pytest.mark.parametrize("document", [
    {"op": "add"},
    "replace",
    [5],
    [{"path": "/name", "value": "x"}],
    [{"op": "move", "path": "/name", "value": "x"}],
    [{"op": "add", "value": "x"}],
    [{"op": "add", "path": "/name"}],
    [{"op": "add", "path": "/a/b", "value": "x"}],
    [{"op": "add", "path": "/tags/-", "value": "x"}],
    [{"op": "replace", "path": "/name", "value": 5}],
    [{"op": "replace", "path": "/name", "value": "x" * 256}],
    [{"op": "replace", "path": "/visibility", "value": "everyone"}],
    [{"op": "replace", "path": "/disk_format", "value": "floppy"}],
    [{"op": "replace", "path": "/min_ram", "value": "512"}],
    [{"op": "replace", "path": "/protected", "value": "yes"}],
    [{"op": "replace", "path": "/tags", "value": "a"}],
    [{"op": "replace", "path": "/tags", "value": [1]}],
    [{"op": "add", "path": "/custom", "value": 1}],
    [{"op": "add", "path": "/" + "k" * 256, "value": "v"}],
    [{"op": "add", "path": "/locations", "value": []}],
])
def test_bad_documents_are_invalid_input(document):
    with pytest.raises(InvalidInput):
        parse_patch(document, V21)


def test_v20_requires_exactly_one_operation_member():
    with pytest.raises(InvalidInput):
        parse_patch([{"add": "/a", "replace": "/b", "value": "x"}], V20)
    with pytest.raises(InvalidInput):
        parse_patch([{"op": "add", "path": "/a", "value": "x"}], V20)


@pytest.mark.parametrize("name", ["id", "status", "checksum", "size", "virtual_size", "created_at", "updated_at",
                                  "self", "file", "schema", "direct_url", "os_hash_algo", "os_hash_value",
                                  "stores", "location", "deleted", "deleted_at", "os_glance_stage_host"])
@pytest.mark.parametrize("op", ["add", "replace", "remove"])
def test_read_only_and_reserved_names_are_forbidden(name, op):
    with pytest.raises(Forbidden):
        parse_patch([{"op": op, "path": f"/{name}", "value": "v"}], V21)


@pytest.mark.parametrize("path", ["/locations/-", "/locations/0"])
def test_locations_are_not_exposed(path):
    with pytest.raises(Forbidden):
        parse_patch([{"op": "add", "path": path, "value": {"url": "http://x", "metadata": {}}}], V21)


@pytest.mark.parametrize("name", ["name", "visibility", "tags", "min_ram", "protected", "owner"])
def test_base_attributes_may_not_be_removed(name):
    with pytest.raises(Forbidden):
        parse_patch([{"op": "remove", "path": f"/{name}"}], V21)


def test_first_bad_change_decides_even_after_good_ones():
    with pytest.raises(Forbidden):
        parse_patch([{"op": "add", "path": "/a", "value": "b"}, {"op": "replace", "path": "/id", "value": "x"}], V21)


@pytest.mark.parametrize("content_type", ["application/json", "", None, "application/json-patch+json"])
def test_other_media_types_are_415_with_accept_patch(content_type):
    with pytest.raises(UnsupportedMediaType) as raised:
        check_media_type(content_type)
    assert raised.value.headers == {"Accept-Patch": ACCEPT_PATCH}
    assert ACCEPT_PATCH == f"{V20}, {V21}"


def test_media_type_parameters_are_ignored():
    assert check_media_type(f"{V21}; charset=UTF-8") == V21
