"""ApiClient: statuses to exceptions, bodies to models, the generated helpers, thread sharing."""

from __future__ import annotations

import datetime
import decimal
import enum
import json

import pytest
from pydantic import SecretStr
from support import VM

from hostinger_api import (
    ApiClient,
    ApiException,
    ApiValueError,
    BadRequestException,
    CommonSchemaErrorResponseSchema,
    CommonSchemaUnauthorizedResponseSchema,
    CommonSchemaUnprocessableContentResponseSchema,
    Configuration,
    ConflictException,
    ForbiddenException,
    NotFoundException,
    ResponseDecodeError,
    ServiceException,
    TooManyRequestsException,
    UnauthorizedException,
    UnprocessableEntityException,
    VPSSnapshotsApi,
    VPSV1SnapshotSnapshotResource,
)
from hostinger_api._version import __version__

SNAPSHOT_PATH = "/api/vps/v1/virtual-machines/{virtualMachineId}/snapshot"


@pytest.fixture
def once(fake):
    """Snapshots through a client that never retries, so each status is seen as it came."""
    configuration = fake.configuration()
    configuration.retries = 0
    with ApiClient(configuration) as api_client:
        yield VPSSnapshotsApi(api_client)


@pytest.mark.parametrize(
    ("status", "exception", "model"),
    [
        (400, BadRequestException, CommonSchemaErrorResponseSchema),
        (401, UnauthorizedException, CommonSchemaUnauthorizedResponseSchema),
        (403, ForbiddenException, CommonSchemaErrorResponseSchema),
        (404, NotFoundException, CommonSchemaErrorResponseSchema),
        (409, ConflictException, CommonSchemaErrorResponseSchema),
        (422, UnprocessableEntityException, CommonSchemaUnprocessableContentResponseSchema),
        (429, TooManyRequestsException, CommonSchemaErrorResponseSchema),
        (500, ServiceException, CommonSchemaErrorResponseSchema),
        (502, ServiceException, CommonSchemaErrorResponseSchema),
        (503, ServiceException, CommonSchemaErrorResponseSchema),
        (418, ApiException, CommonSchemaErrorResponseSchema),
    ],
)
def test_each_status_raises_its_exception_with_everything_kept(
    fake, once, status, exception, model
):
    body = {"message": f"Failure {status}", "correlation_id": f"corr-{status}"}
    if status == 422:
        body["errors"] = {"virtual_machine_id": ["is wrong"]}
    fake.respond_with(status, body, headers={"X-Trace": "t-1"})

    with pytest.raises(exception) as caught:
        once.get_snapshot_v1(VM)

    error = caught.value
    assert type(error) is exception
    assert error.status == status
    assert isinstance(error.data, model)
    assert error.data.message == f"Failure {status}"
    assert json.loads(error.body) == body
    assert error.headers["X-Trace"] == "t-1"
    assert error.correlation_id == f"corr-{status}"
    assert error.message == f"Failure {status}"
    text = str(error)
    assert text.startswith(f"({status})\nReason: ")
    assert f"Message: Failure {status}" in text
    assert f"Correlation id: corr-{status}" in text


def test_a_wrong_token_is_unauthenticated(fake):
    configuration = fake.configuration()
    configuration.access_token = "wrong"
    with ApiClient(configuration) as api_client, pytest.raises(UnauthorizedException) as caught:
        VPSSnapshotsApi(api_client).get_snapshot_v1(VM)
    assert caught.value.message == "Unauthenticated"
    assert isinstance(caught.value.data, CommonSchemaUnauthorizedResponseSchema)
    assert "wrong" not in str(caught.value)


def test_no_token_sends_no_authorization_header(fake):
    with (
        ApiClient(Configuration(host=fake.url)) as api_client,
        pytest.raises(UnauthorizedException),
    ):
        VPSSnapshotsApi(api_client).get_snapshot_v1(VM)
    assert fake.requests[0].header("Authorization") is None


def test_a_refusal_with_reasons_per_field(snapshots):
    with pytest.raises(UnprocessableEntityException) as caught:
        snapshots.restore_snapshot_v1(VM)
    assert caught.value.data.errors == {"snapshot": ["The virtual machine has no snapshot."]}


def test_an_html_error_page_keeps_the_page_and_has_no_data(fake, once):
    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    fake.respond_with(502, page, headers={"Content-Type": "text/html"})
    with pytest.raises(ServiceException) as caught:
        once.get_snapshot_v1(VM)
    assert caught.value.data is None
    assert caught.value.body == page.decode()
    assert "502 Bad Gateway" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "headers", "why"),
    [
        (b'{"id": 3, "restore', {}, "Invalid JSON"),
        (b"", {}, "Invalid JSON"),
        (b"[1, 2]", {}, "should be an object"),
        (b'{"id": "three"}', {}, "id:"),
        (b"<html>ok</html>", {"Content-Type": "text/html"}, "expected JSON, got text/html"),
    ],
)
def test_a_2xx_body_that_cannot_be_read_is_a_decode_error(fake, snapshots, body, headers, why):
    fake.respond_with(200, body, headers=headers)
    with pytest.raises(ResponseDecodeError, match=why) as caught:
        snapshots.get_snapshot_v1(VM)
    assert caught.value.status == 200
    assert caught.value.body == body.decode()
    assert caught.value.raw_body == body
    assert caught.value.headers["Content-Length"] == str(len(body))


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},  # the usual one, recognised without a regex
        {"Content-Type": "Application/JSON; charset=utf-8"},
        {"Content-Type": "application/problem+json"},
    ],
)
def test_a_200_model_in_any_json_content_type_loads(fake, snapshots, headers):
    fake.respond_with(200, {"id": 7, "restore_time": 60}, headers=headers)
    assert snapshots.get_snapshot_v1(VM).restore_time == 60


def test_a_2xx_with_new_fields_and_states_still_loads(fake, snapshots):
    fake.respond_with(200, {"id": 9, "name": "create_snapshot", "state": "thinking", "eta": 30})
    action = snapshots.create_snapshot_v1(VM)
    assert (action.state, action.to_dict()["eta"]) == ("thinking", 30)


def test_the_client_can_be_used_again_after_closing(fake, snapshots, api_client):
    fake.set_snapshot(VM)
    with api_client:
        snapshots.get_snapshot_v1(VM)
    assert snapshots.get_snapshot_v1(VM).id == 1


def test_default_headers_user_agent_and_cookie(fake):
    with ApiClient(
        fake.configuration(), header_name="X-Team", header_value="ops", cookie="a=b"
    ) as client:
        assert client.user_agent == f"hostinger_api-python/{__version__}"
        client.user_agent = "nightly-backup/2"
        client.set_default_header("X-Job", "42")
        with pytest.raises(NotFoundException):
            VPSSnapshotsApi(client).get_snapshot_v1(VM)
    request = fake.requests[0]
    assert request.header("User-Agent") == "nightly-backup/2"
    assert (request.header("X-Team"), request.header("X-Job"), request.header("Cookie")) == (
        "ops",
        "42",
        "a=b",
    )


def test_the_default_client():
    first = ApiClient.get_default()
    assert ApiClient.get_default() is first
    mine = ApiClient(Configuration(host="http://127.0.0.1:9"))
    ApiClient.set_default(mine)
    assert ApiClient.get_default() is mine


def test_param_serialize_builds_the_request():
    client = ApiClient(Configuration(host="https://api.example.test/", access_token="t"))
    method, url, headers, body, form = client.param_serialize(
        "GET",
        "/vm/{virtualMachineId}/x",
        path_params={"virtualMachineId": "a b/c"},
        query_params=[("page", 2), ("flag", True), ("filter", {"a": 1})],
        header_params={"X-None": None, "X-Num": 3},
        body={"when": datetime.date(2025, 1, 2)},
        post_params=[("ids", [1, 2])],
        collection_formats={"ids": "csv"},
        auth_settings=["apiToken"],
    )
    assert method == "GET"
    assert (
        url == "https://api.example.test/vm/a%20b%2Fc/x?page=2&flag=true&filter=%7B%22a%22%3A+1%7D"
    )
    assert headers["Authorization"] == "Bearer t"
    assert headers["X-Num"] == "3"
    assert "X-None" not in headers
    assert body == {"when": "2025-01-02"}
    assert form == [("ids", "1,2")]


def test_param_serialize_honours_safe_chars_and_host():
    configuration = Configuration()
    configuration.safe_chars_for_path_param = "/"
    client = ApiClient(configuration)
    _, url, *_ = client.param_serialize(
        "GET", "/p/{x}", path_params={"x": "a/b"}, _host="http://h.test"
    )
    assert url == "http://h.test/p/a/b"


def test_param_serialize_refuses_files():
    with pytest.raises(ApiValueError, match="file"):
        ApiClient().param_serialize("POST", "/x", files={"f": b"data"})
    with pytest.raises(ApiValueError, match="file"):
        ApiClient().files_parameters({"f": b"data"})
    assert ApiClient().files_parameters() == []


@pytest.mark.parametrize(
    ("setting", "header", "query"),
    [
        ({"in": "header", "key": "X-Key", "value": "v"}, ("X-Key", "v"), []),
        ({"in": "cookie", "key": "session", "value": "s=1"}, ("Cookie", "s=1"), []),
        ({"in": "query", "key": "token", "value": "q"}, None, [("token", "q")]),
    ],
)
def test_request_auth_goes_where_it_says(setting, header, query):
    headers, queries = {}, []
    ApiClient().update_params_for_auth(headers, queries, ["apiToken"], "/x", "GET", None, setting)
    assert headers == (dict([header]) if header else {})
    assert queries == query


def test_request_auth_in_an_unknown_place_is_refused():
    with pytest.raises(ApiValueError, match="header, a cookie or the query"):
        ApiClient().update_params_for_auth({}, [], ["apiToken"], "/x", "GET", None, {"in": "body"})


def test_no_auth_settings_means_no_credentials():
    headers = {}
    ApiClient(Configuration(access_token="t")).update_params_for_auth(
        headers, [], None, "/", "GET", None
    )
    assert headers == {}


def _built_headers(api_client: ApiClient, request_auth=None) -> dict[str, str]:
    _, _, headers, _, _ = api_client.param_serialize(
        "GET",
        SNAPSHOT_PATH,
        {"virtualMachineId": VM},
        auth_settings=["apiToken"],
        _request_auth=request_auth,
    )
    return headers


def test_the_bearer_header_follows_the_token():
    configuration = Configuration(access_token="first")
    api_client = ApiClient(configuration)
    assert _built_headers(api_client)["Authorization"] == "Bearer first"
    configuration.access_token = "second"  # a token renewed while the client lives
    assert _built_headers(api_client)["Authorization"] == "Bearer second"
    configuration.access_token = None
    assert "Authorization" not in _built_headers(api_client)


def test_request_auth_replaces_the_token():
    api_client = ApiClient(Configuration(access_token="t"))
    headers = _built_headers(api_client, {"in": "header", "key": "X-Key", "value": "v"})
    assert headers["X-Key"] == "v"
    assert "Authorization" not in headers


def test_subclasses_still_decide_the_credentials():
    """The bearer header is added without building the settings, unless a subclass of the
    configuration or of the client says otherwise (as generated-package users may)."""

    class Signed(Configuration):
        def auth_settings(self):
            return {"apiToken": {"in": "header", "key": "X-Signed", "value": "sig"}}

    class Audited(ApiClient):
        def update_params_for_auth(self, headers, queries, *args, **kwargs):
            headers["X-Audited"] = "yes"
            super().update_params_for_auth(headers, queries, *args, **kwargs)

    assert _built_headers(ApiClient(Signed(access_token="t"))) == {
        "User-Agent": f"hostinger_api-python/{__version__}",
        "X-Signed": "sig",
    }
    headers = _built_headers(Audited(Configuration(access_token="t")))
    assert headers["X-Audited"] == "yes"
    assert headers["Authorization"] == "Bearer t"


class Colour(enum.Enum):
    RED = "red"


def test_sanitize_for_serialization():
    client = ApiClient()
    snapshot = VPSV1SnapshotSnapshotResource(
        id=1, created_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    )
    assert client.sanitize_for_serialization(
        {
            "a": [1, 2.5, True, None, b"x"],
            "b": (Colour.RED,),
            "c": SecretStr("s"),
            "d": datetime.datetime(2025, 1, 1, 12, 0),
            "e": decimal.Decimal("1.5"),
            "f": snapshot,
        }
    ) == {
        "a": [1, 2.5, True, None, b"x"],
        "b": ["red"],
        "c": "s",
        "d": "2025-01-01T12:00:00",
        "e": "1.5",
        "f": {"id": 1, "created_at": "2025-01-01T00:00:00Z"},
    }
    with pytest.raises(ApiValueError, match="Cannot serialize a object"):
        client.sanitize_for_serialization(object())


@pytest.mark.parametrize(
    ("text", "klass", "expected"),
    [
        ("[1, 2]", "List[int]", [1, 2]),
        ('{"a": 1.5}', "Dict[str, float]", {"a": 1.5}),
        (
            '"2025-02-27T11:54:22Z"',
            "datetime",
            datetime.datetime(2025, 2, 27, 11, 54, 22, tzinfo=datetime.timezone.utc),
        ),
        ('"2025-02-27"', "date", datetime.date(2025, 2, 27)),
        ('{"x": [1]}', "object", {"x": [1]}),
        ("7", "str", "7"),
        ('"2.50"', "decimal", decimal.Decimal("2.50")),
        ("null", "VPSV1SnapshotSnapshotResource", None),
        ('{"id": 3}', "VPSV1SnapshotSnapshotResource", VPSV1SnapshotSnapshotResource(id=3)),
        ('{"id": 3}', VPSV1SnapshotSnapshotResource, VPSV1SnapshotSnapshotResource(id=3)),
        (
            '[{"id": 3}]',
            "List[VPSV1SnapshotSnapshotResource]",
            [VPSV1SnapshotSnapshotResource(id=3)],
        ),
        ("", "object", ""),
    ],
)
def test_deserialize_json_into_named_types(text, klass, expected):
    assert ApiClient().deserialize(text, klass, "application/json; charset=utf-8") == expected


def test_deserialize_other_content_types():
    client = ApiClient()
    assert client.deserialize("plain words", "str", "text/plain") == "plain words"
    assert client.deserialize('{"a": 1}', "object", None) == {"a": 1}
    with pytest.raises(ApiValueError, match="content type image/png"):
        client.deserialize("...", "str", "image/png")
    with pytest.raises(ApiValueError, match="Unknown response type"):
        client.deserialize("{}", "NoSuchModel", None)
    with pytest.raises(ApiValueError, match="Cannot deserialize into"):
        client.deserialize("{}", dict, None)


def _read(fake, api_client):
    method, url, headers, *_ = api_client.param_serialize(
        "GET", SNAPSHOT_PATH, path_params={"virtualMachineId": VM}, auth_settings=["apiToken"]
    )
    response = api_client.call_api(method, url, headers)
    response.read()
    return response


def test_response_deserialize_with_generated_style_type_names(fake, api_client):
    fake.set_snapshot(VM)
    result = api_client.response_deserialize(
        _read(fake, api_client), {"200": "VPSV1SnapshotSnapshotResource"}
    )
    assert result.data.id == 1
    raw = api_client.response_deserialize(_read(fake, api_client), {"2XX": "bytearray"})
    assert json.loads(raw.data)["id"] == 1
    assert api_client.response_deserialize(_read(fake, api_client), {}).data is None


def test_response_deserialize_with_named_error_types(fake, api_client):
    response = _read(fake, api_client)
    with pytest.raises(NotFoundException) as caught:
        api_client.response_deserialize(response, {"404": "CommonSchemaErrorResponseSchema"})
    assert caught.value.data.message == "Snapshot not found"
    for not_a_model in ["NoSuchModel", "object"]:
        with pytest.raises(NotFoundException) as caught:
            api_client.response_deserialize(response, {"404": not_a_model})
        assert caught.value.data is None
    assert caught.value.message == "Snapshot not found"


def test_a_body_of_a_non_model_type_that_does_not_parse_is_a_decode_error(fake, api_client):
    fake.respond_with(200, b"{broken")
    with pytest.raises(ResponseDecodeError, match="could not be read"):
        api_client.response_deserialize(_read(fake, api_client), {"200": "object"})


def test_response_deserialize_wants_a_read_response(fake, api_client):
    method, url, headers, *_ = api_client.param_serialize("GET", "/x")
    with pytest.raises(ApiValueError, match=r"read\(\)"):
        api_client.response_deserialize(api_client.call_api(method, url, headers))


def test_header_selection():
    client = ApiClient()
    assert client.select_header_accept([]) is None
    assert client.select_header_accept(["text/plain", "application/json"]) == "application/json"
    assert client.select_header_accept(["text/plain"]) == "text/plain"
    assert (
        client.select_header_content_type(["application/merge-patch+json"])
        == "application/merge-patch+json"
    )


@pytest.mark.parametrize(
    ("collection_format", "expected"),
    [
        ("multi", [("ids", 1), ("ids", 2)]),
        ("csv", [("ids", "1,2")]),
        ("ssv", [("ids", "1 2")]),
        ("tsv", [("ids", "1\t2")]),
        ("pipes", [("ids", "1|2")]),
        (None, [("ids", [1, 2])]),
    ],
)
def test_parameters_to_tuples(collection_format, expected):
    formats = {"ids": collection_format} if collection_format else None
    assert ApiClient().parameters_to_tuples({"ids": [1, 2]}, formats) == expected


@pytest.mark.parametrize(
    ("text", "response_type", "why"),
    [
        ("{broken", "VPSV1SnapshotSnapshotResource", "not JSON"),
        ('{"id": "x"}', "VPSV1SnapshotSnapshotResource", "id:"),
        ('"soon"', "datetime", "not a datetime"),
        ("[1, 2]", "Dict[str, int]", "not a Dict"),
        ('"x"', "int", "not a int"),
    ],
)
def test_deserialize_raises_only_our_value_error(text, response_type, why):
    with pytest.raises(ApiValueError, match=why):
        ApiClient(Configuration()).deserialize(text, response_type, "application/json")


def test_the_content_type_is_read_as_urllib3_joins_it():
    from urllib3 import HTTPHeaderDict

    from hostinger_api.api_client import _content_type

    headers = HTTPHeaderDict({"Content-Type": "application/json"})
    assert _content_type(headers) == "application/json"
    headers.add("content-type", "text/plain")
    assert _content_type(headers) == headers["Content-Type"] == "application/json, text/plain"
    assert _content_type(HTTPHeaderDict()) is None
    assert _content_type({"content-type": "text/html"}) == "text/html"  # any mapping
