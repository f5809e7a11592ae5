"""VPSSnapshotsApi: every operation in all three forms, over HTTP to the fake API."""

from __future__ import annotations

import inspect
import json

import pytest
import urllib3
from support import TOKEN, VM

from hostinger_api import (
    ApiResponse,
    ApiTypeError,
    ApiValueError,
    NotFoundException,
    UnauthorizedException,
    VPSSnapshotsApi,
    VPSV1ActionActionResource,
    VPSV1SnapshotSnapshotResource,
)
from hostinger_api._version import __version__

BASE = f"/api/vps/v1/virtual-machines/{VM}"
OPERATIONS = [
    ("create_snapshot_v1", "POST", BASE + "/snapshot", VPSV1ActionActionResource),
    ("delete_snapshot_v1", "DELETE", BASE + "/snapshot", VPSV1ActionActionResource),
    ("get_snapshot_v1", "GET", BASE + "/snapshot", VPSV1SnapshotSnapshotResource),
    ("restore_snapshot_v1", "POST", BASE + "/snapshot/restore", VPSV1ActionActionResource),
]
FORMS = ["", "_with_http_info", "_without_preload_content"]
BAD_IDS = [
    (True, ApiTypeError),
    ("1268054", ApiTypeError),
    (1268054.0, ApiTypeError),
    (None, ApiTypeError),
    (0, ApiValueError),
    (-3, ApiValueError),
]


@pytest.fixture(autouse=True)
def _has_snapshot(fake):
    fake.set_snapshot(VM)


@pytest.mark.parametrize(("name", "method", "path", "model"), OPERATIONS)
def test_plain_form_returns_the_model(fake, snapshots, name, method, path, model):
    result = getattr(snapshots, name)(VM)

    assert isinstance(result, model)
    assert result.id is not None
    (request,) = fake.requests
    assert (request.method, request.path) == (method, path)
    assert request.header("Accept") == "application/json"
    assert request.header("User-Agent") == f"hostinger_api-python/{__version__}"
    assert request.header("Authorization") == "<redacted>"


@pytest.mark.parametrize(("name", "method", "path", "model"), OPERATIONS)
def test_with_http_info_returns_status_headers_and_raw_body(
    fake, snapshots, name, method, path, model
):
    response = getattr(snapshots, name + "_with_http_info")(VM)

    assert isinstance(response, ApiResponse)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert isinstance(response.data, model)
    assert model.from_json(response.raw_data.decode()) == response.data
    assert [(r.method, r.path) for r in fake.requests] == [(method, path)]


@pytest.mark.parametrize(("name", "method", "path", "model"), OPERATIONS)
def test_without_preload_content_returns_the_raw_response(
    fake, snapshots, name, method, path, model
):
    response = getattr(snapshots, name + "_without_preload_content")(VM)

    assert isinstance(response, urllib3.BaseHTTPResponse)
    assert response.status == 200
    assert model.from_dict(json.loads(response.data)).id is not None
    assert [(r.method, r.path) for r in fake.requests] == [(method, path)]


def test_without_preload_content_does_not_raise_on_an_error_status(fake, snapshots):
    fake.respond_with(500)

    response = snapshots.get_snapshot_v1_without_preload_content(VM)

    assert response.status == 500
    assert "correlation_id" in json.loads(response.data)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", [operation[0] for operation in OPERATIONS])
@pytest.mark.parametrize(("bad_id", "error"), BAD_IDS)
def test_bad_ids_are_refused_before_anything_is_sent(fake, snapshots, name, form, bad_id, error):
    with pytest.raises(error, match="virtual_machine_id"):
        getattr(snapshots, name + form)(bad_id)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("timeout", "error"),
    [
        (0, ApiValueError),
        (-1.5, ApiValueError),
        ("5", ApiTypeError),
        ((1, 2, 3), ApiValueError),
        ((1, None), ApiTypeError),
        (True, ApiTypeError),
    ],
)
def test_bad_request_timeouts_are_refused_before_anything_is_sent(fake, snapshots, timeout, error):
    with pytest.raises(error, match="_request_timeout"):
        snapshots.get_snapshot_v1(VM, _request_timeout=timeout)
    assert fake.requests == []


@pytest.mark.parametrize("timeout", [5, 2.5, (1, 10), (0.5, 2.0)])
def test_request_timeouts_in_seconds_or_pairs_are_accepted(snapshots, timeout):
    assert snapshots.get_snapshot_v1(VM, _request_timeout=timeout).id is not None


@pytest.mark.parametrize("host_index", [1, -1, True, "0"])
def test_host_index_other_than_zero_is_refused(fake, snapshots, host_index):
    with pytest.raises(ApiValueError, match="_host_index"):
        snapshots.get_snapshot_v1(VM, _host_index=host_index)
    assert fake.requests == []


def test_headers_and_content_type_are_sent(fake, snapshots):
    extra = {"X-Request-Id": "abc-123"}
    snapshots.create_snapshot_v1(VM, _headers=extra, _content_type="application/json")

    (request,) = fake.requests
    assert request.header("X-Request-Id") == "abc-123"
    assert request.header("Content-Type") == "application/json"
    assert extra == {"X-Request-Id": "abc-123"}, "the caller's dict is not changed"


def test_headers_can_replace_the_user_agent(fake, snapshots):
    snapshots.get_snapshot_v1(VM, _headers={"User-Agent": "my-cron-job/1.0"})
    assert fake.requests[0].header("User-Agent") == "my-cron-job/1.0"


def test_request_auth_replaces_the_configured_token(fake, snapshots):
    wrong = {"in": "header", "type": "bearer", "key": "Authorization", "value": "Bearer nope"}
    with pytest.raises(UnauthorizedException):
        snapshots.get_snapshot_v1(VM, _request_auth=wrong)

    right = dict(wrong, value=f"Bearer {TOKEN}")
    assert snapshots.get_snapshot_v1(VM, _request_auth=right).id is not None


def test_a_snapshot_goes_through_its_life(fake, snapshots):
    first = snapshots.get_snapshot_v1(VM)
    snapshots.create_snapshot_v1(VM)
    second = snapshots.get_snapshot_v1(VM)
    assert second.id != first.id, "creating a snapshot overwrites the old one"

    snapshots.restore_snapshot_v1(VM)
    assert snapshots.get_snapshot_v1(VM) == second

    snapshots.delete_snapshot_v1(VM)
    with pytest.raises(NotFoundException):
        snapshots.get_snapshot_v1(VM)


def test_an_unknown_vm_is_not_found(snapshots):
    with pytest.raises(NotFoundException) as caught:
        snapshots.get_snapshot_v1(999)
    assert caught.value.message == "Virtual machine not found"
    assert caught.value.correlation_id


def test_created_actions_start_in_state_created(snapshots):
    action = snapshots.create_snapshot_v1(VM)
    assert action.state == "created"
    assert action.name == "create_snapshot"
    assert action.created_at is not None
    assert action.created_at.tzinfo is not None


def test_signatures_match_the_generated_package():
    expected = [
        "self",
        "virtual_machine_id",
        "_request_timeout",
        "_request_auth",
        "_content_type",
        "_headers",
        "_host_index",
    ]
    for name, *_ in OPERATIONS:
        for form in FORMS:
            signature = inspect.signature(getattr(VPSSnapshotsApi, name + form))
            assert list(signature.parameters) == expected, name + form
            assert signature.parameters["_host_index"].default == 0
            assert signature.parameters["_request_timeout"].default is None


def test_without_a_client_the_default_client_is_used(fake):
    from hostinger_api import ApiClient, Configuration

    Configuration.set_default(fake.configuration())
    api = VPSSnapshotsApi()
    assert api.api_client is ApiClient.get_default()
    assert api.get_snapshot_v1(VM).id is not None


@pytest.mark.parametrize("form", FORMS)
def test_a_subclass_replacing_the_generated_steps_is_called(fake, form):
    """Every form builds and sends through param_serialize and call_api when a subclass (as
    users of the generated package write them) replaces either; otherwise it takes a shorter,
    equivalent path."""
    from hostinger_api import ApiClient

    seen = []

    class Audited(ApiClient):
        def param_serialize(self, *args, **kwargs):
            seen.append("param_serialize")
            return super().param_serialize(*args, **kwargs)

        def call_api(self, *args, **kwargs):
            seen.append("call_api")
            return super().call_api(*args, **kwargs)

    with Audited(fake.configuration()) as client:
        result = getattr(VPSSnapshotsApi(client), "get_snapshot_v1" + form)(VM)
        if form == "_without_preload_content":
            result = json.loads(result.data)
            assert result["id"] is not None
        else:
            assert (result if form == "" else result.data).id is not None
    assert seen == ["param_serialize", "call_api"]
    (request,) = fake.requests
    assert (request.method, request.path) == ("GET", BASE + "/snapshot")


def test_a_call_api_replaced_on_the_instance_is_called(fake, api_client, snapshots):
    sent = []
    original = api_client.call_api

    def recording(method, url, *args, **kwargs):
        sent.append((method, url))
        return original(method, url, *args, **kwargs)

    api_client.call_api = recording
    assert snapshots.create_snapshot_v1(VM).state == "created"
    assert sent == [("POST", fake.url + BASE + "/snapshot")]


def test_request_auth_in_the_query_goes_into_the_url(fake, snapshots):
    in_query = {"in": "query", "key": "api_token", "value": "q"}
    with pytest.raises(UnauthorizedException):  # the fake wants the bearer header
        snapshots.get_snapshot_v1(VM, _request_auth=in_query)
    (request,) = fake.requests
    assert request.query == {"api_token": ["q"]}
    assert request.header("Authorization") is None


def test_a_call_api_that_leaves_the_body_unread_still_gives_the_model(fake):
    """A replaced call_api may return the response unread, as generated code's does by default:
    the plain form reads it before deserializing."""
    from hostinger_api import ApiClient

    class Lazy(ApiClient):
        def call_api(self, *args, **kwargs):
            kwargs["_preload_content"] = False
            return super().call_api(*args, **kwargs)

    with Lazy(fake.configuration()) as client:
        assert VPSSnapshotsApi(client).get_snapshot_v1(VM).id is not None
