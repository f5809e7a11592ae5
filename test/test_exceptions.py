"""The exception tree and what each exception carries."""

from __future__ import annotations

import json

import pytest

from hostinger_api import exceptions as ex


class _Response:
    """Just what ApiException reads from an HTTP response."""

    def __init__(self, status, body=b"", headers=None, reason="Reason"):
        self.status = status
        self.reason = reason
        self.data = body
        self.headers = headers or {}


def test_the_tree():
    for name in [
        "ApiTypeError",
        "ApiValueError",
        "ApiAttributeError",
        "ApiKeyError",
        "ApiException",
        "ActionFailedError",
        "ActionTimeoutError",
    ]:
        assert issubclass(getattr(ex, name), ex.OpenApiException), name
    for name in [
        "BadRequestException",
        "UnauthorizedException",
        "ForbiddenException",
        "NotFoundException",
        "ConflictException",
        "UnprocessableEntityException",
        "TooManyRequestsException",
        "ServiceException",
        "ResponseDecodeError",
        "ApiConnectionError",
    ]:
        assert issubclass(getattr(ex, name), ex.ApiException), name
    assert issubclass(ex.ApiTimeoutError, ex.ApiConnectionError)
    assert issubclass(ex.ApiTypeError, TypeError)
    assert issubclass(ex.ApiValueError, ValueError)
    assert issubclass(ex.ApiAttributeError, AttributeError)
    assert issubclass(ex.ApiKeyError, KeyError)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, ex.BadRequestException),
        (401, ex.UnauthorizedException),
        (403, ex.ForbiddenException),
        (404, ex.NotFoundException),
        (409, ex.ConflictException),
        (422, ex.UnprocessableEntityException),
        (500, ex.ServiceException),
        (503, ex.ServiceException),
        (599, ex.ServiceException),
        (418, ex.ApiException),
        (302, ex.ApiException),
    ],
)
def test_from_response_picks_the_class_of_the_status(status, expected):
    error = ex.ApiException.from_response(http_resp=_Response(status), body="", data=None)
    assert type(error) is expected
    assert error.status == status


def test_the_response_fills_in_what_was_not_given():
    body = {"message": "Unauthenticated", "correlation_id": "abc-123"}
    response = _Response(
        401, json.dumps(body).encode(), {"Content-Type": "application/json"}, "Unauthorized"
    )
    error = ex.ApiException(http_resp=response)
    assert (error.status, error.reason) == (401, "Unauthorized")
    assert json.loads(error.body) == body
    assert error.headers == {"Content-Type": "application/json"}
    assert error.data is None
    assert error.message == "Unauthenticated"
    assert error.correlation_id == "abc-123"
    assert (
        str(error)
        == "(401)\nReason: Unauthorized\nMessage: Unauthenticated\nCorrelation id: abc-123\n"
    )


def test_a_body_that_is_not_json_is_shown_shortened():
    page = "<html>" + "x" * 2000 + "</html>"
    error = ex.ApiException(status=502, reason="Bad Gateway", body=page)
    assert error.message is None
    assert error.correlation_id is None
    text = str(error)
    assert "HTTP response body: <html>xxx" in text
    assert "(2013 characters)" in text
    assert len(text) < 700


def test_a_json_body_that_is_not_an_object_has_no_message():
    error = ex.ApiException(status=500, body="[1, 2]")
    assert error.message is None
    assert "HTTP response body: [1, 2]" in str(error)


def test_no_response_at_all():
    error = ex.ApiException(status=0, reason="nothing came back")
    assert str(error) == "(0)\nReason: nothing came back\n"
    assert error.headers is None
    connection = ex.ApiConnectionError("refused")
    assert (connection.status, connection.reason) == (0, "refused")


def test_argument_errors_render_the_path():
    assert ex.render_path(["data", 0, "id"]) == "['data'][0]['id']"
    error = ex.ApiTypeError(
        "bad type", path_to_item=["data", 0], valid_classes=(int,), key_type=False
    )
    assert str(error) == "bad type at ['data'][0]"
    assert error.valid_classes == (int,)
    assert str(ex.ApiValueError("bad value")) == "bad value"
    assert ex.ApiAttributeError("gone", ["a"]).path_to_item == ["a"]
    assert "['k']" in str(ex.ApiKeyError("missing", ["k"]))


def test_action_errors_carry_the_action():
    from hostinger_api.models import VPSV1ActionActionResource

    action = VPSV1ActionActionResource(id=7, state="error")
    error = ex.ActionFailedError("it failed", action)
    assert error.action is action
    assert str(error) == "it failed"


@pytest.mark.parametrize(
    "error",
    [
        ex.ApiConnectionError("refused"),
        ex.ApiTimeoutError("slow"),
        ex.ApiException(http_resp=_Response(503, b'{"message": "m", "correlation_id": "c"}')),
        ex.ResponseDecodeError(status=200, reason="bad", body="{"),
        ex.ResponseDecodeError(http_resp=_Response(200, b"\xff{")),
        ex.TooManyRequestsException(http_resp=_Response(429, headers={"Retry-After": "7"})),
        ex.ApiTypeError("wrong", path_to_item=["a"], valid_classes=(int,)),
        ex.ApiValueError("bad"),
    ],
)
def test_exceptions_survive_pickling_whole(error):
    import pickle

    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.__dict__ == error.__dict__


def test_action_errors_survive_pickling_with_their_action():
    import pickle

    from hostinger_api.models import VPSV1ActionActionResource

    error = ex.ActionTimeoutError("too slow", VPSV1ActionActionResource(id=7, state="started"))
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.action) == ("too slow", error.action)


def test_too_many_requests_says_when_to_come_back():
    error = ex.ApiException.from_response(
        http_resp=_Response(429, b"{}", {"Retry-After": "30"}), body="{}", data=None
    )
    assert isinstance(error, ex.TooManyRequestsException)
    assert error.retry_after == 30.0
    assert str(error).endswith("Retry after: 30 seconds\n")
    silent = ex.TooManyRequestsException(http_resp=_Response(429))
    assert silent.retry_after is None
    assert "Retry after" not in str(silent)
    assert ex.TooManyRequestsException(status=429).retry_after is None


def test_a_dated_retry_after_is_measured_against_the_answers_date():
    headers = {
        "Retry-After": "Wed, 02 Dec 2026 10:01:00 GMT",
        "Date": "Wed, 02 Dec 2026 10:00:00 GMT",
    }
    error = ex.TooManyRequestsException(http_resp=_Response(429, b"{}", headers))
    assert error.retry_after == 60.0  # whatever this machine's clock says


def test_a_decode_error_keeps_the_raw_bytes():
    error = ex.ResponseDecodeError(http_resp=_Response(200, b"\xff\xfe{"))
    assert error.raw_body == b"\xff\xfe{"
    assert error.body == "\ufffd\ufffd{"
    assert ex.ResponseDecodeError(status=200).raw_body is None
