"""The acceptance tests of reliability: every fault, every operation, any answer, many threads.

Each fault ends in success or in one of our exceptions; the waits the client chose are recorded
(never timed), no POST is performed twice, and the token shows up nowhere.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import TOKEN, VM, RecordingPolicy, in_threads

from hostinger_api import (
    ApiClient,
    ApiConnectionError,
    ApiException,
    ApiTimeoutError,
    Configuration,
    ResponseDecodeError,
    RetryPolicy,
    ServiceException,
    TooManyRequestsException,
    VPSActionsApi,
    VPSSnapshotsApi,
    VPSV1ActionActionResource,
    VPSV1ActionListResponse,
    VPSV1SnapshotSnapshotResource,
)
from hostinger_api.testing import FakeHostingerApi, Fault, faults

READ_TIMEOUT = 0.3
"""The read timeout of the matrix's client; ``slow`` faults answer well after it."""

OPERATIONS: dict[str, tuple[str, type, Callable[[ApiClient], Any]]] = {
    "get_snapshot_v1": (
        "GET",
        VPSV1SnapshotSnapshotResource,
        lambda c: VPSSnapshotsApi(c).get_snapshot_v1(VM),
    ),
    "create_snapshot_v1": (
        "POST",
        VPSV1ActionActionResource,
        lambda c: VPSSnapshotsApi(c).create_snapshot_v1(VM),
    ),
    "delete_snapshot_v1": (
        "DELETE",
        VPSV1ActionActionResource,
        lambda c: VPSSnapshotsApi(c).delete_snapshot_v1(VM),
    ),
    "restore_snapshot_v1": (
        "POST",
        VPSV1ActionActionResource,
        lambda c: VPSSnapshotsApi(c).restore_snapshot_v1(VM),
    ),
    "get_action_details_v1": (
        "GET",
        VPSV1ActionActionResource,
        lambda c: VPSActionsApi(c).get_action_details_v1(VM, 1),
    ),
    "get_actions_v1": (
        "GET",
        VPSV1ActionListResponse,
        lambda c: VPSActionsApi(c).get_actions_v1(VM),
    ),
}

OK = "success"

# fault -> by method: (outcome, requests the server saw); and the waits the client chose.
MATRIX: list[tuple[str, Fault, dict[str, tuple[Any, int]], list[float]]] = [
    ("429", faults.rate_limited(retry_after=1), {"*": (OK, 2)}, [1.0]),
    (
        "429, Retry-After too long",
        faults.rate_limited(retry_after=3600),
        {"*": (TooManyRequestsException, 1)},
        [],
    ),
    ("500", faults.error(500), {"*": (ServiceException, 1)}, []),
    *[
        (
            name,
            fault,
            {"GET": (OK, 2), "DELETE": (ServiceException, 1), "POST": (ServiceException, 1)},
            [0.5],
        )
        for name, fault in [
            ("502", faults.error(502)),
            ("503", faults.error(503)),
            ("504", faults.error(504)),
            ("HTML 502 page", faults.html_page(502)),
        ]
    ],
    ("malformed JSON", faults.malformed_json(), {"*": (ResponseDecodeError, 1)}, []),
    ("empty body", faults.empty_body(), {"*": (ResponseDecodeError, 1)}, []),
    ("truncated JSON", faults.truncated_json(), {"*": (ResponseDecodeError, 1)}, []),
    ("wrong field types", faults.wrong_types(), {"*": (ResponseDecodeError, 1)}, []),
    *[
        (
            name,
            fault,
            {"GET": (OK, 2), "DELETE": (failure, 1), "POST": (failure, 1)},
            waits,
        )
        for name, fault, failure, waits in [
            ("dropped before answering", faults.dropped_connection(), ApiConnectionError, [0.5]),
            (
                "dropped during the body",
                faults.dropped_connection("during"),
                ApiConnectionError,
                [0.5],
            ),
            ("answer after the timeout", faults.slow(3), ApiTimeoutError, [0.5]),
        ]
    ],
    ("unknown state", faults.unknown_state("paused"), {"*": (OK, 1)}, []),
    ("new fields", faults.new_fields({"region": "eu"}), {"*": (OK, 1)}, []),
]


@pytest.fixture(params=[False, True], ids=["http", "https"])
def seeded(request):
    """A fake where the VM has a snapshot and one finished action (id 1), before any fault.

    Plain and over TLS: a slow or dropped TLS connection must end as a plain one does.
    """
    with FakeHostingerApi(vms=[VM], token=TOKEN, tls=request.param) as fake:
        with ApiClient(fake.configuration()) as setup:
            VPSSnapshotsApi(setup).create_snapshot_v1(VM)
        fake.clear_requests()
        yield fake


def matrix_client(fake: FakeHostingerApi) -> tuple[ApiClient, RecordingPolicy]:
    policy = RecordingPolicy(jitter=0)
    configuration = fake.configuration()
    configuration.retries = policy
    configuration.read_timeout = READ_TIMEOUT
    return ApiClient(configuration), policy


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(
    ("fault", "expected", "waits"),
    [pytest.param(fault, expected, waits, id=name) for name, fault, expected, waits in MATRIX],
)
def test_fault_matrix(seeded, operation, fault, expected, waits):
    method, model, call = OPERATIONS[operation]
    outcome, requests = expected.get(method, expected.get("*"))
    actions_before = len(seeded.actions(VM))
    seeded.inject(fault)
    api_client, policy = matrix_client(seeded)

    if outcome is OK:
        result = call(api_client)
        assert isinstance(result, model)
        if fault is MATRIX[-1][1]:  # new fields: kept, and they survive to_dict()
            resource = result.data[0] if isinstance(result, VPSV1ActionListResponse) else result
            assert resource.to_dict()["region"] == "eu"
    else:
        with pytest.raises(outcome) as caught:
            call(api_client)
        assert isinstance(caught.value, ApiException)
        assert caught.value.reason

    seen = seeded.requests
    assert len(seen) == requests
    assert {r.method for r in seen} == {method}
    assert policy.slept == (waits if requests > 1 else [])
    assert sum(policy.slept) <= policy.max_wait
    if method in ("POST", "DELETE"):  # a DELETE of a performed delete would get 422 or 409
        assert len(seeded.actions(VM)) - actions_before <= 1  # never performed twice
    api_client.close()


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_server_that_is_down_fails_every_operation_after_bounded_waits(operation):
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    policy = RecordingPolicy(jitter=0)
    api_client = ApiClient(_configuration(f"http://127.0.0.1:{port}", policy))
    with pytest.raises(ApiConnectionError, match=r"Could not connect .*\(5 attempts\)"):
        OPERATIONS[operation][2](api_client)
    assert policy.slept == [0.5, 1.0, 2.0, 4.0]
    assert sum(policy.slept) <= policy.max_wait


def _configuration(host: str, retries: Any) -> Configuration:
    return Configuration(host=host, access_token=TOKEN, retries=retries)


# -- any status, any body ----------------------------------------------------------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
_field_values = st.none() | st.integers() | st.text(max_size=30) | st.floats() | st.booleans()
_resource_like = st.fixed_dictionaries(
    {},
    optional={
        name: _field_values
        for name in ("id", "name", "state", "created_at", "updated_at", "restore_time")
    },
)
_bodies = (
    st.binary(max_size=200)
    | _json_values.map(lambda value: json.dumps(value).encode())
    | _resource_like.map(lambda value: json.dumps(value).encode())
    | st.fixed_dictionaries(
        {"data": st.lists(_resource_like, max_size=3), "meta": _json_values}
    ).map(lambda value: json.dumps(value).encode())
)


@pytest.fixture(scope="module")
def shared_fake():
    with FakeHostingerApi(vms=[VM], token=TOKEN) as fake:
        yield fake


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    status=st.integers(200, 599),
    body=_bodies,
    content_type=st.sampled_from(
        ["application/json", "application/json; charset=utf-8", "text/html", "text/plain", ""]
    ),
    retry_after=st.sampled_from(
        [None, "0", "-1", "soon", "99999", "Fri, 27 Nov 2026 03:00:00 GMT"]
    ),
    operation=st.sampled_from(sorted(OPERATIONS)),
)
def test_any_status_and_body_give_a_model_or_one_of_our_exceptions(
    shared_fake, status, body, content_type, retry_after, operation
):
    shared_fake.clear_faults()
    headers = {"Content-Type": content_type}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    shared_fake.inject(Fault(status=status, body=body, headers=headers))
    _, model, call = OPERATIONS[operation]
    with ApiClient(_configuration(shared_fake.url, RecordingPolicy())) as api_client:
        try:
            result = call(api_client)
        except ApiException as error:
            failure: ApiException | None = error
        else:
            failure = None
            assert isinstance(result, model)
    if failure is not None:
        assert failure.status is not None
        assert isinstance(failure.body, (str, type(None)))


@pytest.mark.parametrize(
    ("status", "exception"), [(200, ResponseDecodeError), (500, ServiceException)]
)
def test_a_body_nested_deeper_than_python_parses_is_still_our_exception(
    fake, caplog, status, exception
):
    caplog.set_level(logging.DEBUG, logger="hostinger_api")
    fake.inject(faults.error(status, b"[" * 100_000 + b"]" * 100_000))
    with ApiClient(_configuration(fake.url, 0)) as api_client, pytest.raises(exception) as caught:
        VPSSnapshotsApi(api_client).get_snapshot_v1(VM)
    assert caught.value.message is None
    assert str(caught.value).startswith(f"({status})")


# -- one client, many threads, rate limited ----------------------------------------------------


def test_sixteen_threads_share_one_client_through_429s():
    with FakeHostingerApi(vms=[VM], token=TOKEN) as fake:
        fake.set_snapshot(VM)
        fake.inject(faults.rate_limited(retry_after=0), times=300, every=10)
        with ApiClient(_configuration(fake.url, RetryPolicy(total=8))) as api_client:
            snapshots = VPSSnapshotsApi(api_client)
            outcomes = in_threads(
                16, lambda: [snapshots.get_snapshot_v1(VM).id for _ in range(200)]
            )
        assert outcomes == [[1] * 200] * 16
        assert fake.pending_faults() == 0
        assert len(fake.requests) == 3200 + 300  # each 429 cost exactly one more request


# -- the token, nowhere ------------------------------------------------------------------------

_EVERYTHING_WITH_DEBUG_ON = """
import logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
import hostinger_api
from hostinger_api import ApiClient, Configuration, VPSSnapshotsApi, VPSActionsApi
from hostinger_api.retry import RetryPolicy
from hostinger_api.testing import FakeHostingerApi, faults

class NoSleep(RetryPolicy):
    def sleep(self, seconds):
        pass

with FakeHostingerApi(vms=[{vm}], token={token!r}, action_seconds=0) as fake:
    configuration = Configuration(host=fake.url)  # the token comes from the environment
    configuration.debug = True
    configuration.retries = NoSleep()
    configuration.read_timeout = 0.3
    print(repr(configuration), configuration.to_debug_report())
    api_client = ApiClient(configuration)
    snapshots, actions = VPSSnapshotsApi(api_client), VPSActionsApi(api_client)
    for fault in [None, faults.rate_limited(0), faults.error(503), faults.html_page(),
                  faults.malformed_json(), faults.dropped_connection(),
                  faults.dropped_connection("during"), faults.slow(2), faults.wrong_types(),
                  faults.error(401), faults.rate_limited(3600)]:
        for name in ["get_snapshot_v1", "create_snapshot_v1", "restore_snapshot_v1",
                     "delete_snapshot_v1"]:
            for form in ["", "_with_http_info", "_without_preload_content"]:
                if fault is not None:
                    fake.inject(fault)
                try:
                    result = getattr(snapshots, name + form)({vm})
                    print(repr(result), getattr(result, "status", ""))
                except hostinger_api.OpenApiException as error:
                    print(type(error).__name__, repr(error), str(error), error.__dict__)
    try:  # the 429 that asked for an hour holds every later call of this client back
        print(actions.get_actions_v1({vm}))
    except hostinger_api.TooManyRequestsException as error:
        print("held back:", error)
    fake.clear_faults()  # the calls held back never took theirs
    wrong = Configuration(host=fake.url, access_token="x")
    wrong.debug = True
    try:
        VPSSnapshotsApi(ApiClient(wrong)).get_snapshot_v1({vm})
    except hostinger_api.UnauthorizedException as error:
        print(error)
"""


def test_the_token_appears_in_no_output_with_debug_on(tmp_path):
    script = tmp_path / "everything.py"
    script.write_text(textwrap.dedent(_EVERYTHING_WITH_DEBUG_ON.format(vm=VM, token=TOKEN)))
    environment = {**os.environ, "HOSTINGER_API_TOKEN": TOKEN}
    finished = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=environment, timeout=120
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    output = finished.stdout + finished.stderr
    assert "Authorization': '<redacted>'" in output  # the debug log did run
    assert "Retrying" in output
    assert "TooManyRequestsException" in output
    assert "held back: (429)" in output
    assert "UnauthorizedException" in output
    assert TOKEN not in output
    assert TOKEN[: len(TOKEN) // 2] not in output
