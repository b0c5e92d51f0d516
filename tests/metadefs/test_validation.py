"""validate_property_value: what the images side uses to check a value against a metadef property."""
import pytest

from metadefs.validation import check_property_definition, validate_property_value
from project.errors import InvalidInput

CPU_POLICY = {"name": "hw_cpu_policy", "title": "CPU policy", "type": "string", "enum": ["shared", "dedicated"]}
CORES = {"title": "Cores", "type": "integer", "minimum": 1, "maximum": 64}
FLAGS = {"title": "Flags", "type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "uniqueItems": True,
         "maxItems": 2}
VERSION = {"title": "Version", "type": "string", "pattern": "^[0-9]+\\.[0-9]+$", "readonly": True}


@pytest.mark.parametrize("definition,value", [
    (CPU_POLICY, "shared"), (CORES, 1), (CORES, 64), (FLAGS, ["a", "b"]), (VERSION, "1.2"),
    ({"title": "Any", "type": "boolean"}, False),
])
def test_valid_values_pass(definition, value):
    validate_property_value(definition, value)


@pytest.mark.parametrize("definition,value,reason", [
    (CPU_POLICY, "mixed", "is not one of"),
    (CORES, 0, "less than the minimum"),
    (CORES, "4", "is not of type 'integer'"),
    (CORES, True, "is not of type 'integer'"),
    (FLAGS, ["a", "a"], "non-unique"),
    (FLAGS, ["c"], "is not one of"),
    (VERSION, "v1", "does not match"),
])
def test_invalid_values_name_property_and_reason(definition, value, reason):
    with pytest.raises(InvalidInput) as error:
        validate_property_value(definition, value)
    assert reason in error.value.message
    assert (definition.get("name") or "property") in error.value.message


def test_model_instances_are_accepted(db):
    from metadefs.models import Namespace, Property

    namespace = Namespace.objects.create(namespace="n", owner="admin")
    prop = Property.objects.create(namespace=namespace, name="hw_cpu_cores", schema=CORES)
    validate_property_value(prop, 8)
    with pytest.raises(InvalidInput, match="hw_cpu_cores"):
        validate_property_value(prop, 100)


def test_definitions_with_operators_and_readonly_are_usable():
    check_property_definition("x", {"title": "X", "type": "string", "operators": ["<or>"], "readonly": True})
