"""ApiResponse: what the *_with_http_info forms return."""

import pytest
from pydantic import ValidationError

from hostinger_api import ApiResponse, VPSV1ActionActionResource


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
