"""Reading the body within the call's budget: a server that trickles its answer is cut off.

The read timeout bounds each wait for data, so a server that sends one byte every 0.15 s never
trips it; the call's budget (or a ``deadline``) bounds the whole attempt, body included.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from support import TOKEN, VM

from hostinger_api import (
    ApiClient,
    ApiTimeoutError,
    Configuration,
    RetryPolicy,
    VPSSnapshotsApi,
)
from hostinger_api.retry import deadline

SNAPSHOT = json.dumps(
    {"id": 325, "restore_time": 1800, "created_at": "2025-02-27T11:54:22Z"}
).encode()
ACTION = json.dumps({"id": 8123712, "name": "create_snapshot", "state": "created"}).encode()
STEP = 0.15
"""Seconds between two bytes of a trickled body."""
SLACK = 2.0
"""Seconds a cut-off call may end after its budget: generous, the machine is shared."""


@contextlib.contextmanager
def trickling_server(
    *, chunked: bool = False, step: float = STEP, trickled: int = 1000, head_too: bool = False
) -> Iterator[str]:
    """A server that sends the headers of a 200 at once (``head_too``: one byte per ``step``
    too), then the body one byte per ``step``.

    Each connection is served in its own thread, one request after another, until the test
    ends; what it answers depends on the method (a snapshot for GET, an action for POST).
    Connections after the first ``trickled`` get their answers at once.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve(connection: socket.socket, pause: float) -> None:
        with connection, contextlib.suppress(OSError):  # the client hung up
            connection.settimeout(5)
            buffer = b""
            while not stop.is_set():
                while b"\r\n\r\n" not in buffer:
                    data = connection.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                body = ACTION if head.startswith(b"POST") else SNAPSHOT
                framing = (
                    b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % len(body)
                )
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + framing
                head += b"\r\n\r\n"
                for index in range(len(head) if head_too and pause else 0):
                    if stop.wait(pause):
                        return
                    connection.sendall(head[index : index + 1])
                if not (head_too and pause):
                    connection.sendall(head)
                for index in range(len(body)):
                    if stop.wait(pause):
                        return
                    piece = body[index : index + 1]
                    connection.sendall(b"1\r\n" + piece + b"\r\n" if chunked else piece)
                if chunked:
                    connection.sendall(b"0\r\n\r\n")

    def accept() -> None:
        accepted = 0
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            pause = step if accepted < trickled else 0.0
            accepted += 1
            threading.Thread(target=serve, args=(connection, pause), daemon=True).start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        acceptor.join(timeout=5)
        listener.close()


def snapshots_for(url: str, budget: float | None = 3.0) -> VPSSnapshotsApi:
    configuration = Configuration(host=url, access_token=TOKEN)
    configuration.retries = RetryPolicy(budget=budget)
    return VPSSnapshotsApi(ApiClient(configuration))


@pytest.mark.parametrize(
    ("operation", "form", "chunked"),
    [
        ("get_snapshot_v1", "plain", False),
        ("get_snapshot_v1", "plain", True),
        ("get_snapshot_v1", "with_http_info", False),
        ("create_snapshot_v1", "plain", False),
        ("create_snapshot_v1", "with_http_info", True),
    ],
)
def test_a_trickled_body_is_cut_off_when_the_budget_runs_out(
    operation: str, form: str, chunked: bool
) -> None:
    name = operation if form == "plain" else f"{operation}_{form}"
    with trickling_server(chunked=chunked) as url:
        call = getattr(snapshots_for(url, budget=3.0), name)
        started = time.monotonic()
        with pytest.raises(ApiTimeoutError) as raised:
            call(VM)
        took = time.monotonic() - started
    # the whole body would take len(body) * 0.15 s: 10 s and more
    assert len(SNAPSHOT) * STEP > 3 + SLACK
    assert len(ACTION) * STEP > 3 + SLACK
    assert 2.5 < took < 3 + SLACK
    assert "budget of 3 s ran out" in str(raised.value)
    assert "/snapshot" in str(raised.value)
    assert TOKEN not in str(raised.value)


def test_a_deadline_cuts_off_a_trickled_body_too() -> None:
    with trickling_server() as url:
        snapshots = snapshots_for(url, budget=None)
        started = time.monotonic()
        with pytest.raises(ApiTimeoutError) as raised, deadline(2.0):
            snapshots.get_snapshot_v1(VM)
        took = time.monotonic() - started
    assert 1.5 < took < 2 + SLACK
    assert "deadline passed" in str(raised.value)


def test_a_body_that_ends_within_the_budget_is_read_whole() -> None:
    with trickling_server(step=0.005) as url:  # about a second for the whole body
        snapshots = snapshots_for(url, budget=30.0)
        assert snapshots.get_snapshot_v1(VM).id == 325
        assert snapshots.create_snapshot_v1(VM).id == 8123712
        # the connection went back to its pool, whole, and serves the next call
        assert snapshots.get_snapshot_v1(VM).restore_time == 1800


def test_the_connection_cut_off_is_not_reused() -> None:
    with trickling_server(trickled=1) as url:
        snapshots = snapshots_for(url, budget=1.0)
        with pytest.raises(ApiTimeoutError):
            snapshots.get_snapshot_v1(VM)
        # the first connection still trickles the rest of its body: read as the next answer, it
        # would fail; a new connection is answered at once
        assert snapshots.get_snapshot_v1(VM).id == 325


def test_without_preload_content_the_caller_reads_the_body() -> None:
    """The raw response comes back with the headers; reading the body is the caller's, and
    the budget no longer runs (the response leaves the client before its body is read)."""
    with trickling_server() as url:
        snapshots = snapshots_for(url, budget=3.0)
        started = time.monotonic()
        response = snapshots.get_snapshot_v1_without_preload_content(VM)
        assert time.monotonic() - started < 3
        assert response.status == 200
        first = response.read(1)
        assert first == SNAPSHOT[:1]
        response.release_conn()
        response.close()


def test_without_a_budget_or_deadline_the_body_is_read_whole() -> None:
    with trickling_server(step=0.002) as url:
        snapshots = snapshots_for(url, budget=None)
        assert snapshots.get_snapshot_v1(VM).id == 325
        assert snapshots.get_snapshot_v1(VM).restore_time == 1800  # the connection was reused


def test_a_read_timeout_within_the_budget_stays_a_read_timeout() -> None:
    with trickling_server(step=1.0) as url:
        snapshots = snapshots_for(url, budget=30.0)
        started = time.monotonic()
        with pytest.raises(ApiTimeoutError) as raised:
            snapshots.get_snapshot_v1(VM, _request_timeout=(2.0, 0.3))
        took = time.monotonic() - started
    assert took < 10  # two attempts of 0.3 s waits and a backoff, far from the budget of 30 s
    assert "budget" not in str(raised.value)
    assert "Timed out" in str(raised.value)


@pytest.mark.parametrize("operation", ["get_snapshot_v1", "create_snapshot_v1"])
def test_trickled_headers_are_cut_off_when_the_budget_runs_out(operation: str) -> None:
    with trickling_server(head_too=True) as url:
        call = getattr(snapshots_for(url, budget=3.0), operation)
        started = time.monotonic()
        with pytest.raises(ApiTimeoutError) as raised:
            call(VM)
        took = time.monotonic() - started
    assert 2.5 < took < 3 + SLACK  # the status line and headers alone would take 10 s
    assert "budget of 3 s ran out" in str(raised.value)
    assert TOKEN not in str(raised.value)


def test_a_deadline_cuts_off_trickled_headers_too() -> None:
    with trickling_server(head_too=True) as url:
        snapshots = snapshots_for(url, budget=None)
        started = time.monotonic()
        with pytest.raises(ApiTimeoutError) as raised, deadline(2.0):
            snapshots.create_snapshot_v1(VM)
        took = time.monotonic() - started
    assert 1.5 < took < 2 + SLACK
    assert "deadline passed" in str(raised.value)


def test_headers_that_arrive_within_the_budget_are_read() -> None:
    with trickling_server(head_too=True, step=0.003) as url:  # under a second, body included
        snapshots = snapshots_for(url, budget=30.0)
        assert snapshots.get_snapshot_v1(VM).id == 325
        assert snapshots.create_snapshot_v1(VM).id == 8123712
