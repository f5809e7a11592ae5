"""The transport: timeouts, and every failure below HTTP as our own exception."""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import sys
import threading
import time
from decimal import Decimal
from fractions import Fraction

import pytest
import urllib3
from support import TOKEN, VM, RecordingPolicy

from hostinger_api import (
    ApiClient,
    ApiConnectionError,
    ApiException,
    ApiTimeoutError,
    ApiTypeError,
    ApiValueError,
    Configuration,
    NotFoundException,
    RequestNotSent,
    ResponseDecodeError,
    ServiceException,
    TooManyRequestsException,
    UnauthorizedException,
    VPSSnapshotsApi,
)
from hostinger_api.rest import RESTClientObject, build_timeout, is_socks_proxy_url, redacted
from hostinger_api.retry import RetryPolicy, deadline, sent_at_most_once, stop_on
from hostinger_api.testing import FakeHostingerApi, Fault, faults

SNAPSHOT_PATH = f"/api/vps/v1/virtual-machines/{VM}/snapshot"


@contextlib.contextmanager
def raw_server(reply: bytes):
    """A server that reads one request, writes ``reply`` as it is, and hangs up."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        with contextlib.suppress(OSError):
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()
        thread.join(timeout=5)


def client_for(url: str) -> RESTClientObject:
    """A transport that tries once: these tests are about what one failure becomes."""
    return RESTClientObject(Configuration(host=url, access_token=TOKEN, retries=0))


def test_default_timeouts_are_finite():
    configuration = Configuration()
    timeout = build_timeout(None, configuration)
    assert (timeout.connect_timeout, timeout.read_timeout) == (
        configuration.connect_timeout,
        configuration.read_timeout,
    )
    assert build_timeout(3, configuration).total == 3
    pair = build_timeout((1, 7.5), configuration)
    assert (pair.connect_timeout, pair.read_timeout) == (1, 7.5)


def test_a_refused_connection_is_an_api_connection_error():
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    with pytest.raises(ApiConnectionError, match="Could not connect") as caught:
        client_for(f"http://127.0.0.1:{port}").request("GET", f"http://127.0.0.1:{port}/x")
    assert caught.value.status == 0
    assert not isinstance(caught.value, ApiTimeoutError)


def test_a_server_that_never_answers_is_a_timeout():
    with socket.create_server(("127.0.0.1", 0)) as silent:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/x"
        with pytest.raises(ApiTimeoutError, match="Timed out for GET"):
            client_for(url).request("GET", url, _request_timeout=0.2)


def test_a_connection_dropped_mid_body_is_a_connection_error():
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    with raw_server(head + b'{"id": 3') as url:
        response = client_for(url).request("GET", url + "/x")
        assert response.status == 200
        with pytest.raises(ApiConnectionError, match="The connection failed"):
            response.read()


def test_a_connection_closed_before_the_response_is_a_connection_error():
    with raw_server(b"") as url, pytest.raises(ApiConnectionError):
        client_for(url).request("POST", url + "/x")


def test_tls_to_a_plain_http_server_is_a_connection_error(fake):
    url = fake.url.replace("http://", "https://")
    with pytest.raises(ApiConnectionError, match="TLS failed"):
        client_for(url).request("GET", url + SNAPSHOT_PATH, _request_timeout=5)


def test_a_url_without_a_host_is_refused():
    with pytest.raises(ApiValueError, match="cannot be requested"):
        client_for("http://").request("GET", "http:///x")


def test_transport_settings_reach_the_pool_manager():
    configuration = Configuration()
    configuration.verify_ssl = False
    configuration.assert_hostname = False
    configuration.tls_server_name = "example.test"
    configuration.socket_options = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    configuration.retries = 5
    rest = RESTClientObject(configuration)
    pool_manager = rest.pool_manager
    assert pool_manager.connection_pool_kw["assert_hostname"] is False
    assert pool_manager.connection_pool_kw["server_hostname"] == "example.test"
    never = urllib3.Retry.from_int(pool_manager.connection_pool_kw["retries"])
    assert never.total is False  # ours retry; urllib3's never do
    assert rest.retry_policy == RetryPolicy(total=5)
    assert pool_manager.connection_pool_kw["socket_options"] == configuration.socket_options


def test_a_proxy_makes_a_proxy_manager():
    configuration = Configuration()
    configuration.proxy = "http://127.0.0.1:3128"
    configuration.proxy_headers = {"Proxy-Authorization": "Basic eA=="}
    pool_manager = RESTClientObject(configuration).pool_manager
    assert isinstance(pool_manager, urllib3.ProxyManager)
    assert pool_manager.proxy_headers == {"Proxy-Authorization": "Basic eA=="}


@pytest.mark.parametrize(
    ("body", "sent"),
    [({"a": [1, 2]}, b'{"a": [1, 2]}'), ("text", b"text"), (b"\x00raw", b"\x00raw"), (None, b"")],
)
def test_bodies_are_encoded(fake, body, sent):
    rest = client_for(fake.url)
    rest.request("POST", fake.url + SNAPSHOT_PATH, body=body).read()
    assert fake.requests[-1].body == sent


def test_post_params_are_form_encoded(fake):
    client_for(fake.url).request(
        "POST", fake.url + SNAPSHOT_PATH, post_params=[("a", "1"), ("b", "x y")]
    ).read()
    request = fake.requests[-1]
    assert request.body == b"a=1&b=x+y"
    assert request.header("Content-Type") == "application/x-www-form-urlencoded"


def test_the_response_exposes_its_headers(fake):
    response = client_for(fake.url).request("GET", fake.url + SNAPSHOT_PATH)
    assert response.data is None
    assert response.getheader("content-type") == "application/json"
    assert response.getheader("X-Missing", "fallback") == "fallback"
    assert "Content-Length" in response.getheaders()
    assert response.read() == response.read()


def test_debug_logs_requests_without_the_token(fake, caplog):
    caplog.set_level(logging.DEBUG, logger="hostinger_api")
    with ApiClient(fake.configuration()) as api_client:
        api_client.call_api(
            *api_client.param_serialize("GET", SNAPSHOT_PATH, auth_settings=["apiToken"])[:3]
        ).read()
    assert f"GET {fake.url}{SNAPSHOT_PATH} -> 404" in caplog.text
    assert fake.token not in caplog.text


def test_a_proxy_that_refuses_is_a_connection_error():
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    configuration = Configuration(access_token=TOKEN, retries=0)
    configuration.proxy = f"http://127.0.0.1:{port}"
    configuration.allow_insecure_http = True
    with pytest.raises(
        ApiConnectionError, match=r"The proxy failed for GET http://example\.test/x:"
    ):
        RESTClientObject(configuration).request("GET", "http://example.test/x?token=no")


def test_a_body_that_is_not_json_is_refused_before_sending(fake):
    with pytest.raises(ApiValueError, match="cannot be sent as JSON"):
        client_for(fake.url).request("POST", fake.url + SNAPSHOT_PATH, body={"when": object()})
    assert fake.requests == []


@pytest.mark.parametrize(
    ("url", "socks"),
    [
        ("socks5h://127.0.0.1:1080", True),
        ("SOCKS4://h:1", True),
        ("http://h:3128", False),
        (None, False),
    ],
)
def test_is_socks_proxy_url(url, socks):
    assert is_socks_proxy_url(url) is socks


def test_a_socks_proxy_makes_a_socks_proxy_manager():
    pytest.importorskip("socks")
    from urllib3.contrib.socks import SOCKSProxyManager

    configuration = Configuration()
    configuration.proxy = "socks5h://127.0.0.1:1080"
    assert isinstance(RESTClientObject(configuration).pool_manager, SOCKSProxyManager)


def test_a_socks_proxy_without_pysocks_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "urllib3.contrib.socks", None)
    configuration = Configuration()
    configuration.proxy = "socks5://127.0.0.1:1080"
    with pytest.raises(ApiValueError, match="pip install pysocks"):
        RESTClientObject(configuration)


def test_the_response_is_a_file_like_object(fake):
    response = client_for(fake.url).request("GET", fake.url + SNAPSHOT_PATH)
    assert isinstance(response, io.IOBase)
    assert response.readable() is False
    response.read()
    response.close()
    assert response.closed


# -- retries -----------------------------------------------------------------------------------


def recording_client(fake, **policy) -> tuple[VPSSnapshotsApi, RecordingPolicy]:
    """Snapshots through a client whose policy records its waits instead of sleeping them."""
    retry = RecordingPolicy(jitter=0, **policy)
    configuration = fake.configuration()
    configuration.retries = retry
    return VPSSnapshotsApi(ApiClient(configuration)), retry


def test_a_connection_never_made_is_retried_for_any_method_then_reported():
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    retry = RecordingPolicy(total=3, jitter=0)
    configuration = Configuration(host=f"http://127.0.0.1:{port}", access_token=TOKEN)
    configuration.retries = retry
    snapshots = VPSSnapshotsApi(ApiClient(configuration))
    with pytest.raises(ApiConnectionError, match=r"Could not connect for POST .* \(4 attempts\)"):
        snapshots.create_snapshot_v1(VM)
    assert retry.slept == [0.5, 1.0, 2.0]


def test_a_get_refused_with_503_is_retried_until_it_succeeds(fake):
    fake.set_snapshot(VM)
    fake.inject(faults.error(503), times=2)
    snapshots, retry = recording_client(fake)
    assert snapshots.get_snapshot_v1(VM).id == 1
    assert len(fake.requests) == 3
    assert retry.slept == [0.5, 1.0]


def test_a_503_with_retry_after_waits_as_asked(fake):
    fake.set_snapshot(VM)
    fake.inject(faults.error(503, headers={"Retry-After": "3"}))
    fake.inject(faults.error(502, headers={"Retry-After": "3"}))  # only 429 and 503 ask
    snapshots, retry = recording_client(fake)
    assert snapshots.get_snapshot_v1(VM).id == 1
    assert retry.slept == [3.0, 1.0]


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_post_that_got_a_gateway_error_is_never_sent_again(fake, status):
    fake.inject(faults.error(status))
    snapshots, retry = recording_client(fake)
    with pytest.raises(ServiceException) as caught:
        snapshots.create_snapshot_v1(VM)
    assert caught.value.status == status
    assert [r.method for r in fake.requests] == ["POST"]
    assert retry.slept == []


def test_a_429_is_retried_for_a_post_after_the_retry_after_it_asked_for(fake):
    fake.inject(faults.rate_limited(retry_after=2))
    snapshots, retry = recording_client(fake)
    assert snapshots.create_snapshot_v1(VM).state == "created"
    assert retry.slept == [2.0]
    assert len(fake.requests) == 2


def test_a_retry_after_longer_than_the_policy_allows_fails_at_once(fake):
    fake.inject(faults.rate_limited(retry_after=3600))
    snapshots, retry = recording_client(fake, max_wait=30)
    with pytest.raises(TooManyRequestsException) as caught:
        snapshots.get_snapshot_v1(VM)
    assert caught.value.retry_after == 3600
    assert caught.value.status == 429
    assert "Retry after: 3600 seconds" in str(caught.value)
    assert retry.slept == []
    assert len(fake.requests) == 1


def test_429s_past_the_last_retry_are_a_too_many_requests_exception(fake):
    fake.inject(faults.rate_limited(retry_after=None), times=5)
    snapshots, retry = recording_client(fake, total=2)
    with pytest.raises(TooManyRequestsException) as caught:
        snapshots.delete_snapshot_v1(VM)
    assert caught.value.retry_after is None
    assert retry.slept == [0.5, 1.0]
    assert len(fake.requests) == 3


def test_a_read_timeout_is_retried_for_a_get_only(fake):
    fake.set_snapshot(VM)
    fake.inject(faults.slow(5), method="GET")
    fake.inject(faults.slow(5), method="POST")
    snapshots, retry = recording_client(fake)
    assert snapshots.get_snapshot_v1(VM, _request_timeout=(5, 0.2)) is not None
    assert len(retry.slept) == 1
    with pytest.raises(ApiTimeoutError, match="Timed out for POST"):
        snapshots.create_snapshot_v1(VM, _request_timeout=(5, 0.2))
    assert [r.method for r in fake.requests] == ["GET", "GET", "POST"]


@pytest.mark.parametrize(
    "fault",
    [faults.error(502), faults.error(504, performed=True), faults.dropped_connection()],
    ids=["502", "504", "dropped"],
)
def test_a_delete_that_may_have_been_performed_is_never_sent_again(fake, fault):
    fake.set_snapshot(VM)
    fake.inject(fault, method="DELETE")
    snapshots, retry = recording_client(fake)
    with pytest.raises(ApiException):
        snapshots.delete_snapshot_v1(VM)
    assert [r.method for r in fake.requests] == ["DELETE"]
    assert retry.slept == []


def test_a_delete_refused_with_429_is_still_retried(fake):
    fake.set_snapshot(VM)
    fake.inject(faults.rate_limited(retry_after=1), method="DELETE")
    snapshots, retry = recording_client(fake)
    snapshots.delete_snapshot_v1(VM)
    assert [r.method for r in fake.requests] == ["DELETE", "DELETE"]
    assert retry.slept == [1.0]


@pytest.mark.parametrize(
    "fault",
    [
        faults.error(502),
        faults.error(503, headers={"Retry-After": "1"}),
        faults.error(504),
        faults.dropped_connection(),
        faults.dropped_connection("during"),
        faults.slow(3),
    ],
    ids=["502", "503", "504", "dropped", "dropped-mid-body", "read-timeout"],
)
def test_sent_at_most_once_sends_not_even_a_get_twice(fake, fault):
    fake.set_snapshot(VM)
    fake.inject(fault)
    snapshots, retry = recording_client(fake)
    with sent_at_most_once(), pytest.raises(ApiException):
        snapshots.get_snapshot_v1(VM, _request_timeout=(5, 0.3))
    assert len(fake.requests) == 1
    assert retry.slept == []
    fake.inject(fault)  # outside the block, the same failure is retried again
    assert snapshots.get_snapshot_v1(VM, _request_timeout=(5, 0.3)).id == 1


def test_sent_at_most_once_still_retries_a_429_and_a_connection_never_made(fake):
    fake.inject(faults.rate_limited(retry_after=1))
    snapshots, retry = recording_client(fake)
    with sent_at_most_once():
        assert snapshots.create_snapshot_v1(VM).state == "created"
    assert retry.slept == [1.0]
    assert [r.method for r in fake.requests] == ["POST", "POST"]
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    configuration = Configuration(host=f"http://127.0.0.1:{port}", access_token=TOKEN)
    configuration.retries = never_made = RecordingPolicy(total=2, jitter=0)
    with sent_at_most_once(), pytest.raises(ApiConnectionError, match=r"\(3 attempts\)"):
        VPSSnapshotsApi(ApiClient(configuration)).create_snapshot_v1(VM)
    assert never_made.slept == [0.5, 1.0]


def test_a_stopped_job_sends_nothing(fake):
    event = threading.Event()
    event.set()
    snapshots, _ = recording_client(fake)
    with stop_on(event), pytest.raises(RequestNotSent, match="the job was stopped") as caught:
        snapshots.create_snapshot_v1(VM)
    assert caught.value.status == 0
    assert TOKEN not in str(caught.value)
    assert fake.requests == []


def test_a_request_waiting_in_the_rate_gate_ends_when_the_job_stops(fake):
    fake.inject(faults.rate_limited(retry_after=30))
    snapshots, _ = recording_client(fake, total=0, max_wait=60)
    with pytest.raises(TooManyRequestsException):
        snapshots.get_snapshot_v1(VM)  # the gate now holds every request for 30 s
    event = threading.Event()
    outcome: list[BaseException] = []

    def restore() -> None:
        with stop_on(event):
            try:
                snapshots.restore_snapshot_v1(VM)
            except BaseException as error:  # handed to the test
                outcome.append(error)

    worker = threading.Thread(target=restore)
    worker.start()
    time.sleep(0.3)
    assert worker.is_alive(), "it waits in the gate"
    event.set()
    stopped_at = time.monotonic()
    worker.join(10)
    assert not worker.is_alive()
    assert time.monotonic() - stopped_at < 5
    assert len(outcome) == 1
    assert isinstance(outcome[0], RequestNotSent)
    assert [r.method for r in fake.requests] == ["GET"]


def test_a_request_waiting_to_retry_ends_when_the_job_stops(fake):
    fake.inject(faults.rate_limited(retry_after=20))
    configuration = fake.configuration()
    configuration.retries = RetryPolicy(max_wait=60)
    snapshots = VPSSnapshotsApi(ApiClient(configuration))
    event = threading.Event()
    threading.Timer(0.3, event.set).start()
    started = time.monotonic()
    with stop_on(event), pytest.raises(RequestNotSent):
        snapshots.create_snapshot_v1(VM)
    assert time.monotonic() - started < 5
    assert [r.method for r in fake.requests] == ["POST"]


def test_a_request_already_sent_is_not_stopped(fake):
    fake.inject(faults.slow(0.6))
    snapshots, _ = recording_client(fake)
    event = threading.Event()
    threading.Timer(0.2, event.set).start()
    with stop_on(event):
        assert snapshots.create_snapshot_v1(VM).state == "created"
    assert event.is_set()
    assert [r.method for r in fake.requests] == ["POST"]


def test_a_body_cut_short_is_retried_for_a_get(fake):
    fake.set_snapshot(VM)
    fake.inject(faults.dropped_connection("during"))
    snapshots, _ = recording_client(fake)
    assert snapshots.get_snapshot_v1(VM).id == 1
    assert len(fake.requests) == 2


def test_the_unread_form_leaves_a_body_cut_short_to_its_reader(fake):
    fake.set_snapshot(VM)
    fake.inject(faults.dropped_connection("during"))
    snapshots, _ = recording_client(fake)
    response = snapshots.get_snapshot_v1_without_preload_content(VM)
    assert response.status == 200
    with pytest.raises(urllib3.exceptions.ProtocolError):
        response.read()
    assert len(fake.requests) == 1


def test_each_retry_is_logged_at_info(fake, caplog):
    caplog.set_level(logging.INFO, logger="hostinger_api")
    fake.inject(faults.error(503))
    snapshots, _ = recording_client(fake)
    with pytest.raises(NotFoundException):
        snapshots.get_snapshot_v1(VM)
    (record,) = [r for r in caplog.records if r.getMessage().startswith("Retrying")]
    assert record.levelno == logging.INFO
    assert record.getMessage() == (
        f"Retrying GET {SNAPSHOT_PATH} after status 503 (attempt 2 of 5) in 0.50 s"
    )


def test_a_timeout_retry_says_so_in_the_log(fake, caplog):
    caplog.set_level(logging.INFO, logger="hostinger_api")
    fake.set_snapshot(VM)
    fake.inject(faults.slow(5))
    snapshots, _ = recording_client(fake)
    snapshots.get_snapshot_v1(VM, _request_timeout=(5, 0.2))
    assert f"Retrying GET {SNAPSHOT_PATH} after a timeout (attempt 2 of 5)" in caplog.text


def test_no_retries_means_one_attempt(fake):
    fake.inject(faults.error(503))
    configuration = fake.configuration()
    configuration.retries = 0
    with pytest.raises(ServiceException):
        VPSSnapshotsApi(ApiClient(configuration)).get_snapshot_v1(VM)
    assert len(fake.requests) == 1


# -- the token stays off the network's open parts ----------------------------------------------


def test_plain_http_to_another_host_is_refused_before_anything_is_sent(fake):
    url = f"http://0.0.0.0:{fake.port}"  # reaches the fake, but is not a loopback address
    configuration = Configuration(host=url, access_token=TOKEN)
    snapshots = VPSSnapshotsApi(ApiClient(configuration))
    with pytest.raises(
        ApiValueError, match=r"Refusing to send the token in clear text to http://0"
    ):
        snapshots.get_snapshot_v1(VM)
    assert fake.requests == []


def test_plain_http_to_another_host_is_sent_when_allowed(fake):
    configuration = Configuration(host=f"http://0.0.0.0:{fake.port}", access_token=TOKEN)
    configuration.allow_insecure_http = True
    with pytest.raises(NotFoundException):
        VPSSnapshotsApi(ApiClient(configuration)).get_snapshot_v1(VM)
    assert len(fake.requests) == 1


@pytest.mark.parametrize("host", ["localhost", "127.3.4.5", "[::1]", "api.localhost"])
def test_loopback_hosts_may_use_plain_http(host):
    rest = RESTClientObject(Configuration(retries=0))
    with pytest.raises(ApiConnectionError):  # nothing listens there; the point is: not refused
        rest.request("GET", f"http://{host}:9/x", _request_timeout=2)


def test_https_is_never_refused(fake):
    rest = RESTClientObject(Configuration(retries=0))
    with pytest.raises(ApiConnectionError, match="TLS failed"):
        rest.request("GET", f"https://0.0.0.0:{fake.port}/x", _request_timeout=5)


def test_a_same_origin_redirect_is_followed_with_the_same_method(fake):
    fake.respond_with(307, headers={"Location": SNAPSHOT_PATH})
    assert VPSSnapshotsApi(ApiClient(fake.configuration())).create_snapshot_v1(VM).id == 1
    assert [(r.method, r.header("Authorization")) for r in fake.requests] == [
        ("POST", "<redacted>"),
        ("POST", "<redacted>"),
    ]


def test_a_get_follows_a_302_but_a_post_does_not(fake):
    fake.set_snapshot(VM)
    fake.respond_with(302, headers={"Location": fake.url + SNAPSHOT_PATH})
    snapshots = VPSSnapshotsApi(ApiClient(fake.configuration()))
    assert snapshots.get_snapshot_v1(VM).id == 1
    fake.respond_with(302, headers={"Location": fake.url + SNAPSHOT_PATH})
    with pytest.raises(ApiException) as caught:
        snapshots.create_snapshot_v1(VM)
    assert caught.value.status == 302
    assert "a redirect to" in caught.value.reason
    assert "not followed" in caught.value.reason


def test_a_redirect_to_another_host_is_not_followed_and_gets_no_token(fake, caplog):
    with FakeHostingerApi(vms=[VM], token=TOKEN) as elsewhere:
        fake.respond_with(307, headers={"Location": elsewhere.url + SNAPSHOT_PATH})
        with pytest.raises(ApiException) as caught:
            VPSSnapshotsApi(ApiClient(fake.configuration())).get_snapshot_v1(VM)
        assert elsewhere.requests == []
    assert caught.value.status == 307
    assert "the token goes to no other host" in caplog.text


def test_redirects_stop_after_five(fake):
    fake.respond_with(307, headers={"Location": SNAPSHOT_PATH}, times=10)
    with pytest.raises(ApiException) as caught:
        VPSSnapshotsApi(ApiClient(fake.configuration())).get_snapshot_v1(VM)
    assert caught.value.status == 307
    assert len(fake.requests) == 6


# -- debug logging -----------------------------------------------------------------------------


def test_debug_logs_the_request_and_the_response_without_the_token(fake, caplog):
    caplog.set_level(logging.DEBUG, logger="hostinger_api")
    fake.inject(faults.error(503))
    snapshots, _ = recording_client(fake)
    with pytest.raises(NotFoundException) as caught:
        snapshots.get_snapshot_v1(VM)
    url = fake.url + SNAPSHOT_PATH
    request_line, response_line = [
        r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG
    ]
    assert request_line.startswith(f"GET {url} headers=")
    assert "'Authorization': '<redacted>'" in request_line
    assert response_line.startswith(f"GET {url} -> 404 in ")
    assert response_line.endswith(f" ms, 2 attempts, correlation id {caught.value.correlation_id}")
    assert TOKEN not in caplog.text


def test_redacted_hides_every_credential():
    headers = {"Authorization": "Bearer x", "proxy-authorization": "Basic y", "Cookie": "z"}
    assert set(redacted({**headers, "Accept": "a"}).values()) == {"<redacted>", "a"}


def test_a_credential_in_a_header_of_its_own_is_never_logged(fake, caplog):
    auth = {"in": "header", "key": "X-Api-Key", "value": "key-SECRET", "type": "api_key"}
    with caplog.at_level(logging.DEBUG, logger="hostinger_api"), ApiClient(
        fake.configuration()
    ) as client, pytest.raises(UnauthorizedException):  # the fake wants the bearer token
        VPSSnapshotsApi(client).create_snapshot_v1(VM, _request_auth=auth)
    assert "X-Api-Key" in caplog.text
    assert "key-SECRET" not in caplog.text
    shown = redacted({"X-Api-Key": "1", "X-Auth-Token": "2", "X-Session": "3", "Accept": "a"})
    assert shown == {
        "X-Api-Key": "<redacted>",
        "X-Auth-Token": "<redacted>",
        "X-Session": "<redacted>",
        "Accept": "a",
    }


def test_a_body_whose_encoding_lies_is_a_decode_error_with_the_headers(fake):
    fake.set_snapshot(VM)
    fake.inject(Fault(headers={"Content-Encoding": "gzip"}, body=b"not gzip at all"))
    with pytest.raises(ResponseDecodeError, match="could not be decoded") as caught:
        VPSSnapshotsApi(ApiClient(fake.configuration())).get_snapshot_v1(VM)
    assert caught.value.status == 200
    assert caught.value.headers["Content-Encoding"] == "gzip"
    assert len(fake.requests) == 1


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/x", "http://[::1/x"])
def test_a_url_that_cannot_be_parsed_is_refused(url):
    with pytest.raises(ApiValueError, match="cannot be requested"):
        client_for(url).request("GET", url)


def test_a_pool_closed_under_a_request_is_a_connection_error_not_retried(fake):
    rest = RESTClientObject(Configuration(host=fake.url, retries=RecordingPolicy()))
    rest.pool_manager.connection_from_url(fake.url).close()  # as another thread's close() would
    with pytest.raises(ApiConnectionError, match="Pool is closed"):
        rest.request("GET", fake.url + SNAPSHOT_PATH)
    assert rest.retry_policy.slept == []


@pytest.mark.parametrize("proxy", ["ftp://user:hunter2@proxy:21", "http://user:hunter2@[bad"])
def test_a_proxy_that_cannot_be_used_is_refused_without_its_password(proxy):
    configuration = Configuration()
    configuration.proxy = proxy
    with pytest.raises(ApiValueError, match="cannot be used") as caught:
        ApiClient(configuration)
    assert "hunter2" not in str(caught.value)
    assert "***@" in str(caught.value)


def test_a_url_of_another_scheme_is_refused(fake):
    with pytest.raises(ApiValueError, match="use http:// or https://"):
        client_for("ftp://127.0.0.1").request("GET", "ftp://127.0.0.1/x")


def test_debug_logs_a_failed_call_with_its_attempts(caplog):
    caplog.set_level(logging.DEBUG, logger="hostinger_api")
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    url = f"http://127.0.0.1:{port}/x"
    rest = RESTClientObject(Configuration(retries=RecordingPolicy(total=1)))
    with pytest.raises(ApiConnectionError):
        rest.request("GET", url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert f"Could not connect for GET {url} (2 attempts): " in caplog.text
    assert " ms" in caplog.records[-1].getMessage()
    assert TOKEN not in caplog.text


def test_inside_a_deadline_no_wait_is_started_that_would_end_after_it(fake):
    fake.set_snapshot(VM)
    fake.inject(faults.error(503, headers={"Retry-After": "1"}), times=2)
    snapshots, retry = recording_client(fake)
    with deadline(0.5), pytest.raises(ServiceException):
        snapshots.get_snapshot_v1(VM)
    assert (retry.slept, len(fake.requests)) == ([], 1), "a 1 s wait would end after 0.5 s"
    with deadline(5):
        assert snapshots.get_snapshot_v1(VM).id == 1
    assert retry.slept == [1.0], "a 1 s wait ends well within 5 s"


def test_inside_a_deadline_an_attempt_is_cut_to_the_time_left(fake):
    fake.set_snapshot(VM)
    fake.inject(faults.slow(30), times=1)
    snapshots, _ = recording_client(fake)
    started = time.monotonic()
    with deadline(0.4), pytest.raises(ApiTimeoutError):
        snapshots.get_snapshot_v1(VM)
    assert time.monotonic() - started < 5, "not the 60 s read timeout"


def test_a_call_made_after_its_deadline_is_not_sent(fake):
    snapshots, _ = recording_client(fake)
    with deadline(0.01):
        time.sleep(0.02)
        with pytest.raises(ApiTimeoutError, match=r"Out of time for GET .*: the deadline passed"):
            snapshots.get_snapshot_v1(VM)
    assert fake.requests == []


def test_pools_closed_behind_the_client_s_back_are_opened_again(fake):
    fake.set_snapshot(VM)
    with ApiClient(fake.configuration()) as client:
        snapshots = VPSSnapshotsApi(client)
        assert snapshots.get_snapshot_v1(VM).id == 1
        client.rest_client.pool_manager.clear()  # what the generated package's close() does
        assert snapshots.get_snapshot_v1(VM).id == 1
        client.close()
        assert snapshots.get_snapshot_v1(VM).id == 1, "a closed client opens new connections"


# -- calls end when they should ----------------------------------------------------------------


def test_a_silent_server_ends_a_get_with_a_2_s_timeout_within_5_s(fake):
    fake.set_snapshot(VM)
    fake.inject(faults.slow(30), times=5)
    snapshots = VPSSnapshotsApi(ApiClient(fake.configuration()))  # the default policy, real sleeps
    started = time.monotonic()
    with pytest.raises(ApiTimeoutError, match=r"Timed out for GET .* \(2 attempts\)"):
        snapshots.get_snapshot_v1(VM, _request_timeout=2)
    assert time.monotonic() - started < 5
    assert len(fake.requests) == 2, "a read timeout is retried once, not four times"


def test_read_timeouts_retried_as_often_as_the_policy_says(fake):
    fake.set_snapshot(VM)
    fake.inject(faults.slow(30), times=5)
    snapshots, retry = recording_client(fake, timeout_retries=3)
    with pytest.raises(ApiTimeoutError):
        snapshots.get_snapshot_v1(VM, _request_timeout=(5, 0.1))
    assert (len(retry.slept), len(fake.requests)) == (3, 4)


def test_other_failures_still_get_every_retry_after_a_timeout(fake):
    fake.set_snapshot(VM)
    fake.inject(faults.slow(30))
    fake.inject(faults.error(503), times=2)
    snapshots, _ = recording_client(fake)
    assert snapshots.get_snapshot_v1(VM, _request_timeout=(5, 0.2)).id == 1
    assert len(fake.requests) == 4


def test_every_call_ends_within_its_budget(fake):
    fake.set_snapshot(VM)
    fake.inject(faults.slow(30), times=5)
    configuration = fake.configuration()
    configuration.retries = RetryPolicy(budget=0.6, timeout_retries=4)
    snapshots = VPSSnapshotsApi(ApiClient(configuration))
    started = time.monotonic()
    with pytest.raises(ApiTimeoutError):
        snapshots.get_snapshot_v1(VM)  # the default 60 s read timeout, cut to the budget
    assert time.monotonic() - started < 3


def test_a_call_whose_budget_ran_out_says_so(fake):
    fake.inject(faults.error(503), times=5)
    configuration = fake.configuration()
    configuration.retries = RetryPolicy(budget=0.3, backoff_factor=0.2, jitter=0)
    snapshots = VPSSnapshotsApi(ApiClient(configuration))
    with pytest.raises(ServiceException):
        snapshots.get_snapshot_v1(VM)  # no wait starts that would end after the budget
    assert len(fake.requests) == 2


def test_the_default_worst_case_of_one_call_is_within_three_minutes():
    policy = RetryPolicy()
    assert policy.budget is not None
    assert policy.budget <= 180
    configuration = Configuration()
    one_attempt = configuration.connect_timeout + configuration.read_timeout
    assert policy.budget >= one_attempt, "the budget leaves a whole default attempt room"


@pytest.mark.parametrize("token", ["\ufeff" + TOKEN, TOKEN + "\u20ac", TOKEN + "\n", "x\r\ny"])
def test_a_token_http_cannot_carry_is_our_error_and_never_shown(fake, token):
    configuration = fake.configuration()
    configuration.access_token = token
    with ApiClient(configuration) as client, pytest.raises(ApiValueError) as raised:
        VPSSnapshotsApi(client).get_snapshot_v1(VM)
    error = raised.value
    assert str(error).startswith("Not sent: a header of GET ")
    assert error.__context__ is None
    assert error.__cause__ is None
    assert token.strip() not in repr(error)
    assert token.strip() not in str(error)
    assert fake.requests == []


@pytest.mark.parametrize(
    "timeout", [[5, 10], Decimal("5"), Fraction(5, 2), (Decimal("2.5"), 10)], ids=repr
)
def test_request_timeout_forms_4_3_1_takes_are_taken(fake, timeout):
    with ApiClient(fake.configuration()) as client:
        assert VPSSnapshotsApi(client).create_snapshot_v1(VM, _request_timeout=timeout).id


@pytest.mark.parametrize("timeout", [True, "5", [1, 2, 3], [0, 5], Decimal("NaN")], ids=repr)
def test_request_timeout_forms_that_are_not_seconds_are_refused(fake, timeout):
    with ApiClient(fake.configuration()) as client, pytest.raises((ApiTypeError, ApiValueError)):
        VPSSnapshotsApi(client).create_snapshot_v1(VM, _request_timeout=timeout)
    assert fake.requests == []


def test_a_call_cut_to_its_deadline_leaves_the_shared_timeout_alone(fake):
    """The client's default timeout is shared by its calls (urllib3 need not copy it); a call
    near its deadline gets a cut copy, and the calls after it the whole timeouts again."""
    with ApiClient(fake.configuration()) as client:
        snapshots = VPSSnapshotsApi(client)
        snapshots.create_snapshot_v1(VM)
        shared = client.rest_client._default_timeout[2]
        assert shared.total is None
        assert shared.clone() is shared
        with deadline(5):  # less than connect + read timeouts: this attempt's timeout is cut
            snapshots.get_snapshot_v1(VM)
        fake.inject(faults.slow(1), method="GET")
        with pytest.raises(ApiTimeoutError), deadline(0.3):
            snapshots.get_snapshot_v1(VM)
        snapshots.get_snapshot_v1(VM)
        assert client.rest_client._default_timeout[2] is shared
        assert shared.total is None
        assert (shared.connect_timeout, shared.read_timeout) == (10.0, 60.0)
