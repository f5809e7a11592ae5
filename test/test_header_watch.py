"""The watcher that cuts off an answer's head at the call's end: no leak, and renewed after fork.

The cuts themselves (a trickled status line and headers, plain and through a deadline) are
tested with the trickling server in test_connections.py.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest
from support import VM
from test_connections import SLACK, snapshots_for, trickling_server

from hostinger_api import (
    ApiClient,
    ApiTimeoutError,
    Configuration,
    RetryPolicy,
    VPSSnapshotsApi,
    _header_watch,
)
from hostinger_api.testing import FakeHostingerApi, faults


def test_nothing_stays_registered_after_calls_that_ended(fake: FakeHostingerApi) -> None:
    with ApiClient(fake.configuration()) as client:
        snapshots = VPSSnapshotsApi(client)

        def calls() -> None:
            for _ in range(50):
                snapshots.create_snapshot_v1(VM)

        threads = [threading.Thread(target=calls) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(fake.requests) == 200
    assert _header_watch._waiting == {}


def test_a_forked_child_starts_its_own_watcher() -> None:
    _header_watch._forget_in_child()  # what a child of os.fork() runs: it has no watcher thread
    assert not _header_watch._watcher_started
    with trickling_server(head_too=True) as url:
        started = time.monotonic()
        with pytest.raises(ApiTimeoutError, match="budget of 2 s ran out"):
            snapshots_for(url, budget=2.0).get_snapshot_v1(VM)
        assert time.monotonic() - started < 2 + SLACK
    assert _header_watch._watcher_started
    watchers = [t for t in threading.enumerate() if t.name == "hostinger_api-header-watch"]
    assert watchers  # the old one lives on in this process too: the child would have one


def test_tls_inside_tls_is_cut_at_the_socket_below() -> None:
    class Transport:  # as urllib3's SSLTransport (an https:// proxy's tunnel) keeps its socket
        def __init__(self, below: object) -> None:
            self.socket = below

    mine, theirs = socket.socketpair()
    connection = object()
    try:
        assert _header_watch._socket_below(Transport(Transport(mine))) is mine
        assert _header_watch._socket_below(mine) is mine
        assert _header_watch._socket_below(object()) is None
        below = _header_watch._socket_below(Transport(mine))
        assert below is mine
        late, early = (time.monotonic() - 1, below), (time.monotonic() + 60, theirs)
        _header_watch._waiting[late] = connection  # type: ignore[assignment]
        _header_watch._waiting[early] = connection  # type: ignore[assignment]
        _header_watch._cut_late_heads(time.monotonic())
        assert late not in _header_watch._waiting  # taken: its reader finds it gone, so cut
        assert early in _header_watch._waiting  # its call's end has not come
        assert mine.recv(1) == b""  # shut down: the blocked read ends at once
    finally:
        _header_watch._waiting.clear()
        mine.close()
        theirs.close()


def test_a_proxy_trickling_its_answer_to_connect_is_cut_off_at_the_budget() -> None:
    answer = b"HTTP/1.1 200 Connection established\r\n\r\n"  # 39 bytes: about 6 s at 0.15 s each
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def proxy() -> None:
        connection, _ = listener.accept()
        with connection, contextlib.suppress(OSError):
            while b"\r\n\r\n" not in connection.recv(65536):
                pass
            for index in range(len(answer)):
                if stop.wait(0.15):
                    return
                connection.sendall(answer[index : index + 1])

    thread = threading.Thread(target=proxy, daemon=True)
    thread.start()
    configuration = Configuration(host="https://127.0.0.1:9", access_token="t")
    configuration.proxy = f"http://127.0.0.1:{listener.getsockname()[1]}"
    configuration.retries = RetryPolicy(budget=2.0)
    try:
        started = time.monotonic()
        with ApiClient(configuration) as client, pytest.raises(ApiTimeoutError) as raised:
            VPSSnapshotsApi(client).get_snapshot_v1(VM)
        took = time.monotonic() - started
    finally:
        stop.set()
        thread.join(5)
        listener.close()
    assert took < 2 + SLACK  # the proxy's answer alone would take 6 s
    assert "budget of 2 s ran out" in str(raised.value)


def test_a_later_request_of_the_thread_sent_another_way_is_not_cut(fake: FakeHostingerApi) -> None:
    configuration = fake.configuration()
    configuration.retries = RetryPolicy(budget=1.0)
    with ApiClient(configuration) as client:
        VPSSnapshotsApi(client).create_snapshot_v1(VM)
        time.sleep(1.2)  # that call's end has passed
        fake.inject(faults.slow(0.5))
        answer = client.rest_client.pool_manager.request(
            "GET", fake.url + "/api/vps/v1/virtual-machines", retries=False
        )
        assert answer.status == 401  # answered, not cut off (no token sent this way)
