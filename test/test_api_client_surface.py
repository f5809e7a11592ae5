"""ApiClient's generated-style helpers, called directly as user code written for Hostinger's
package 4.3.1 calls them: compared with 4.3.1 itself where both can answer, and checked for
their own promises (over real sockets to the fake where a response is needed).

A plain call of an operation no longer goes through these helpers, so these tests are what
keeps them working; test_api_client_overrides.py covers the operations' path through them.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import urllib3
from support import VM
from test_vps_virtual_machine_api import GENERATED_PYTHON

from hostinger_api import (
    ApiClient,
    ApiException,
    ApiResponse,
    ApiValueError,
    CommonSchemaErrorResponseSchema,
    CommonSchemaUnauthorizedResponseSchema,
    CommonSchemaUnprocessableContentResponseSchema,
    Configuration,
    NotFoundException,
    ResponseDecodeError,
    ServiceException,
    UnauthorizedException,
    UnprocessableEntityException,
    VPSV1SnapshotSnapshotResource,
)
from hostinger_api import VPSV1ActionActionResource as Action
from hostinger_api.rest import RESTResponse

PATH = "/api/vps/v1/virtual-machines/{virtualMachineId}/snapshot"
needs_generated = pytest.mark.skipif(
    not GENERATED_PYTHON.exists(),
    reason="Hostinger's generated package 4.3.1 lives in its own virtual environment",
)

# Run by each interpreter as it is; prints what each helper answered, per case, as JSON.
_HELPERS = r"""
import datetime, decimal, enum, json
from urllib.parse import parse_qsl, urlsplit
from pydantic import SecretStr
from hostinger_api import ApiClient, Configuration
from hostinger_api import VPSV1ActionActionResource as Action
from hostinger_api import VPSV1SnapshotSnapshotResource as Snapshot

PATH = "/api/vps/v1/virtual-machines/{virtualMachineId}/snapshot"
WHEN = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
DAY = datetime.date(2025, 1, 2)
JSON = "application/json"

class Colour(enum.Enum):
    RED = "red"

def norm(value):
    if isinstance(value, (Snapshot, Action)):
        return {"model": type(value).__name__, "fields": norm(value.to_dict())}
    if isinstance(value, dict):
        return {str(key): norm(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [norm(item) for item in value]
    if isinstance(value, (datetime.datetime, datetime.date, decimal.Decimal, bytes)):
        return [type(value).__name__, str(value)]
    return value

def client(**settings):
    settings.setdefault("access_token", "tkn")
    return ApiClient(Configuration(host="https://api.example.test", **settings))

def serialized(api_client, **kwargs):
    arguments = dict(
        method="GET", resource_path=PATH, path_params={"virtualMachineId": 1268054},
        query_params=[], header_params={"Accept": JSON}, body=None, post_params=[], files={},
        auth_settings=["apiToken"], collection_formats={}, _host=None, _request_auth=None,
    )
    arguments.update(kwargs)
    method, url, headers, body, post = api_client.param_serialize(**arguments)
    headers = {k: v for k, v in headers.items() if k != "User-Agent"}
    parts = urlsplit(url)
    where = [parts.scheme, parts.netloc, parts.path, sorted(parse_qsl(parts.query, True))]
    return norm([method, where, headers, body, post])

SNAPSHOT = Snapshot(id=7, restore_time=30, created_at=WHEN)
out = {"user_agent": client().user_agent}

out["serialize: the generated GET"] = serialized(client())
out["serialize: POST"] = serialized(client(), method="POST")
for name, value in [
    ("str", "a b/c?d#e"), ("unicode", "\u00e9t\u00e9"), ("float", 1.5), ("bool", True),
    ("enum", Colour.RED), ("datetime", WHEN), ("date", DAY),
    ("decimal", decimal.Decimal("1.50")), ("negative int", -3), ("int as str", "1268054"),
]:
    key = "serialize: a " + name + " path parameter"
    out[key] = serialized(client(), path_params={"virtualMachineId": value})
safe = client()
safe.configuration.safe_chars_for_path_param = "/"
out["serialize: safe chars"] = serialized(safe, path_params={"virtualMachineId": "a/b c"})
out["serialize: queries"] = serialized(
    client(),
    query_params=[
        ("page", 2), ("flag", True), ("off", False), ("f", 1.5), ("s", "a b&c=d/e+f\u00e9"),
        ("filter", {"a": 1}), ("ids", [1, 2]), ("tags", ["x", "y"]), ("words", ["p q", "r"]),
        ("bars", ["a", "b"]),
    ],
    collection_formats={"ids": "csv", "tags": "multi", "words": "ssv", "bars": "pipes"},
)
out["serialize: headers"] = serialized(client(), header_params={"Accept": JSON, "X-Job": "n"})
out["serialize: body"] = serialized(
    client(), method="POST",
    body={
        "when": DAY, "at": WHEN, "n": decimal.Decimal("1.5"), "colour": Colour.RED,
        "secret": SecretStr("s"), "items": [1, [2, 3], {"deep": Colour.RED}],
        "action": Action(id=1, state="success"),
    },
)
out["serialize: _host"] = serialized(client(), _host="http://other.test:8080")
out["serialize: no token"] = serialized(client(access_token=None))
for where, setting in [
    ("header", {"in": "header", "type": "api_key", "key": "X-Key", "value": "v"}),
    ("query", {"in": "query", "type": "api_key", "key": "api_token", "value": "q"}),
    ("cookie", {"in": "cookie", "type": "api_key", "key": "c", "value": "s=1"}),
]:
    out["serialize: _request_auth in the " + where] = serialized(client(), _request_auth=setting)
cookied = ApiClient(Configuration(host="https://api.example.test"), cookie="a=b")
cookied.set_default_header("X-Team", "ops")
out["serialize: cookie and a default header"] = serialized(cookied)
named = ApiClient(Configuration(host="https://api.example.test"), "X-Named", "n")
out["serialize: header_name and header_value"] = serialized(named)

plain = client()
for name, value in [
    ("None", None), ("int", 1), ("float", 1.5), ("bool", False), ("str", "s"), ("bytes", b"x"),
    ("enum", Colour.RED), ("SecretStr", SecretStr("hidden")),
    ("naive datetime", datetime.datetime(2025, 1, 2, 3, 4, 5)), ("aware datetime", WHEN),
    ("date", DAY), ("Decimal", decimal.Decimal("1.50")),
    ("list", [1, Colour.RED, [DAY]]), ("tuple", (1, "a")), ("dict", {"a": {"b": [DAY]}}),
    ("model", SNAPSHOT), ("model without None fields", Action(id=1, state="success")),
    ("models nested", {"snapshots": [SNAPSHOT], "action": Action(id=2)}),
]:
    out["sanitize: " + name] = norm(plain.sanitize_for_serialization(value))

for fmt in ("multi", "csv", "ssv", "tsv", "pipes"):
    for shape, params in [
        ("dict", {"ids": [1, 2, 3], "page": 2}), ("pairs", [("ids", ["a b", "c"]), ("page", 2)]),
    ]:
        formats = {"ids": fmt}
        out["tuples: " + fmt + " " + shape] = norm(plain.parameters_to_tuples(params, formats))
        query = plain.parameters_to_url_query(params, formats)
        out["url query: " + fmt + " " + shape] = sorted(parse_qsl(query, True))
out["tuples: no formats"] = norm(plain.parameters_to_tuples({"a": [1, 2], "b": "c"}, None))
mixed = [("t", True), ("f", False), ("d", {"k": [1, "v"]}), ("x", 2.5), ("s", "a b")]
out["url query: bool, dict, float"] = sorted(
    parse_qsl(plain.parameters_to_url_query(mixed, None), True)
)

for types in (
    [JSON], ["application/xml", JSON], ["text/plain", "application/problem+json"],
    ["text/html"], ["APPLICATION/JSON; charset=utf-8"], [],
):
    out["accept: " + repr(types)] = plain.select_header_accept(types)
    out["content type: " + repr(types)] = plain.select_header_content_type(types)

for name, settings, request_auth, token in [
    ("the token", ["apiToken"], None, "tkn"),
    ("no settings", [], None, "tkn"),
    ("an unknown setting", ["other"], None, "tkn"),
    ("no token", ["apiToken"], None, None),
    ("header", ["apiToken"], {"in": "header", "type": "api_key", "key": "K", "value": "v"}, "t"),
    ("query", ["apiToken"], {"in": "query", "type": "api_key", "key": "k", "value": "q"}, "t"),
    ("cookie", ["apiToken"], {"in": "cookie", "type": "api_key", "key": "c", "value": "c=1"}, "t"),
]:
    headers, queries = {}, []
    client(access_token=token).update_params_for_auth(
        headers, queries, settings, PATH, "GET", None, request_auth=request_auth
    )
    out["auth: " + name] = [headers, norm(queries)]
try:
    plain.update_params_for_auth({}, [], ["apiToken"], PATH, "GET", None, {"in": "body"})
    out["auth: in the body"] = "accepted"
except Exception as error:
    out["auth: in the body"] = type(error).__name__
out["auth_settings: a token"] = Configuration(access_token="tkn").auth_settings()
out["auth_settings: none"] = Configuration().auth_settings()

for text, response_type, content_type in [
    ('{"id": 1, "restore_time": 5, "created_at": "2025-01-01T00:00:00Z"}', "Snapshot", JSON),
    ('[{"id": 1, "state": "success"}]', "List[VPSV1ActionActionResource]", JSON),
    ('{"a": {"id": 2}}', "Dict[str, VPSV1ActionActionResource]", JSON),
    ("[1, 2]", "List[int]", JSON),
    ('{"a": 1}', "Dict[str, int]", "application/json; charset=utf-8"),
    ('"2025-01-02T03:04:05Z"', "datetime", JSON),
    ('"2025-01-02"', "date", JSON),
    ('"1.5"', "decimal", JSON),
    ('{"x": [1, null]}', "object", JSON),
    ("5", "int", JSON),
    ("2.5", "float", "application/problem+json"),
    ("true", "bool", JSON),
    ("hello", "str", "text/plain"),
    ("", "str", JSON),
    ("null", "Snapshot", JSON),
    ('{"id": 3}', Action, JSON),
]:
    if response_type == "Snapshot":
        response_type = "VPSV1SnapshotSnapshotResource"
    name = response_type if isinstance(response_type, str) else response_type.__name__
    key = "deserialize: " + name + " from " + content_type + " " + text[:12]
    out[key] = norm(plain.deserialize(text, response_type, content_type))

plain.user_agent = "nightly/1"
out["user_agent set"] = plain.default_headers["User-Agent"]
mine = client()
ApiClient.set_default(mine)
out["ApiClient.get_default after set_default"] = ApiClient.get_default() is mine
ApiClient.set_default(None)
first = ApiClient.get_default()
out["ApiClient.get_default made once"] = first is ApiClient.get_default() and first is not mine
settings = Configuration(host="https://api.example.test", access_token="tkn")
Configuration.set_default(settings)
out["Configuration.get_default after set_default"] = Configuration.get_default() is settings
copy = Configuration.get_default_copy()
out["Configuration.get_default_copy"] = [copy is settings, copy.host, copy.access_token]
print(json.dumps(out))
"""

DIFFERENT = {
    "user_agent": "each package sends its own version",
    "sanitize: model": "a model's datetime: 'Z' here, '+00:00' in 4.3.1 (see below)",
    "sanitize: models nested": "the same",
    "Configuration.get_default_copy": "4.3.1 hands back the default itself, not a copy",
}
"""Where this package answers otherwise than 4.3.1, and why (each shown by a test below)."""


def _answers(python: Path, tmp_path: Path) -> dict[str, Any]:
    """What ``_HELPERS`` prints under ``python``: isolated (``-I``) and run outside the checkout,
    so that a generated package's interpreter imports its own package, not this one."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HOSTINGER_API")
    }
    environment["HOSTINGER_API_STATE_DIR"] = str(tmp_path / "state")
    output = subprocess.run(
        [str(python), "-I", "-c", _HELPERS],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=environment,
    )
    assert output.returncode == 0, output.stderr[-2000:]
    answers: dict[str, Any] = json.loads(output.stdout)
    return answers


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _answers(Path(sys.executable), tmp_path_factory.mktemp("ours"))


@pytest.fixture(scope="module")
def theirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _answers(GENERATED_PYTHON, tmp_path_factory.mktemp("theirs"))


@needs_generated
def test_the_helpers_answer_as_4_3_1_does(ours, theirs):
    """About a hundred cases of param_serialize, sanitize_for_serialization,
    parameters_to_tuples, parameters_to_url_query (decoded), select_header_*,
    update_params_for_auth, auth_settings(), deserialize and the defaults: the same answers,
    except where ``DIFFERENT`` says."""
    assert theirs["user_agent"] == "hostinger_api-python/4.3.1"  # 4.3.1's package ran there
    assert ours["user_agent"] == ApiClient().user_agent
    assert ours.keys() == theirs.keys()
    assert len(ours) > 90
    differing = {key: (ours[key], theirs[key]) for key in ours if ours[key] != theirs[key]}
    assert set(differing) == set(DIFFERENT), differing


@needs_generated
def test_a_models_datetime_is_the_same_instant_in_another_spelling(ours, theirs):
    """A model inside a body: pydantic's JSON form of an aware datetime ('Z') here, 4.3.1's
    ``isoformat()`` ('+00:00'); both are RFC 3339 and parse to the same instant."""
    mine, generated = ours["sanitize: model"]["created_at"], theirs["sanitize: model"]["created_at"]
    assert (mine, generated) == ("2025-01-02T03:04:05Z", "2025-01-02T03:04:05+00:00")
    assert datetime.datetime.fromisoformat(mine.replace("Z", "+00:00")) == (
        datetime.datetime.fromisoformat(generated)
    )
    # a datetime given as it is (not in a model) is spelled alike by both
    assert ours["sanitize: aware datetime"] == theirs["sanitize: aware datetime"]
    assert ours["sanitize: aware datetime"] == "2025-01-02T03:04:05+00:00"


@needs_generated
def test_get_default_copy_is_a_copy_here(ours, theirs):
    """4.3.1's ``get_default_copy`` returns the default itself (changing the "copy" changed the
    default); this package's returns a copy with the same settings, as its name says."""
    assert ours["Configuration.get_default_copy"] == [False, "https://api.example.test", "tkn"]
    assert theirs["Configuration.get_default_copy"] == [True, "https://api.example.test", "tkn"]


# -- param_serialize's own promises ------------------------------------------------------------


def test_param_serialize_leaves_the_callers_headers_alone_and_keeps_the_token_out():
    """4.3.1 adds its default headers (User-Agent, Cookie) into the dict the caller passed;
    here that dict is left as it was, so nothing of the client leaks into it."""
    api_client = ApiClient(Configuration(access_token="tkn"), cookie="a=b")
    mine = {"Accept": "application/json", "X-Job": "nightly"}
    _, _, headers, _, _ = api_client.param_serialize(
        "GET", PATH, {"virtualMachineId": VM}, header_params=mine, auth_settings=["apiToken"]
    )
    assert mine == {"Accept": "application/json", "X-Job": "nightly"}
    assert headers["Authorization"] == "Bearer tkn"
    assert headers["Cookie"] == "a=b"
    assert headers["X-Job"] == "nightly"


def test_param_serialize_header_values_are_text_and_none_is_left_out():
    """http.client refuses a header value that is not text: 4.3.1 passes an int as it is."""
    _, _, headers, _, _ = ApiClient().param_serialize(
        "GET", PATH, {"virtualMachineId": VM}, header_params={"X-Count": 3, "X-Gone": None}
    )
    assert headers["X-Count"] == "3"
    assert "X-Gone" not in headers


@pytest.mark.parametrize(
    ("value", "segment"),
    [(VM, str(VM)), (str(VM), str(VM)), ("a b/c", "a%20b%2Fc"), (1.5, "1.5"), (True, "True")],
)
def test_param_serialize_path_parameters(value, segment):
    _, url, _, _, _ = ApiClient(Configuration(host="http://h.test")).param_serialize(
        "GET", PATH, {"virtualMachineId": value}
    )
    assert url == f"http://h.test/api/vps/v1/virtual-machines/{segment}/snapshot"


def test_param_serialize_host_without_a_doubled_slash_and_a_form():
    """``_host`` (or the configured host) with a trailing slash still makes one slash (4.3.1
    makes two); form fields are expanded by their collection format."""
    api_client = ApiClient(Configuration(host="http://configured.test/"))
    _, url, _, _, form = api_client.param_serialize(
        "POST",
        "/x",
        post_params=[("ids", [1, 2]), ("name", "n")],
        collection_formats={"ids": "multi"},
    )
    assert url == "http://configured.test/x"
    assert form == [("ids", 1), ("ids", 2), ("name", "n")]
    _, url, _, _, _ = api_client.param_serialize("GET", "/x", _host="http://other.test/")
    assert url == "http://other.test/x"


def test_param_serialize_refuses_files_which_4_3_1_would_upload():
    """No operation of this API takes a file: a file given is refused before anything is sent,
    whatever its form (4.3.1 reads paths from disk and sends them as multipart)."""
    api_client = ApiClient()
    for files in ({"f": b"data"}, {"f": "/etc/hostname"}, {"f": ("name", b"data")}):
        with pytest.raises(ApiValueError, match="file uploads"):
            api_client.param_serialize("POST", "/x", files=files)
        with pytest.raises(ApiValueError, match="file uploads"):
            api_client.files_parameters(files)
    assert api_client.files_parameters({}) == []
    assert api_client.files_parameters(None) == []


def test_the_url_query_is_form_encoded():
    """Spaces are '+' and reserved characters escaped (4.3.1 writes '%20' and leaves ',', '/'
    and '|' as they are): the server decodes both to the same values (compared above)."""
    query = ApiClient().parameters_to_url_query(
        [("s", "a b/c"), ("ids", [1, 2]), ("on", True), ("d", {"a": 1})], {"ids": "csv"}
    )
    assert query == "s=a+b%2Fc&ids=1%2C2&on=true&d=%7B%22a%22%3A+1%7D"


def test_sanitize_refuses_what_json_cannot_carry():
    """4.3.1 sends an unknown object's ``__dict__``; here it is our ``ApiValueError``."""

    class Opaque:
        def __init__(self) -> None:
            self.secret = "x"

    with pytest.raises(ApiValueError, match="Cannot serialize a Opaque"):
        ApiClient().sanitize_for_serialization({"a": [Opaque()]})


# -- deserialize's own promises ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "response_type", "content_type", "why"),
    [
        ("{", "VPSV1SnapshotSnapshotResource", "application/json", "not JSON"),
        ('{"id": "x"}', "VPSV1SnapshotSnapshotResource", "application/json", "not a VPSV1"),
        ('["a"]', "List[int]", "application/json", "List\\[int\\]"),
        ("[null]", "List[VPSV1ActionActionResource]", "application/json", "item 0 is null"),
        ('{"a": 1}', "List[int]", "application/json", "it is a dict"),
        ("1", "NoSuchModel", "application/json", "Unknown response type"),
        ('"x"', "datetime", "application/json", "not a datetime"),
        ("<p>hi</p>", "str", "text/html", "content type text/html"),
        ("hello", "str", None, "not JSON"),
    ],
)
def test_deserialize_raises_our_value_error(text, response_type, content_type, why):
    """Where 4.3.1 lets a json, pydantic or dateutil error out, or answers ApiException with
    status 0 (another content type), or returns the text (no content type), this raises
    ``ApiValueError`` saying why."""
    with pytest.raises(ApiValueError, match=why):
        ApiClient().deserialize(text, response_type, content_type)


# -- call_api and response_deserialize, over a socket --------------------------------------------


def _sent(api_client: ApiClient, method: str = "GET", **kwargs: Any) -> RESTResponse:
    """A request built by param_serialize and sent by call_api, as generated code does."""
    serialized = api_client.param_serialize(
        method,
        PATH,
        {"virtualMachineId": VM},
        header_params={"Accept": "application/json"},
        auth_settings=["apiToken"],
    )
    response = api_client.call_api(*serialized, **kwargs)
    assert response.data is None or kwargs.get("_preload_content")
    response.read()
    return response


@pytest.mark.parametrize(
    ("status", "body", "types", "expected"),
    [
        (200, None, {"200": "VPSV1SnapshotSnapshotResource"}, VPSV1SnapshotSnapshotResource),
        (200, None, {"200": VPSV1SnapshotSnapshotResource}, VPSV1SnapshotSnapshotResource),
        (202, {"id": 3}, {"2XX": "VPSV1SnapshotSnapshotResource"}, VPSV1SnapshotSnapshotResource),
        (201, {"id": 3}, {"200": VPSV1SnapshotSnapshotResource}, VPSV1SnapshotSnapshotResource),
        (200, {"a": [1]}, {"200": "Dict[str, List[int]]"}, dict),
        (200, None, {"200": "bytearray"}, bytes),
        (200, None, {"200": None}, type(None)),
        (200, None, None, type(None)),
    ],
)
def test_response_deserialize_a_success(fake, api_client, status, body, types, expected):
    fake.set_snapshot(VM)
    if body is not None:
        fake.respond_with(status, body)
    response = _sent(api_client)
    answer = api_client.response_deserialize(response, types)
    assert isinstance(answer, ApiResponse)
    assert answer.status_code == status
    assert isinstance(answer.data, expected)
    assert answer.raw_data == response.data
    assert answer.headers["content-type"].startswith("application/json")
    assert response.getheader("Content-Type") == answer.headers["Content-Type"]
    assert response.getheaders() is response.headers


@pytest.mark.parametrize(
    ("status", "types", "exception", "model"),
    [
        (404, {"200": VPSV1SnapshotSnapshotResource}, NotFoundException, None),
        (401, {"401": "CommonSchemaUnauthorizedResponseSchema"}, UnauthorizedException, None),
        (422, {}, UnprocessableEntityException, CommonSchemaUnprocessableContentResponseSchema),
        (500, {"5XX": "CommonSchemaErrorResponseSchema"}, ServiceException, None),
        (418, {"418": "NoSuchModel"}, ApiException, type(None)),
    ],
)
def test_response_deserialize_an_error_is_our_exception(
    fake, api_client, status, types, exception, model
):
    """The exception of the status, with the status, the body as text (4.3.1 leaves it None
    when the map has no type for the status), the headers and the error model as data."""
    body = {"message": "No", "correlation_id": f"c-{status}"}
    if status == 422:
        body["errors"] = {"virtual_machine_id": ["wrong"]}
    fake.respond_with(status, body, headers={"X-Trace": "t"})
    api_client.configuration.retries = 0
    response = _sent(api_client)
    with pytest.raises(exception) as raised:
        api_client.response_deserialize(response, types)
    error = raised.value
    assert type(error) is exception
    assert error.status == status
    assert json.loads(error.body) == body
    assert error.headers["X-Trace"] == "t"
    assert error.correlation_id == f"c-{status}"
    expected = model or {
        401: CommonSchemaUnauthorizedResponseSchema,
    }.get(status, CommonSchemaErrorResponseSchema)
    assert isinstance(error.data, expected)


@pytest.mark.parametrize(
    ("body", "headers", "why"),
    [
        (b"{", None, "could not be read"),
        (b'{"id": "many"}', None, "id"),
        (b"<html></html>", {"Content-Type": "text/html"}, "expected JSON, got text/html"),
    ],
)
def test_response_deserialize_a_success_that_does_not_read(fake, api_client, body, headers, why):
    fake.respond_with(200, body, headers=headers)
    response = _sent(api_client, _preload_content=True)
    for types in ({"200": VPSV1SnapshotSnapshotResource}, {"200": "VPSV1SnapshotSnapshotResource"}):
        with pytest.raises(ResponseDecodeError, match=why) as raised:
            api_client.response_deserialize(response, types)
        assert raised.value.status == 200
        assert raised.value.raw_body == body


def test_response_deserialize_wants_the_body_read_first(fake, api_client):
    """4.3.1 asserts (an AssertionError, gone under ``python -O``); this is ``ApiValueError``."""
    fake.set_snapshot(VM)
    serialized = api_client.param_serialize(
        "GET", PATH, {"virtualMachineId": VM}, auth_settings=["apiToken"]
    )
    response = api_client.call_api(*serialized)
    types = {"200": VPSV1SnapshotSnapshotResource}
    with pytest.raises(ApiValueError, match="read"):
        api_client.response_deserialize(response, types)
    response.read()
    assert api_client.response_deserialize(response, types).data.id is not None


def test_call_api_takes_a_timeout_and_the_token_never_shows(fake, api_client, caplog):
    fake.set_snapshot(VM)
    caplog.set_level("DEBUG", logger="hostinger_api")
    for timeout in (5, 2.5, (3, 4)):
        response = _sent(api_client, _request_timeout=timeout)
        assert response.status == 200
    assert [r.header("Authorization") for r in fake.requests] == ["<redacted>"] * 3
    assert fake.token not in caplog.text
    assert all(fake.token not in repr(record.args) for record in caplog.records)


def test_deserialize_takes_typed_containers_and_names_them_in_errors():
    """``List[X]`` and ``Dict[str, X]`` as types (not only as names), as a user's own
    ``response_types_map`` may give them; an item that does not fit is named in the error."""
    api_client = ApiClient()
    actions = api_client.deserialize('[{"id": 1}, {"id": 2}]', list[Action], "application/json")
    assert [action.id for action in actions] == [1, 2]
    counts = api_client.deserialize('{"a": 1}', dict[str, int], "application/json")
    assert counts == {"a": 1}
    with pytest.raises(ApiValueError, match=r"List\[VPSV1ActionActionResource\]: item 1: id"):
        api_client.deserialize('[{"id": 1}, {"id": "x"}]', list[Action], "application/json")
    with pytest.raises(ApiValueError, match=r"Dict\[str, int\]: item 'a' is null"):
        api_client.deserialize('{"a": null}', dict[str, int], "application/json")
    with pytest.raises(ApiValueError, match="Cannot deserialize into"):
        api_client.deserialize("[1]", frozenset, "application/json")


def test_response_deserialize_another_2xx_that_does_not_fit_and_error_bodies_of_odd_types(
    fake, api_client
):
    fake.respond_with(201, {"id": "many"})
    with pytest.raises(ResponseDecodeError, match="id"):
        api_client.response_deserialize(_sent(api_client, "POST"), {"201": Action})
    for types in ({"404": "int"}, {"404": "NoSuchModel"}, {"404": Action}):
        fake.respond_with(404, b"<html>not found</html>", headers={"Content-Type": "text/html"})
        with pytest.raises(NotFoundException) as raised:
            api_client.response_deserialize(_sent(api_client), types)
        assert raised.value.data is None
        assert raised.value.body == "<html>not found</html>"


def test_response_deserialize_a_response_without_content_type():
    """A response user code built itself (a cached one, say): no Content-Type is read as JSON."""
    raw = urllib3.HTTPResponse(body=b'{"id": 5}', status=200, headers={}, preload_content=False)
    response = RESTResponse(raw, "GET", "http://h.test/x")
    response.read()
    answer = ApiClient().response_deserialize(response, {"200": VPSV1SnapshotSnapshotResource})
    assert answer.data == VPSV1SnapshotSnapshotResource(id=5)
    assert ApiClient().response_deserialize(response, {"200": "Dict[str, int]"}).data == {"id": 5}
