"""Through a real proxy (proxy.py, in a subprocess): tunnels, forwarding, credentials, failures.

The proxy writes down every request it receives (see ``real_proxy``), so the tests see what a
proxy operator would: the CONNECT of an https:// call and never the token behind it.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import urllib3
from real_proxy import RealProxy
from support import TOKEN, VM, RecordingPolicy, get_snapshot

from hostinger_api import (
    ApiClient,
    ApiConnectionError,
    ApiTimeoutError,
    Configuration,
    VPSSnapshotsApi,
)
from hostinger_api.exceptions import ProxyAuthenticationError
from hostinger_api.testing import FakeHostingerApi

USER = "ops"
PASSWORD = "pr0xy-pa55word"  # made up
CREDENTIALS = f"{USER}:{PASSWORD}"
SNAPSHOT_PATH = f"/api/vps/v1/virtual-machines/{VM}/snapshot"
SCHEMES = [pytest.param(True, id="https-through-CONNECT"), pytest.param(False, id="http-forwarded")]


@pytest.fixture(scope="module")
def open_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealProxy]:
    with RealProxy(tmp_path_factory.mktemp("open-proxy")) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def guarded_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealProxy]:
    with RealProxy(tmp_path_factory.mktemp("guarded-proxy"), auth=CREDENTIALS) as proxy:
        yield proxy


@pytest.fixture
def proxy(open_proxy: RealProxy) -> RealProxy:
    open_proxy.clear()
    return open_proxy


@pytest.fixture
def guarded(guarded_proxy: RealProxy) -> RealProxy:
    guarded_proxy.clear()
    return guarded_proxy


@pytest.fixture(params=SCHEMES)
def served(request: pytest.FixtureRequest) -> Iterator[FakeHostingerApi]:
    """The fake over https:// (reached through a CONNECT tunnel) and over plain http://."""
    with FakeHostingerApi(vms=[VM], token=TOKEN, tls=request.param) as fake:
        fake.set_snapshot(VM)
        yield fake


def through(fake: FakeHostingerApi, proxy: str, **settings: object) -> Configuration:
    configuration = fake.configuration()
    configuration.proxy = proxy
    for name, value in settings.items():
        setattr(configuration, name, value)
    return configuration


def basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def test_https_goes_through_a_connect_tunnel_and_the_proxy_never_sees_the_token(proxy):
    with FakeHostingerApi(vms=[VM], token=TOKEN, tls=True) as fake:
        fake.set_snapshot(VM)
        assert get_snapshot(through(fake, proxy.url)) == 1
        [tunnel] = proxy.seen()
        assert (tunnel.method, tunnel.host) == ("CONNECT", "127.0.0.1")
        assert tunnel.header("Authorization") is None
        assert proxy.logged(f"CONNECT 127.0.0.1:{fake.port}")  # its access log
        assert TOKEN not in proxy.everything_it_saw()
        [request] = fake.requests  # what came out of the tunnel: the call, with its token
        assert (request.method, request.path) == ("GET", SNAPSHOT_PATH)
        assert request.header("Authorization") == "<redacted>"


def test_plain_http_is_forwarded_by_the_proxy(proxy):
    with FakeHostingerApi(vms=[VM], token=TOKEN) as fake:
        fake.set_snapshot(VM)
        assert get_snapshot(through(fake, proxy.url)) == 1
        [forwarded] = proxy.seen()
        assert (forwarded.method, forwarded.target) == ("GET", SNAPSHOT_PATH)
        assert len(fake.requests) == 1


@pytest.mark.parametrize("tls", [True, False], ids=["CONNECT", "forwarded"])
def test_without_a_proxy_the_proxy_sees_nothing(proxy, tls):
    with FakeHostingerApi(vms=[VM], token=TOKEN, tls=tls) as fake:
        fake.set_snapshot(VM)
        assert get_snapshot(fake.configuration()) == 1
    assert proxy.seen() == []  # so the tests above prove the proxy setting was used


def test_proxy_headers_carry_the_credentials_a_proxy_requires(guarded, served):
    headers = urllib3.make_headers(proxy_basic_auth=CREDENTIALS)
    assert get_snapshot(through(served, guarded.url, proxy_headers=headers)) == 1
    [seen] = guarded.seen()
    assert seen.header("Proxy-Authorization") == basic(CREDENTIALS)
    assert len(served.requests) == 1


def test_credentials_in_the_proxy_url_are_sent_and_shown_nowhere(guarded, served, caplog):
    caplog.set_level(logging.DEBUG)  # urllib3's log too
    configuration = through(served, f"http://{USER}:{PASSWORD}@{guarded.address}")
    configuration.debug = True
    with ApiClient(configuration) as api_client:
        assert VPSSnapshotsApi(api_client).get_snapshot_v1(VM).id == 1
        shown = [repr(configuration), configuration.to_debug_report(), repr(api_client)]
        shown.append(repr(api_client.rest_client.pool_manager.proxy))
    [seen] = guarded.seen()
    assert seen.header("Proxy-Authorization") == basic(CREDENTIALS)
    assert caplog.records  # the debug log did run
    for text in [caplog.text, *shown]:
        assert PASSWORD not in text
        assert base64.b64encode(CREDENTIALS.encode()).decode() not in text


def test_credentials_in_the_url_are_percent_decoded(guarded):
    with FakeHostingerApi(vms=[VM], token=TOKEN, tls=True) as fake:
        fake.set_snapshot(VM)
        quoted = PASSWORD.replace("-", "%2D")
        assert get_snapshot(through(fake, f"http://{USER}:{quoted}@{guarded.address}")) == 1


def test_a_proxy_authorization_header_wins_over_credentials_in_the_url(guarded, served):
    headers = {"proxy-authorization": basic(CREDENTIALS)}
    wrong = f"http://{USER}:wrong@{guarded.address}"
    assert get_snapshot(through(served, wrong, proxy_headers=headers)) == 1
    assert guarded.seen()[0].header("Proxy-Authorization") == basic(CREDENTIALS)


@pytest.mark.parametrize(
    "credentials",
    [pytest.param(f"{USER}:wrong@", id="wrong"), pytest.param("", id="none")],
)
def test_a_proxy_that_refuses_the_credentials_fails_at_once(guarded, served, caplog, credentials):
    policy = RecordingPolicy(jitter=0)
    configuration = through(served, f"http://{credentials}{guarded.address}", retries=policy)
    with pytest.raises(ProxyAuthenticationError) as caught:
        get_snapshot(configuration)
    failure = caught.value
    assert failure.status == 407
    assert "the proxy refused the credentials" in str(failure)
    assert "wrong" not in str(failure)
    assert len(guarded.seen()) == 1  # asked once: not retried like a dropped connection
    assert policy.slept == []
    assert served.requests == []
    retried = [
        record
        for record in caplog.records
        if record.thread == threading.get_ident() and record.getMessage().startswith("Retrying")
    ]
    assert retried == []  # this thread's; another test's daemon thread may still be logging
    if served.tls:  # the tunnel was refused: the message names the proxy, as configured
        assert f"The proxy http://{guarded.address} answered 407" in str(failure)


def test_a_proxy_that_refuses_the_tunnel_by_policy_fails_at_once(tmp_path):
    blocking = ["--plugins", "proxy.plugin.FilterByUpstreamHostPlugin"]
    blocking += ["--filtered-upstream-hosts", "127.0.0.1"]  # it answers those with a 418
    policy = RecordingPolicy(jitter=0)
    with RealProxy(tmp_path, options=blocking) as proxy, FakeHostingerApi(tls=True) as fake:
        with pytest.raises(ApiConnectionError) as caught:
            get_snapshot(through(fake, proxy.url, retries=policy))
        assert fake.requests == []
    message = str(caught.value)
    assert f"the proxy {proxy.url} refused to open a tunnel to the API" in message
    assert "418" in message
    assert policy.slept == []  # the same request would be refused the same way


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_a_proxy_that_is_down_is_named_in_the_error(scheme):
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    policy = RecordingPolicy(jitter=0)
    configuration = Configuration(
        host=f"{scheme}://api.example.test", access_token=TOKEN, retries=policy
    )
    configuration.allow_insecure_http = True
    configuration.proxy = f"http://{USER}:{PASSWORD}@127.0.0.1:{port}"
    with pytest.raises(ApiConnectionError) as caught:
        get_snapshot(configuration)
    message = str(caught.value)
    assert f"could not connect to the proxy http://127.0.0.1:{port}" in message
    assert "(5 attempts)" in message  # a proxy that is down may come back: retried
    assert policy.slept == [0.5, 1.0, 2.0, 4.0]
    assert PASSWORD not in message
    assert USER not in message


@contextlib.contextmanager
def not_a_proxy(hang_up: bool) -> Iterator[str]:
    """A listener that takes connections and says nothing, or hangs up: what a real proxy will
    not do on demand. Yields its address."""
    held: list[socket.socket] = []
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except (TimeoutError, socket.timeout):  # one class from Python 3.10 on
                continue
            if hang_up:
                connection.settimeout(5)
                connection.recv(65536)
                connection.close()
            else:
                held.append(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
        for connection in held:
            connection.close()


@pytest.mark.parametrize(
    ("hang_up", "failure", "said"),
    [
        (False, ApiTimeoutError, "timed out connecting to the proxy"),
        (True, ApiConnectionError, "broke the connection"),
    ],
    ids=["silent", "hangs-up"],
)
def test_a_proxy_that_fails_to_open_the_tunnel_is_blamed_and_retried(hang_up, failure, said):
    policy = RecordingPolicy(jitter=0)
    configuration = Configuration(
        host="https://api.example.test", access_token=TOKEN, retries=policy
    )
    configuration.connect_timeout = configuration.read_timeout = 0.2
    with not_a_proxy(hang_up) as address:
        configuration.proxy = f"http://{USER}:{PASSWORD}@{address}"
        with pytest.raises(failure) as caught, ApiClient(configuration) as api_client:
            # a POST: the API never saw it, so retrying it is safe
            VPSSnapshotsApi(api_client).create_snapshot_v1(VM)
    message = str(caught.value)
    assert "The proxy failed for POST https://api.example.test" in message
    assert said in message
    assert f"http://{address}" in message
    assert PASSWORD not in message
    assert policy.slept == [0.5, 1.0, 2.0, 4.0]


def test_tls_with_a_proxy_that_speaks_no_tls_fails_at_once():
    policy = RecordingPolicy(jitter=0)
    configuration = Configuration(
        host="https://api.example.test", access_token=TOKEN, retries=policy
    )
    configuration.connect_timeout = configuration.read_timeout = 5
    with FakeHostingerApi() as plain:  # answers a TLS hello with an HTTP error: no TLS
        address = f"127.0.0.1:{plain.port}"
        configuration.proxy = f"https://{address}"
        with pytest.raises(ApiConnectionError) as caught:
            get_snapshot(configuration)
    assert f"TLS with the proxy https://{address} failed" in str(caught.value)
    assert policy.slept == []  # the same setup fails the same way


def test_a_socks_proxy_that_is_down_is_named_in_the_error():
    pytest.importorskip("socks")
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    configuration = Configuration(host="https://api.example.test", access_token=TOKEN, retries=0)
    configuration.proxy = f"socks5h://{USER}:{PASSWORD}@127.0.0.1:{port}"
    with pytest.raises(ApiConnectionError) as caught:
        get_snapshot(configuration)
    message = str(caught.value)
    assert f"could not connect through the SOCKS proxy 127.0.0.1:{port}" in message
    assert PASSWORD not in message


# -- the command line follows HTTPS_PROXY, HTTP_PROXY and NO_PROXY ------------------------------


def run_cli(fake: FakeHostingerApi, **environment: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    clean.pop("SSL_CERT_FILE", None)
    clean.pop("REQUESTS_CA_BUNDLE", None)
    return subprocess.run(
        [sys.executable, "-m", "hostinger_api", "--host", fake.url, "snapshot", "get", str(VM)],
        capture_output=True,
        text=True,
        env={**clean, "HOSTINGER_API_TOKEN": TOKEN, **environment},
        timeout=60,
    )


def test_the_cli_tunnels_through_https_proxy(proxy):
    with FakeHostingerApi(vms=[VM], token=TOKEN, tls=True) as fake:
        fake.set_snapshot(VM)
        finished = run_cli(fake, HTTPS_PROXY=proxy.url, SSL_CERT_FILE=fake.ca_file)
        assert finished.returncode == 0, finished.stderr
        assert [seen.method for seen in proxy.seen()] == ["CONNECT"]
        assert len(fake.requests) == 1


def test_the_cli_sends_plain_http_through_http_proxy(proxy):
    with FakeHostingerApi(vms=[VM], token=TOKEN) as fake:
        fake.set_snapshot(VM)
        finished = run_cli(fake, http_proxy=proxy.address)  # no scheme: http://
        assert finished.returncode == 0, finished.stderr
        assert [seen.target for seen in proxy.seen()] == [SNAPSHOT_PATH]


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "localhost,127.0.0.0/8", "*"])
def test_the_cli_goes_directly_to_hosts_in_no_proxy(proxy, no_proxy):
    with FakeHostingerApi(vms=[VM], token=TOKEN, tls=True) as fake:
        fake.set_snapshot(VM)
        finished = run_cli(
            fake, HTTPS_PROXY=proxy.url, NO_PROXY=no_proxy, SSL_CERT_FILE=fake.ca_file
        )
        assert finished.returncode == 0, finished.stderr
        assert len(fake.requests) == 1
    assert proxy.seen() == []


def test_the_cli_names_the_proxy_it_could_not_reach():
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    with FakeHostingerApi(vms=[VM], token=TOKEN, tls=True) as fake:
        finished = run_cli(
            fake,
            HTTPS_PROXY=f"http://{USER}:{PASSWORD}@127.0.0.1:{port}",
            SSL_CERT_FILE=fake.ca_file,
        )
    assert finished.returncode == 1
    assert f"could not connect to the proxy http://127.0.0.1:{port}" in finished.stderr
    assert PASSWORD not in finished.stderr + finished.stdout


def test_the_proxy_process_is_stopped(tmp_path: Path):
    with RealProxy(tmp_path) as proxy:
        address = ("127.0.0.1", proxy.port)
        socket.create_connection(address, timeout=5).close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=5).close()
