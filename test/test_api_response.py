"""ApiResponse: what the *_with_http_info forms return."""

import json

import pytest
from pydantic import ValidationError
from support import VM

from hostinger_api import ApiClient, ApiResponse, VPSSnapshotsApi, VPSV1ActionActionResource


def test_it_holds_status_headers_data_and_raw_bytes():
    action = VPSV1ActionActionResource(id=1)
    response = ApiResponse(status_code=200, headers={"a": "b"}, data=action, raw_data=b'{"id": 1}')
    assert (response.status_code, response.headers["a"], response.data, response.raw_data) == (
        200,
        "b",
        action,
        b'{"id": 1}',
    )


def test_it_is_validated_when_built_by_hand():
    with pytest.raises(ValidationError):
        ApiResponse(status_code="200", data=None, raw_data=b"")
    with pytest.raises(ValidationError):
        ApiResponse(status_code=200, data=None, raw_data="text")


def test_headers_are_a_plain_dict_that_serializes_and_ignores_case(fake):
    with ApiClient(fake.configuration()) as client:
        answer = VPSSnapshotsApi(client).create_snapshot_v1_with_http_info(VM)
    headers = answer.headers
    assert isinstance(headers, dict)  # as 4.3.1's
    assert headers["content-type"] == headers["Content-Type"] == "application/json"
    assert "CONTENT-TYPE" in headers
    assert headers.get("x-missing", "none") == "none"
    assert json.loads(json.dumps(headers))["Content-Type"] == "application/json"
    assert json.loads(answer.model_dump_json())["headers"]["Content-Type"] == "application/json"


def test_header_writes_ignore_case_too():
    from hostinger_api.api_response import ResponseHeaders

    headers = ResponseHeaders({"Content-Type": "application/json", "Date": "d"})
    headers["content-type"] = "text/plain"
    assert headers == {"Content-Type": "text/plain", "Date": "d"}
    assert headers["CONTENT-TYPE"] == "text/plain"
    headers.update({"date": "e"}, server="s")
    assert headers == {"Content-Type": "text/plain", "Date": "e", "server": "s"}
    assert headers.setdefault("SERVER", "t") == "s"
    assert headers.pop("date") == "e"
    del headers["content-TYPE"]
    assert headers == {"server": "s"}
    assert headers.pop("missing", None) is None
