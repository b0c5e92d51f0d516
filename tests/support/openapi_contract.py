"""Check live answers against the service's OpenAPI description (/v2/openapi.json) with jsonschema.

`Contract.check` finds the operation a request went to, and fails unless the status is described,
the media type is one the description lists, the required headers are there and the body
validates against the described schema (JSON Schema 2020-12, as OpenAPI 3.1 means it).
"""
import http.client
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import jsonschema

TEMPLATE = re.compile(r"\{[^}]+\}")


@dataclass
class Answer:
    method: str
    path: str
    status: int
    headers: dict
    raw: bytes

    @property
    def json(self):
        return json.loads(self.raw)

    def header(self, name):
        return self.headers.get(name.lower())


def request(url, method, path, *, body=None, data=None, headers=None):
    """One request with the standard library; `body` goes as JSON, `data` as it is."""
    parts = urlsplit(url)
    headers = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        return Answer(method, path, response.status, {k.lower(): v for k, v in response.getheaders()}, raw)
    finally:
        connection.close()


class Contract:
    def __init__(self, document):
        self.document = document
        # Literal paths before templated ones: /v2/cache/clean is not /v2/cache/{image_id}.
        self.templates = sorted(document["paths"], key=lambda path: (len(TEMPLATE.findall(path)), path))
        self.checked = set()

    def operation(self, method, path):
        route = urlsplit(path).path
        for template in self.templates:
            pattern = "^" + TEMPLATE.sub("[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")) + "$"
            if re.match(pattern, route) and method.lower() in self.document["paths"][template]:
                return template, self.document["paths"][template][method.lower()]
        raise AssertionError(f"{method} {route}: no operation in the description")

    def check(self, answer):
        """`answer`, checked; returned so a test can go on with it."""
        template, operation = self.operation(answer.method, answer.path)
        where = f"{answer.method} {answer.path} -> {answer.status}"
        described = operation["responses"].get(str(answer.status))
        assert described is not None, f"{where}: status not described ({sorted(operation['responses'])})"
        pointer = f"/paths/{_escape(template)}/{answer.method.lower()}/responses/{answer.status}"
        if "$ref" in described:
            pointer = described["$ref"].removeprefix("#")
            described = self.resolve(described["$ref"])
        self._check_headers(where, described, answer)
        self._check_body(where, described, pointer, answer)
        self.checked.add(f"{answer.method} {template}")
        return answer

    def resolve(self, reference):
        node = self.document
        for part in reference.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    @staticmethod
    def _check_headers(where, described, answer):
        for name, header in described.get("headers", {}).items():
            if header.get("required"):
                assert answer.header(name) is not None, f"{where}: header {name} missing"

    def _check_body(self, where, described, pointer, answer):
        content = described.get("content")
        if not content:
            assert not answer.raw, f"{where}: a body the description does not have: {answer.raw[:200]!r}"
            return
        media_type = (answer.header("Content-Type") or "").split(";")[0].strip()
        assert media_type in content, f"{where}: Content-Type {media_type!r} not in {sorted(content)}"
        if media_type == "application/json":
            schema_pointer = f"{pointer}/content/{_escape(media_type)}/schema"
            validator = jsonschema.Draft202012Validator({**self.document, "$ref": f"#{schema_pointer}"})
            errors = sorted(validator.iter_errors(answer.json), key=lambda error: error.path)
            assert not errors, f"{where}: body breaks {schema_pointer}: " + "; ".join(
                f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])


def _escape(part):
    return part.replace("~", "~0").replace("/", "~1")
