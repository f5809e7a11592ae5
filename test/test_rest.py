"""The transport: timeouts, and every failure below HTTP as our own exception."""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import sys
import threading

import pytest
import urllib3
from support import TOKEN, VM

from hostinger_api import (
    ApiClient,
    ApiConnectionError,
    ApiTimeoutError,
    ApiValueError,
    Configuration,
)
from hostinger_api.rest import RESTClientObject, build_timeout, is_socks_proxy_url
from hostinger_api.retry import RetryPolicy

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
    return RESTClientObject(Configuration(host=url, access_token=TOKEN))


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
    assert pool_manager.connection_pool_kw["retries"].total is False  # urllib3 never retries
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
