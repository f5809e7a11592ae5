"""The fake's HTTP server: HTTPS with a throwaway CA, and HTTP/1.1 for clients we did not write."""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import socket
import ssl
import subprocess
import sys
import time

import pytest
import urllib3
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from support import TOKEN, VM

from hostinger_api import (
    ApiClient,
    ApiConnectionError,
    ServiceException,
    VPSActionsApi,
    VPSSnapshotsApi,
)
from hostinger_api.testing import FakeHostingerApi, faults
from hostinger_api.testing._http import RequestHandler

BASE = f"/api/vps/v1/virtual-machines/{VM}"


@pytest.fixture
def tls_fake():
    with FakeHostingerApi(vms=[VM], token=TOKEN, tls=True) as server:
        yield server


def received_until_closed(connection, seconds=5.0):
    """Everything the server sends until it closes the connection (a reset counts as closing)."""
    connection.settimeout(seconds)
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def no_retries(configuration):
    configuration.retries = 0
    return configuration


# -- TLS ---------------------------------------------------------------------------------------


def test_the_client_completes_a_tls_handshake_with_the_fake(tls_fake):
    assert tls_fake.url == f"https://127.0.0.1:{tls_fake.port}"
    with ApiClient(tls_fake.configuration()) as api_client:
        action = VPSSnapshotsApi(api_client).create_snapshot_v1(VM)
        listed = VPSActionsApi(api_client).get_actions_v1(VM)
    assert [a.id for a in listed.data] == [action.id]
    assert [r.method for r in tls_fake.requests] == ["POST", "GET"]


def test_the_certificate_is_valid_for_localhost_too(tls_fake):
    configuration = tls_fake.configuration()
    configuration.host = f"https://localhost:{tls_fake.port}"
    with ApiClient(configuration) as api_client:
        assert VPSSnapshotsApi(api_client).create_snapshot_v1(VM).state == "created"


def test_the_ca_file_is_a_pem_certificate_that_goes_away_at_stop():
    fake = FakeHostingerApi(tls=True).start()
    try:
        with open(fake.ca_file, "rb") as pem:
            content = pem.read()
        assert content.startswith(b"-----BEGIN CERTIFICATE-----")
        assert content == fake.ca_pem
        ssl.create_default_context(cafile=fake.ca_file)  # loads: a real CA certificate
        path = fake.ca_file
    finally:
        fake.stop()
    assert not os.path.exists(path)
    with pytest.raises(RuntimeError, match="not running"):
        fake.ca_file  # noqa: B018


def test_without_the_ca_the_certificate_is_not_trusted(tls_fake):
    configuration = no_retries(tls_fake.configuration())
    configuration.ssl_ca_cert = None
    with ApiClient(configuration) as api_client, pytest.raises(ApiConnectionError, match="TLS"):
        VPSSnapshotsApi(api_client).create_snapshot_v1(VM)
    assert tls_fake.requests == []


def test_a_certificate_for_another_name_fails_unless_the_client_expects_that_name():
    with FakeHostingerApi(vms=[VM], tls=True, tls_hostnames=("other.example",)) as fake:
        configuration = no_retries(fake.configuration())
        with ApiClient(configuration) as api_client, pytest.raises(ApiConnectionError):
            VPSSnapshotsApi(api_client).create_snapshot_v1(VM)
        assert fake.requests == []
        configuration.tls_server_name = "other.example"
        with ApiClient(configuration) as api_client:
            assert VPSSnapshotsApi(api_client).create_snapshot_v1(VM).state == "created"


def test_a_required_client_certificate_is_checked():
    with FakeHostingerApi(vms=[VM], tls=True, client_cert_required=True) as fake:
        configuration = no_retries(fake.configuration())
        assert (configuration.cert_file, configuration.key_file) == (
            fake.client_cert_file,
            fake.client_key_file,
        )
        with ApiClient(configuration) as api_client:
            assert VPSSnapshotsApi(api_client).create_snapshot_v1(VM).state == "created"
        configuration.cert_file = configuration.key_file = None
        with ApiClient(configuration) as api_client, pytest.raises(ApiConnectionError):
            VPSActionsApi(api_client).get_actions_v1(VM)
        assert [r.method for r in fake.requests] == ["POST"]


def test_the_tls_settings_are_checked(tls_fake, fake):
    with pytest.raises(ValueError, match="tls=True"):
        FakeHostingerApi(client_cert_required=True)
    with pytest.raises(ValueError, match="tls_hostnames"):
        FakeHostingerApi(tls=True, tls_hostnames=())
    with pytest.raises(RuntimeError, match="client_cert_required"):
        tls_fake.client_cert_file  # noqa: B018
    with pytest.raises(RuntimeError, match="plain HTTP"):
        fake.ca_file  # noqa: B018
    assert fake.url.startswith("http://")
    assert fake.configuration().ssl_ca_cert is None


def test_without_trustme_tls_asks_for_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "trustme", None)  # makes `import trustme` fail
    fake = FakeHostingerApi(tls=True)
    with pytest.raises(RuntimeError, match="pip install trustme"):
        fake.start()
    with pytest.raises(RuntimeError, match="not running"):
        fake.port  # noqa: B018


def test_a_client_that_never_says_hello_does_not_hold_up_the_others(tls_fake):
    with socket.create_connection(("127.0.0.1", tls_fake.port)) as silent:
        with socket.create_connection(("127.0.0.1", tls_fake.port)) as garbage:
            garbage.sendall(b"\x16\x03\x01\x00\x05hello")  # a broken TLS hello
            assert b"HTTP/1.1" not in received_until_closed(garbage)  # a TLS alert at most
        configuration = tls_fake.configuration()
        with ApiClient(configuration) as api_client:
            action = VPSSnapshotsApi(api_client).create_snapshot_v1(VM, _request_timeout=5)
        assert action.state == "created"
        assert silent.fileno() != -1  # still connected, still silent


def test_plain_http_to_the_tls_fake_is_told_to_use_https(tls_fake):
    plain = urllib3.PoolManager(retries=False, timeout=5)
    url = tls_fake.url.replace("https://", "http://")
    response = plain.request("GET", url + BASE + "/snapshot")
    body = json.loads(response.data)
    assert (response.status, response.headers["Connection"]) == (400, "close")
    assert body["message"] == f"This server speaks HTTPS: send the request to {tls_fake.url}"
    assert body["correlation_id"]
    assert tls_fake.requests == []


def test_on_its_own_it_serves_https_and_prints_the_ca():
    process = subprocess.Popen(
        [sys.executable, "-m", "hostinger_api.testing", "--tls", "--quiet", "--token", TOKEN],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().split()[-1]
        ca_line = process.stdout.readline()
        assert url.startswith("https://127.0.0.1:")
        assert ca_line.startswith("CA certificate: ")
        ca_file = ca_line.split(": ", 1)[1].strip()
        response = urllib3.PoolManager(ca_certs=ca_file, retries=False, timeout=5).request(
            "POST", url + BASE + "/snapshot", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert response.status == 200
    finally:
        process.terminate()
        process.communicate(timeout=10)
    assert process.returncode == 0
    deadline = time.monotonic() + 5
    while os.path.exists(ca_file) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not os.path.exists(ca_file)


# -- HTTP/1.1 for clients we did not write ------------------------------------------------------

AUTH = f"Authorization: Bearer {TOKEN}\r\n"
VALID = f"GET {BASE}/actions HTTP/1.1\r\nHost: fake\r\n{AUTH}\r\n".encode()


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def is_json_error(self):
        body = self.json()
        return (
            self.headers["Content-Type"] == "application/json"
            and isinstance(body["message"], str)
            and isinstance(body["correlation_id"], str)
        )


class Raw:
    """A raw connection to a fake, and a strict reader of the HTTP/1.1 answers it gets."""

    def __init__(self, fake):
        connection = socket.create_connection(("127.0.0.1", fake.port), timeout=5)
        if fake.tls:
            context = ssl.create_default_context(cafile=fake.ca_file)
            connection = context.wrap_socket(connection, server_hostname="127.0.0.1")
        self.connection = connection
        self.file = connection.makefile("rb")
        self.interim = []

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.file.close()
        self.connection.close()

    def send(self, data):
        self.connection.sendall(data)
        return self

    def done_sending(self):
        """Tell the server nothing more comes (plain connections only)."""
        self.connection.shutdown(socket.SHUT_WR)
        return self

    def answer(self, head=False):
        """The next final answer, parsed strictly; None when the server closed cleanly."""
        while True:
            line = self.file.readline(65537)
            if not line:
                return None
            status_line = re.fullmatch(rb"HTTP/1\.1 ([1-5][0-9][0-9]) [^\r\n]*\r\n", line)
            assert status_line, line
            status = int(status_line[1])
            headers = http.client.parse_headers(self.file)
            if status < 200:
                assert status == 100
                self.interim.append(status)
                continue
            length = headers["Content-Length"]
            assert re.fullmatch(r"[0-9]+", length or ""), length
            body = b"" if head else self.file.read(int(length))
            assert len(body) == (0 if head else int(length))
            return Answer(status, headers, body)

    def answers(self):
        """Every answer until the server closes the connection."""
        found = []
        while (answer := self.answer()) is not None:
            found.append(answer)
        return found

    def closed(self):
        return self.file.read(1) == b""


@pytest.fixture(params=["http", "https"])
def any_fake(request):
    with FakeHostingerApi(vms=[VM], token=TOKEN, tls=request.param == "https") as server:
        yield server


def request_bytes(method="GET", path=BASE + "/actions", headers="", body=b"", version="1.1"):
    head = f"{method} {path} HTTP/{version}\r\nHost: fake\r\n{AUTH}{headers}\r\n"
    return head.encode("latin-1") + body


def assert_in_sync(raw):
    """The connection still works: the next request gets its own answer."""
    answer = raw.send(VALID).answer()
    assert answer.status == 200
    assert "data" in answer.json()


def test_a_chunked_body_is_decoded_and_the_connection_stays_in_sync(any_fake):
    chunked = b'4;name=value\r\n{"a"\r\n3\r\n: 1\r\n1\r\n}\r\n0\r\nTrailer: x\r\n\r\n'
    with Raw(any_fake) as raw:
        raw.send(
            request_bytes("POST", BASE + "/snapshot", "Transfer-Encoding: chunked\r\n", chunked)
        )
        assert raw.answer().json()["state"] == "created"
        assert_in_sync(raw)
    assert any_fake.requests[0].body == b'{"a": 1}'


def test_a_chunked_body_that_lies_about_its_sizes_is_refused(fake):
    with Raw(fake) as raw:
        raw.send(
            request_bytes(
                "POST",
                BASE + "/snapshot",
                "Transfer-Encoding: chunked\r\n",
                b"2\r\nabc\r\n0\r\n\r\n",
            )
        )
        answer = raw.answer()
        assert (answer.status, answer.headers["Connection"]) == (400, "close")
        assert answer.is_json_error()
        assert raw.closed()
    assert fake.requests == []


def test_a_non_ascii_digit_in_page_gets_a_json_answer(any_fake):
    with Raw(any_fake) as raw:
        answer = raw.send(request_bytes(path=f"{BASE}/actions?page=%C2%B2")).answer()  # '²'
        assert answer.status == 422
        assert answer.is_json_error()
        assert_in_sync(raw)


def test_any_failure_inside_the_fake_is_a_json_500_and_no_error_log(any_fake, monkeypatch, caplog):
    def broken(*arguments):
        raise RuntimeError("the fake broke")

    monkeypatch.setattr(any_fake, "handle", broken)
    with Raw(any_fake) as raw:
        answer = raw.send(request_bytes()).answer()
        assert answer.status == 500
        assert answer.is_json_error()
        assert "RuntimeError" in answer.json()["message"]
        monkeypatch.undo()
        assert_in_sync(raw)
    assert "The fake failed to answer" in caplog.text
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.mark.parametrize("length", ["abc", "-1", "1, 2", "+5", "0x10", "\u0663", "", "5 5"])
def test_an_invalid_content_length_is_a_json_400_and_a_close(fake, length):
    with Raw(fake) as raw:
        raw.send(
            request_bytes(
                "POST",
                BASE + "/snapshot",
                f"Content-Length: {length}\r\n".encode().decode("latin-1"),
            )
        )
        answer = raw.answer()
        assert (answer.status, answer.headers["Connection"]) == (400, "close")
        assert answer.is_json_error()
        assert raw.closed()
    assert fake.requests == []


def test_a_repeated_identical_content_length_is_accepted(fake):
    with Raw(fake) as raw:
        raw.send(request_bytes("POST", BASE + "/snapshot", "Content-Length: 2, 2\r\n", b"{}"))
        assert raw.answer().status == 200
        assert_in_sync(raw)


def test_head_gets_a_405_without_a_body_and_the_connection_stays_in_sync(any_fake):
    with Raw(any_fake) as raw:
        answer = raw.send(request_bytes("HEAD", BASE + "/snapshot")).answer(head=True)
        assert answer.status == 405
        assert answer.headers["Allow"] == "DELETE, GET, POST"
        assert answer.headers["Content-Type"] == "application/json"
        assert int(answer.headers["Content-Length"]) > 0  # what a GET would have carried
        assert_in_sync(raw)


@pytest.mark.parametrize("method", ["OPTIONS", "FOO", "PUT", "TRACE"])
def test_other_methods_get_a_json_405_with_allow(any_fake, method):
    with Raw(any_fake) as raw:
        answer = raw.send(request_bytes(method, BASE + "/snapshot")).answer()
        assert answer.status == 405
        assert answer.headers["Allow"] == "DELETE, GET, POST"
        assert answer.is_json_error()
        assert_in_sync(raw)


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer", "bEaReR"])
def test_the_bearer_scheme_is_case_insensitive(any_fake, scheme):
    with Raw(any_fake) as raw:
        raw.send(
            request_bytes(headers="").replace(
                f"Bearer {TOKEN}".encode(), f"{scheme} {TOKEN}".encode()
            )
        )
        assert raw.answer().status == 200


@pytest.mark.parametrize("value", [f"Basic {TOKEN}", TOKEN, f"Bearer{TOKEN}", "Bearer wrong"])
def test_other_credentials_are_still_unauthenticated(fake, value):
    with Raw(fake) as raw:
        raw.send(
            f"GET {BASE}/actions HTTP/1.1\r\nHost: x\r\nAuthorization: {value}\r\n\r\n".encode()
        )
        answer = raw.answer()
        assert answer.status == 401
        assert answer.is_json_error()
        assert_in_sync(raw)


def test_two_authorization_headers_are_refused(fake):
    with Raw(fake) as raw:
        answer = raw.send(request_bytes(headers=AUTH)).answer()
        assert answer.status == 400
        assert answer.is_json_error()
        assert raw.closed()


def test_expect_100_continue_is_answered_before_the_body_is_sent(any_fake):
    with Raw(any_fake) as raw:
        raw.send(
            request_bytes(
                "POST", BASE + "/snapshot", "Content-Length: 2\r\nExpect: 100-continue\r\n"
            )
        )
        assert raw.file.readline() == b"HTTP/1.1 100 Continue\r\n"  # the body is not sent yet
        assert raw.file.readline() == b"\r\n"
        assert raw.send(b"{}").answer().json()["state"] == "created"
        assert_in_sync(raw)


def test_an_expectation_other_than_100_continue_is_a_417(fake):
    with Raw(fake) as raw:
        raw.send(request_bytes("POST", BASE + "/snapshot", "Content-Length: 2\r\nExpect: tea\r\n"))
        answer = raw.answer()
        assert answer.status == 417
        assert answer.is_json_error()
        assert raw.closed()
    assert fake.requests == []


def test_connection_close_is_echoed_and_the_connection_closed(any_fake):
    with Raw(any_fake) as raw:
        answer = raw.send(request_bytes(headers="Connection: close\r\n")).answer()
        assert (answer.status, answer.headers["Connection"]) == (200, "close")
        assert raw.closed()


def test_http_1_0_closes_unless_asked_to_keep_alive(fake):
    with Raw(fake) as raw:
        answer = raw.send(
            request_bytes(version="1.0", headers="Connection: keep-alive\r\n")
        ).answer()
        assert (answer.status, answer.headers["Connection"]) == (200, "keep-alive")
        assert_in_sync(raw)
    with Raw(fake) as raw:
        answer = raw.send(request_bytes(version="1.0")).answer()
        assert (answer.status, answer.headers["Connection"]) == (200, "close")
        assert raw.closed()


def test_pipelined_requests_are_answered_in_order(any_fake):
    with Raw(any_fake) as raw:
        raw.send(request_bytes("POST", BASE + "/snapshot") + VALID + request_bytes(path="/nowhere"))
        statuses = [raw.answer().status for _ in range(3)]
    assert statuses == [200, 200, 404]


def test_empty_lines_before_a_request_are_ignored(fake):
    with Raw(fake) as raw:
        assert raw.send(b"\r\n\n" + VALID).answer().status == 200


def test_an_absolute_form_target_is_served_by_its_path(fake):
    with Raw(fake) as raw:
        answer = raw.send(
            request_bytes(path=f"http://fake.example:80{BASE}/actions?page=1")
        ).answer()
        assert answer.status == 200
    assert fake.requests[0].path == BASE + "/actions"
    assert fake.requests[0].query == {"page": ["1"]}


MALFORMED = [
    (b"GET\r\n\r\n", 400),
    (b"GET / HTTP/1.1 extra\r\n\r\n", 400),
    (b"GET /\r\n\r\n", 400),  # HTTP/0.9
    (b"GET / HTTP/0.9\r\n\r\n", 505),
    (b"GET / HTTP/2.0\r\n\r\n", 505),
    (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),  # an HTTP/2 preface
    (b"GET / HTTX/1.1\r\n\r\n", 400),
    (b"GET / http/1.1\r\n\r\n", 400),
    (b"G@T / HTTP/1.1\r\n\r\n", 400),
    (b"GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n", 400),
    (b"GET relative/path HTTP/1.1\r\n\r\n", 400),
    (b"GET ftp://host/ HTTP/1.1\r\n\r\n", 400),
    (b"GET http://[::1/ HTTP/1.1\r\n\r\n", 400),
    (b"CONNECT fake.example:443 HTTP/1.1\r\n\r\n", 400),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\n\r\n", 431),
    (b"GET / HTTP/1.1\r\n" + b"X: a\r\n" * 101 + b"\r\n", 431),
    (b"GET / HTTP/1.1\r\nX: a\r\n continued\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
    (b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n", 413),
    (b"POST / HTTP/1.1\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n", 413),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFF\r\n", 413),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", 400),
    (b"\r\n" * 20, 400),
]


@pytest.mark.parametrize(("request_", "status"), MALFORMED, ids=range(len(MALFORMED)))
def test_every_malformed_request_gets_a_json_error_and_a_clean_close(
    fake, request_, status, caplog
):
    with Raw(fake) as raw:
        answer = raw.send(request_).answer()
        assert (answer.status, answer.headers["Connection"]) == (status, "close")
        assert answer.is_json_error()
        assert raw.closed()
    with Raw(fake) as raw:
        assert_in_sync(raw)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_a_request_cut_short_is_answered_when_the_client_stops_sending(fake):
    for partial in [
        b"GET / HT",
        b"GET / HTTP/1.1\r\nHost: x\r\n",
        request_bytes("POST", "/", "Content-Length: 9\r\n", b"{}"),
    ]:
        with Raw(fake) as raw:
            answer = raw.send(partial).done_sending().answer()
            assert answer.status == 400
            assert answer.is_json_error()
            assert raw.closed()


def test_a_request_that_stalls_gets_a_408(fake, monkeypatch):
    monkeypatch.setattr(RequestHandler, "timeout", 0.3)
    for partial in [
        b"GET / HT",
        b"GET / HTTP/1.1\r\nHost: x\r\n",
        request_bytes("POST", "/", "Content-Length: 9\r\n", b"{}"),
    ]:
        with Raw(fake) as raw:
            answer = raw.send(partial).answer()
            assert answer.status == 408
            assert answer.is_json_error()
            assert raw.closed()
    with Raw(fake) as raw:
        assert raw.closed()  # idle, not a request: closed without a word


def test_a_tls_client_on_the_plain_port_is_let_go_at_once(fake):
    context = ssl.create_default_context()
    started = time.monotonic()
    connection = socket.create_connection(("127.0.0.1", fake.port), timeout=10)
    with connection, pytest.raises((ssl.SSLError, ConnectionError)):
        context.wrap_socket(connection, server_hostname="127.0.0.1")
    assert time.monotonic() - started < 10  # not the 30 s idle timeout


# -- anything at all, thrown at it ---------------------------------------------------------------

FOLLOW_UP = f"GET {BASE}/actions HTTP/1.1\r\nHost: fake\r\n{AUTH}Connection: close\r\n\r\n".encode()
_ONE_LINE = st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"])
_METHODS = st.sampled_from(
    ["GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "FOO", "get", "TRACE", "CONNECT"]
) | st.text(_ONE_LINE, max_size=8)
_TARGETS = st.sampled_from(
    [
        f"{BASE}/snapshot",
        f"{BASE}/snapshot/restore",
        f"{BASE}/actions",
        f"{BASE}/actions?page=2",
        f"{BASE}/actions?page=%C2%B2",
        f"{BASE}/actions/1",
        f"http://fake.example{BASE}/actions",
        "/",
        "*",
        "//x",
        "/%00",
        "",
    ]
) | st.text(_ONE_LINE, max_size=40)
_VERSIONS = st.sampled_from(
    ["HTTP/1.1", "HTTP/1.0", "HTTP/0.9", "HTTP/2.0", "HTTP/1.9", "http/1.1", "HTTP/1", ""]
) | st.text(_ONE_LINE, max_size=10)
_NAMES = st.sampled_from(
    ["Host", "Accept", "Authorization", "Connection", "Expect", "Content-Type", "X-Any", ""]
) | st.text(_ONE_LINE, max_size=12)
_VALUES = st.sampled_from(
    [f"Bearer {TOKEN}", f"bearer {TOKEN}", "close", "keep-alive", "100-continue", "x"]
) | st.text(_ONE_LINE, max_size=30)


def _encode(text):
    return text.encode("utf-8", "surrogatepass")


@st.composite
def _requests(draw):
    """A request that may be wrong in any part, but ends where its own framing says it does."""
    line = _encode(" ".join([draw(_METHODS), draw(_TARGETS), draw(_VERSIONS)]))
    headers = [
        (_encode(name), _encode(value))
        for name, value in draw(st.lists(st.tuples(_NAMES, _VALUES), max_size=6))
        if name.strip().lower() not in ("content-length", "transfer-encoding")
    ]
    body = draw(st.binary(max_size=64))
    framing = draw(st.sampled_from(["none", "length", "chunked", "bad length", "bad coding"]))
    if framing == "none":
        body = b""
    elif framing == "length":
        headers.append((b"Content-Length", str(len(body)).encode()))
    elif framing == "chunked":
        headers.append((b"Transfer-Encoding", b"chunked"))
        cut = draw(st.integers(0, len(body)))
        body = b"".join(
            b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:cut], body[cut:]) if part
        )
        body += b"0\r\n\r\n"
    elif framing == "bad length":
        value = draw(st.sampled_from(["abc", "-1", "1, 2", "0x1", "\u0663", ""]))
        headers.append((b"Content-Length", _encode(value)))
        body = b""
    else:
        headers.append(
            (b"Transfer-Encoding", _encode(draw(st.sampled_from(["gzip", "x, chunked"]))))
        )
        body = b""
    separator = draw(st.sampled_from([b": ", b":"]))
    head = b"".join(name + separator + value + b"\r\n" for name, value in headers)
    return line, line + b"\r\n" + head + b"\r\n" + body


@pytest.fixture(scope="module")
def fuzzed():
    """One plain and one TLS fake that every example is thrown at; none may log an ERROR."""
    errors = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = errors.append
    logger = logging.getLogger("hostinger_api.testing")
    logger.addHandler(handler)
    try:
        plain = FakeHostingerApi(vms=[VM], token=TOKEN)
        tls = FakeHostingerApi(vms=[VM], token=TOKEN, tls=True)
        with plain, tls:
            yield {"http": plain, "https": tls}, errors
    finally:
        logger.removeHandler(handler)


def assert_served_normally(fake):
    with Raw(fake) as raw:
        answer = raw.send(FOLLOW_UP).answer()
        assert answer.status == 200
        assert "data" in answer.json()


def assert_answered_properly(answer):
    if answer.status >= 400:
        assert answer.is_json_error()
    else:
        answer.json()  # JSON, whatever it holds


@pytest.mark.parametrize("scheme", ["http", "https"])
@settings(max_examples=150, deadline=None)
@given(thrown=_requests())
def test_any_request_gets_json_or_a_clean_close_and_the_connection_stays_in_sync(
    fuzzed, scheme, thrown
):
    line, request_ = thrown
    assume(line.split()[:1] != [b"HEAD"])  # its answer has no body: tested on its own above
    fakes, errors = fuzzed
    fake = fakes[scheme]
    with Raw(fake) as raw:
        answers = raw.send(request_ + FOLLOW_UP).answers()
    if not answers:  # only a TLS handshake on the plain port is let go without a word
        assert scheme == "http"
        assert request_.startswith(b"\x16")
    else:
        for answer in answers:
            assert_answered_properly(answer)
        if answers[0].headers["Connection"] == "close":
            assert len(answers) == 1
        else:  # kept alive: the next request was read from where this one ended
            assert len(answers) == 2
            assert answers[1].status == 200
            assert "data" in answers[1].json()
    assert_served_normally(fake)
    assert errors == []


@settings(max_examples=150, deadline=None)
@given(
    thrown=st.one_of(
        st.binary(max_size=300),
        st.lists(
            st.sampled_from(
                [
                    b"GET ",
                    b"POST ",
                    f"{BASE}/actions".encode(),
                    b" HTTP/1.1",
                    b"\r\n",
                    b"\n",
                    b"Content-Length: 3",
                    b"Transfer-Encoding: chunked",
                    b"Expect: 100-continue",
                    AUTH.encode(),
                    b"5\r\n",
                    b"0\r\n",
                    b"\r\n\r\n",
                    b": ",
                    b"\x00",
                    b"\xff",
                ]
            )
            | st.binary(max_size=8),
            max_size=30,
        ).map(b"".join),
    )
)
def test_any_bytes_get_json_answers_or_a_clean_close(fuzzed, thrown):
    assume(b"HEAD" not in thrown)
    fakes, errors = fuzzed
    fake = fakes["http"]
    with Raw(fake) as raw:
        for answer in raw.send(thrown).done_sending().answers():
            assert_answered_properly(answer)
    assert_served_normally(fake)
    assert errors == []


def test_stopping_closes_kept_alive_tls_connections(tls_fake):
    pool = urllib3.HTTPSConnectionPool(
        "127.0.0.1", tls_fake.port, ca_certs=tls_fake.ca_file, retries=False, timeout=5
    )
    assert pool.request("GET", BASE + "/snapshot").status == 401
    with Raw(tls_fake) as raw:
        assert_in_sync(raw)
        tls_fake.stop()
        assert raw.closed()
    with pytest.raises(urllib3.exceptions.HTTPError):
        pool.request("GET", BASE + "/snapshot")
    pool.close()


@pytest.mark.parametrize("when", ["before", "during"])
def test_injected_faults_behave_over_tls_as_over_plain_http(any_fake, when):
    any_fake.inject(faults.dropped_connection(when))
    any_fake.inject(faults.error(503, headers={"Connection": "close"}))
    configuration = no_retries(any_fake.configuration())
    with ApiClient(configuration) as api_client:
        with pytest.raises(ApiConnectionError):
            VPSActionsApi(api_client).get_actions_v1(VM)
        with pytest.raises(ServiceException) as refused:
            VPSActionsApi(api_client).get_actions_v1(VM)
        assert refused.value.status == 503
        assert VPSActionsApi(api_client).get_actions_v1(VM).data == []
