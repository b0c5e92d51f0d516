"""The contract checker fails where a live answer and the description disagree."""
import json

import pytest

from tests.support.openapi_contract import Answer, Contract

DOCUMENT = {"paths": {"/things/{id}": {"get": {"responses": {
    "200": {"description": "A thing.", "headers": {"Location": {"required": True, "schema": {"type": "string"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
    "404": {"$ref": "#/components/responses/Missing"}}}}},
    "components": {"schemas": {"Thing": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}},
                   "responses": {"Missing": {"description": "No such thing."}}}}
HEADERS = {"content-type": "application/json", "location": "/things/1"}


def answer(status=200, body=None, headers=HEADERS):
    return Answer("GET", "/things/1", status, headers, json.dumps(body).encode() if body is not None else b"")


def test_a_described_answer_passes():
    contract = Contract(DOCUMENT)
    contract.check(answer(body={"id": "1"}))
    contract.check(answer(404, headers={}))
    assert contract.checked == {"GET /things/{id}"}


@pytest.mark.parametrize("wrong, message", [
    (answer(body={"id": 1}), "1 is not of type 'string'"),
    (answer(500, body={}), "status not described"),
    (answer(body={"id": "1"}, headers={"content-type": "application/json"}), "header Location missing"),
    (answer(body={"id": "1"}, headers={**HEADERS, "content-type": "text/html"}), "Content-Type 'text/html'"),
    (answer(404, body={"id": "1"}, headers={}), "a body the description does not have"),
])
def test_a_mismatch_fails(wrong, message):
    with pytest.raises(AssertionError, match=message):
        Contract(DOCUMENT).check(wrong)


def test_an_undescribed_route_fails():
    with pytest.raises(AssertionError, match="no operation"):
        Contract(DOCUMENT).operation("POST", "/things/1")
