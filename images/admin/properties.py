"""Each image property beside the metadef definition that describes or governs it, and its violation."""
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string

from images.admin.forms import shown_properties
from metadefs import governance

CONSTRAINTS = ("enum", "minimum", "maximum", "minLength", "maxLength", "pattern", "items")


@dataclass(frozen=True)
class PropertyRow:
    name: str
    value: str
    rule: governance.Rule | None
    violation: governance.Violation | None

    @property
    def constraints(self):
        definition = self.rule.definition if self.rule else {}
        return {key: definition[key] for key in CONSTRAINTS if key in definition}

    @property
    def check(self):
        """What METADEF_ENFORCEMENT makes of this property, in words."""
        if self.violation is not None:
            return f"violates its definition: {self.violation.reason}"
        if self.rule is None:
            return "no definition"
        if not self.rule.enforced:
            return "described only (namespace not enforced)"
        if settings.METADEF_ENFORCEMENT == "off":
            return "not checked (METADEF_ENFORCEMENT is off)"
        return "valid"


def rows(image):
    """One row per shown property; violations come from the check the API runs on a create or patch."""
    properties = shown_properties(image)
    rules = governance.describing_rules()
    violations = {violation.name: violation for violation in governance.image_property_violations(properties)}
    return [PropertyRow(name, value, rules.get(name), violations.get(name)) for name, value in properties.items()]


def render(image):
    return render_to_string("admin/images/image/governed_properties.html",
                            {"rows": rows(image), "enforcement": settings.METADEF_ENFORCEMENT})
