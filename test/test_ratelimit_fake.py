"""The rate gate against the rate-limited fake, over real sockets, in many threads: for each way a
server can show its limit (Laravel's fields, the IETF draft's, ``Retry-After`` only, nothing)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from support import TOKEN, VM, in_threads

from hostinger_api import (
    ApiClient,
    RetryPolicy,
    TooManyRequestsException,
    VPSSnapshotsApi,
)
from hostinger_api.ratelimit import RateGate
from hostinger_api.testing import FakeHostingerApi, faults

MODES = ["laravel", "ietf", "retry-after", "none"]
SLACK = 0.1
"""Seconds a request sent just before a pause began may take to reach the fake."""


@pytest.fixture
def limited(request: pytest.FixtureRequest) -> Iterator[FakeHostingerApi]:
    limit, window, mode = request.param
    with FakeHostingerApi(
        vms=[VM], token=TOKEN, rate_limit=(limit, window), rate_limit_headers=mode
    ) as fake:
        fake.set_snapshot(VM)
        yield fake


def recorded_pauses(gate: RateGate) -> list[tuple[float, float]]:
    """Every pause the gate takes on, as (when learned, until), recorded as it happens."""
    pauses: list[tuple[float, float]] = []
    learn = gate.pause_until

    def recording(until: float, reason: str = "429") -> float:
        learned = time.monotonic()
        ends = learn(until, reason)
        pauses.append((learned, ends))
        return ends

    gate.pause_until = recording  # type: ignore[method-assign]
    return pauses


def hammer(snapshots: VPSSnapshotsApi, seconds: float, threads: int = 16) -> list[object]:
    """``threads`` threads calling for ``seconds``: what failed, if anything."""
    ends = time.monotonic() + seconds
    failures: list[object] = []

    def run() -> None:
        while time.monotonic() < ends:
            try:
                snapshots.get_snapshot_v1(VM)
            except Exception as error:  # handed to the test
                failures.append(error)

    in_threads(threads, run)
    return failures


@pytest.mark.parametrize(
    "limited", [(10, 0.5, mode) for mode in MODES], indirect=True, ids=MODES
)
def test_no_request_reaches_the_server_during_a_pause(limited):
    limited.inject(faults.rate_limited(retry_after=2), after=30)  # one long pause mid-run
    with ApiClient(limited.configuration()) as client:
        pauses = recorded_pauses(client.rest_client.rate_gate)
        failures = hammer(VPSSnapshotsApi(client), 3.0, threads=8)
    assert not failures
    assert pauses, "the run met the limit"
    assert any(ends - learned > 1.5 for learned, ends in pauses), "the long pause was taken"
    for learned, ends in pauses:
        inside = [
            request.received - learned
            for request in limited.requests
            if learned + SLACK < request.received < ends
        ]
        assert inside == [], f"sent during the pause of {ends - learned:.2f} s"


@pytest.mark.parametrize("limited", [(20, 1.0, mode) for mode in MODES], indirect=True, ids=MODES)
def test_sixteen_threads_learn_the_limit_and_keep_to_it(limited):
    with ApiClient(limited.configuration()) as client:
        snapshots = VPSSnapshotsApi(client)
        failures = hammer(snapshots, 3.0)  # learning: the first window's burst, and a few more
        allowed, throttled = limited.allowed, limited.throttled
        started = time.monotonic()
        failures += hammer(snapshots, 4.0)
        elapsed = time.monotonic() - started
        stats = client.rest_client.rate_gate.stats()
    assert not failures
    assert stats.limit == 20
    assert stats.window is not None
    assert 0.9 <= stats.window <= 1.5
    allowed, throttled = limited.allowed - allowed, limited.throttled - throttled
    assert throttled <= max(2, 0.03 * (allowed + throttled))  # once learned, next to none
    assert allowed / elapsed >= 0.6 * 20  # generous: the machine is shared


@pytest.mark.parametrize("limited", [(5, 1.0, "laravel")], indirect=True)
def test_a_slow_answer_holds_nobody_and_teaches_nothing(limited):
    with ApiClient(limited.configuration()) as client:
        snapshots = VPSSnapshotsApi(client)
        for _ in range(5):
            snapshots.get_snapshot_v1(VM)  # the first window, used up
        time.sleep(1.2)
        limited.inject(faults.slow(6), method="GET")
        slow = threading.Thread(target=snapshots.get_snapshot_v1, args=(VM,))
        slow.start()  # opens the next window, and is counted in it at once
        time.sleep(0.2)
        started = time.monotonic()
        in_threads(4, lambda: [snapshots.get_snapshot_v1(VM) for _ in range(4)])
        first = time.monotonic() - started
        slow.join()
        started = time.monotonic()
        in_threads(4, lambda: [snapshots.get_snapshot_v1(VM) for _ in range(4)])
        second = time.monotonic() - started
        window = client.rest_client.rate_gate.stats().window
    # The server allows 16 calls in about 3 s; waiting for the slow answer would take 6 s, and
    # a window learned from it (6 s) would make the next 16 calls take about 18 s.
    assert first < 5.5
    assert second < 5.5
    assert window is not None
    assert window < 2


def test_a_cap_serves_waiting_calls_in_arrival_order(fake):
    fake.set_snapshot(VM)
    configuration = fake.configuration()
    configuration.max_requests_per_second = 20
    configuration.retries = RetryPolicy(budget=1.5)
    with ApiClient(configuration) as client:
        snapshots = VPSSnapshotsApi(client)
        outcomes = in_threads(12, lambda: [snapshots.get_snapshot_v1(VM).id for _ in range(5)])
    # 12 calls in line at 20 a second: in arrival order, none waits more than 0.6 s.
    assert outcomes == [[1] * 5] * 12


def test_a_cap_lets_calls_through_in_the_order_they_arrived():
    gate = RateGate(max_requests_per_second=10)
    order: list[int] = []
    gate.admit()  # the next slot is 0.1 s away: everyone below waits in line

    def call(number: int) -> None:
        gate.admit(time.monotonic() + 30)
        order.append(number)

    threads = []
    for number in range(8):
        thread = threading.Thread(target=call, args=(number,))
        thread.start()
        threads.append(thread)
        time.sleep(0.02)  # arrivals well apart, each in line before the next
    for thread in threads:
        thread.join()
    assert order == list(range(8))


def test_after_max_pause_the_client_tries_again(fake):
    fake.set_snapshot(VM)
    fake.inject(faults.rate_limited(retry_after="Thu, 01 Jan 2099 00:00:00 GMT"))
    configuration = fake.configuration()
    configuration.retries = RetryPolicy(max_pause=0.5)
    with ApiClient(configuration) as client:
        snapshots = VPSSnapshotsApi(client)
        with pytest.raises(TooManyRequestsException):
            snapshots.get_snapshot_v1(VM)  # 73 years is more than max_wait: fails at once
        started = time.monotonic()
        assert snapshots.get_snapshot_v1(VM).id == 1  # held until max_pause, then sent
        assert time.monotonic() - started < 5
    assert len(fake.requests) == 2
