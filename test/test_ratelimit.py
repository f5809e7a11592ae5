"""One rate gate per client: what its threads learn of the limit, they share."""

from __future__ import annotations

import threading
import time

import pytest
from support import TOKEN, VM, in_threads
from urllib3 import HTTPHeaderDict

from hostinger_api import (
    ApiClient,
    ApiValueError,
    Configuration,
    ResponseDecodeError,
    TooManyRequestsException,
    VPSSnapshotsApi,
)
from hostinger_api.ratelimit import GateStopped, GateTimeout, RateGate, gate_timeout_error
from hostinger_api.testing import FakeHostingerApi, faults


def fields(limit: int | None = None, remaining: int | None = None, **more: str) -> HTTPHeaderDict:
    headers = HTTPHeaderDict(more)
    if limit is not None:
        headers["X-RateLimit-Limit"] = str(limit)
    if remaining is not None:
        headers["X-RateLimit-Remaining"] = str(remaining)
    return headers


def soon(seconds: float = 0.05) -> float:
    return time.monotonic() + seconds


# -- the gate on its own -------------------------------------------------------------------------


def test_a_gate_with_nothing_learned_holds_nothing_and_is_not_engaged():
    gate = RateGate()
    assert not gate.engaged
    assert gate.settle(None, 200, HTTPHeaderDict({"Content-Type": "application/json"})) == 0.0
    assert not gate.engaged
    ticket = gate.admit(soon())
    assert ticket.sent_at <= time.monotonic()
    assert gate.stats().held == 0


def test_a_429_holds_every_request_until_its_retry_after():
    gate = RateGate()
    paused = gate.settle(None, 429, HTTPHeaderDict({"Retry-After": "0.3"}))
    assert gate.engaged
    assert paused >= time.monotonic() + 0.2
    with pytest.raises(GateTimeout) as refused:
        gate.admit(soon(0.1))  # would have to wait past the moment it must go by
    assert refused.value.after_429
    assert 0.1 < refused.value.wait <= 0.3
    sent = in_threads(4, lambda: gate.admit(soon(5)).sent_at)
    assert all(moment >= paused for moment in sent)
    assert gate.stats().throttled == 1
    assert gate.stats().held == 4  # the refused one was not held, it failed at once


def test_no_request_passes_a_pause_whichever_thread_caused_it():
    gate = RateGate()
    long_pause = gate.settle(None, 429, HTTPHeaderDict({"Retry-After": "60"}))
    own = gate.settle(None, 429, HTTPHeaderDict({"Retry-After": "1"}))  # another thread's 429
    assert own == long_pause, "a shorter pause never shortens the one in force"
    with pytest.raises(GateTimeout) as refused:
        gate.admit(soon(2), honoured=own)  # the 1.x loophole: its own 1 s was waited out
    assert refused.value.wait > 55
    assert refused.value.after_429


def test_a_pause_is_capped_at_max_pause_and_then_one_request_goes_first():
    gate = RateGate(max_pause=0.3)
    started = time.monotonic()
    far = HTTPHeaderDict({"Retry-After": "Thu, 01 Jan 2099 00:00:00 GMT"})
    paused = gate.settle(None, 429, far)
    assert paused - started <= 0.35
    opener = gate.admit(soon(5))
    assert opener.sent_at >= paused
    assert opener.opener
    assert opener.after_pause
    with pytest.raises(GateTimeout):
        gate.admit(soon(0.1))  # the others wait for its answer
    gate.settle(opener, 200, HTTPHeaderDict())
    assert not gate.admit(soon(0.1)).opener


def test_pause_until_is_the_one_door_for_pauses_learned_elsewhere():
    gate = RateGate()
    assert not gate.engaged
    until = gate.pause_until(time.monotonic() + 0.2, "another process")
    assert gate.engaged
    with pytest.raises(GateTimeout) as refused:
        gate.admit(soon(0.05))
    assert not refused.value.after_429  # not this client's 429
    assert gate.admit(soon(2)).sent_at >= until


def test_a_stop_event_ends_a_wait_in_the_gate():
    gate = RateGate()
    gate.pause_until(time.monotonic() + 30)
    event = threading.Event()
    threading.Timer(0.2, event.set).start()
    started = time.monotonic()
    with pytest.raises(GateStopped):
        gate.admit(soon(60), stop=(event,))
    assert time.monotonic() - started < 5
    assert not gate._queue, "the stopped request left the line"


def test_a_429_without_retry_after_uses_the_reset_field_or_a_second():
    gate = RateGate()
    now = time.monotonic()
    with_reset = gate.settle(None, 429, HTTPHeaderDict({"X-RateLimit-Reset": "7"}))
    assert 6.5 < with_reset - now < 7.5
    quiet = RateGate()
    first = quiet.settle(None, 429, HTTPHeaderDict()) - time.monotonic()
    second = quiet.settle(None, 429, HTTPHeaderDict()) - time.monotonic()
    assert 0.5 < first <= 1.0
    assert 0.5 < second <= 1.0, "the 429s of requests in flight together do not add up"


def test_remaining_requests_are_used_up_then_the_window_is_awaited():
    gate = RateGate()
    gate.settle(None, 200, fields(limit=5, remaining=3))
    tickets = [gate.admit(soon()) for _ in range(3)]
    with pytest.raises(GateTimeout):
        gate.admit(soon())  # three in flight use up the three left: wait for their answers
    for number, ticket in enumerate(tickets):
        gate.settle(ticket, 200, fields(limit=5, remaining=2 - number))
    opener = gate.admit(soon())  # nobody knows when the window resets: one request finds out
    assert opener.opener
    with pytest.raises(GateTimeout):
        gate.admit(soon())  # the others wait for the opener's answer
    gate.settle(opener, 200, fields(limit=5, remaining=4))
    assert [gate.admit(soon()).opener for _ in range(4)] == [False] * 4


def test_answers_out_of_order_never_raise_the_count_within_a_window():
    gate = RateGate()
    gate.settle(None, 200, fields(limit=10, remaining=9))
    first, second = gate.admit(soon()), gate.admit(soon())
    gate.settle(second, 200, fields(limit=10, remaining=2))
    gate.settle(first, 200, fields(limit=10, remaining=6))  # processed earlier, answered later
    assert [gate.admit(soon()).sequence for _ in range(2)] == [3, 4]
    with pytest.raises(GateTimeout):
        gate.admit(soon())


def test_a_reset_the_server_states_is_used_as_it_is():
    gate = RateGate()
    gate.settle(None, 200, HTTPHeaderDict({"RateLimit": "limit=10, remaining=0, reset=4"}))
    with pytest.raises(GateTimeout) as refused:
        gate.admit(soon(1))
    assert 3.5 < refused.value.wait <= 4
    assert not refused.value.after_429


def test_429s_that_say_when_to_come_back_only_pause():
    gate = RateGate()
    gate.settle(None, 429, HTTPHeaderDict({"Retry-After": "0"}))
    for _ in range(100):
        ticket = gate.admit(soon())
        gate.settle(
            ticket, 429 if ticket.sequence % 10 == 0 else 200, HTTPHeaderDict({"Retry-After": "0"})
        )
    assert gate.stats().rate is None
    assert gate.stats().throttled == 11


def test_a_cap_spaces_requests_evenly():
    gate = RateGate(max_requests_per_second=20)
    assert gate.engaged
    sent = [gate.admit(soon(5)).sent_at for _ in range(6)]
    assert sent[-1] - sent[0] >= 5 / 20 - 0.01
    assert gate.stats().rate == 20


@pytest.mark.parametrize("cap", [0, -1, float("inf"), "10", True])
def test_an_impossible_cap_is_refused_when_the_client_is_made(cap):
    configuration = Configuration(host="http://127.0.0.1:9")
    configuration.max_requests_per_second = cap
    with pytest.raises(ApiValueError, match="max_requests_per_second"):
        ApiClient(configuration)


def test_a_gate_that_does_not_learn_only_caps():
    gate = RateGate(learn=False)
    assert gate.settle(None, 429, HTTPHeaderDict({"Retry-After": "60"})) == 0.0
    assert not gate.engaged


def test_the_error_of_a_request_held_past_its_budget_says_it_was_not_sent():
    error = gate_timeout_error(GateTimeout(12.5, True), "GET", "https://h/api/x?page=2")
    assert error.status == 429
    assert error.retry_after == 12.5
    assert "Not sent" in str(error)
    assert "rate limit asked" in str(error)
    assert "page=2" not in str(error)
    paced = gate_timeout_error(GateTimeout(3.0, False), "POST", "https://h/api/x")
    assert "paces its requests" in str(paced)


# -- one client, many threads, a rate-limited fake ---------------------------------------------


def test_sixteen_threads_of_one_client_share_the_limit():
    with FakeHostingerApi(vms=[VM], token=TOKEN, rate_limit=(40, 1.0), block_after=8) as fake:
        fake.set_snapshot(VM)
        with ApiClient(fake.configuration()) as client:
            snapshots = VPSSnapshotsApi(client)
            outcomes = in_threads(16, lambda: [snapshots.get_snapshot_v1(VM).id for _ in range(8)])
            gate = client.rest_client.rate_gate.stats()
        assert outcomes == [[1] * 8] * 16  # no errors
        assert fake.allowed == 128
        assert gate.throttled == fake.throttled  # every 429 counted, on both sides
        assert fake.throttled <= 4  # learning the window costs a few, and no more
        assert fake.blocks == 0
        assert gate.limit == 40


def test_a_429_of_one_thread_holds_the_others(fake):
    fake.set_snapshot(VM)
    fake.inject(faults.rate_limited(retry_after=1))
    with ApiClient(fake.configuration()) as client:
        snapshots = VPSSnapshotsApi(client)

        def first() -> float:
            snapshots.get_snapshot_v1(VM)  # gets the 429, waits 1 s, then succeeds
            return time.monotonic()

        def second() -> float:
            time.sleep(0.2)  # after the 429 came back
            snapshots.get_snapshot_v1(VM)
            return time.monotonic()

        started = time.monotonic()
        results: list[float] = []
        threads = [
            threading.Thread(target=lambda f=f: results.append(f())) for f in (first, second)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert min(results) - started >= 0.9  # neither went out before the server's second passed
    assert len(fake.requests) == 3


def test_a_pause_longer_than_the_budget_fails_fast_without_sending(fake):
    fake.set_snapshot(VM)
    fake.inject(faults.rate_limited(retry_after=3600))
    with ApiClient(fake.configuration()) as client:
        snapshots = VPSSnapshotsApi(client)
        with pytest.raises(TooManyRequestsException):
            snapshots.get_snapshot_v1(VM)  # the server's own 429: more than max_wait
        started = time.monotonic()
        with pytest.raises(TooManyRequestsException, match="Not sent") as held:
            snapshots.create_snapshot_v1(VM)
        assert time.monotonic() - started < 1
    assert held.value.retry_after is not None
    assert held.value.retry_after > 3000
    assert [request.method for request in fake.requests] == ["GET"]


def test_the_shared_gate_can_be_turned_off(fake):
    fake.set_snapshot(VM)
    fake.inject(faults.rate_limited(retry_after=3600))
    configuration = fake.configuration()
    configuration.shared_rate_limit = False
    with ApiClient(configuration) as client:
        snapshots = VPSSnapshotsApi(client)
        with pytest.raises(TooManyRequestsException):
            snapshots.get_snapshot_v1(VM)
        assert snapshots.get_snapshot_v1(VM).id == 1  # not held: each call for itself
        assert client.rest_client.rate_gate.stats().throttled == 0


def test_max_requests_per_second_caps_all_threads_together(fake):
    fake.set_snapshot(VM)
    configuration = fake.configuration()
    configuration.max_requests_per_second = 25
    with ApiClient(configuration) as client:
        snapshots = VPSSnapshotsApi(client)
        started = time.monotonic()
        in_threads(4, lambda: [snapshots.get_snapshot_v1(VM) for _ in range(5)])
        elapsed = time.monotonic() - started
    assert len(fake.requests) == 20
    assert elapsed >= 19 / 25 - 0.05  # twenty requests, at most 25 a second, evenly spaced


def test_a_post_answered_429_is_sent_again_only_because_it_was_not_performed(fake):
    fake.inject(faults.rate_limited(retry_after=0.2), method="POST")
    with ApiClient(fake.configuration()) as client:
        VPSSnapshotsApi(client).create_snapshot_v1(VM)
    assert [request.method for request in fake.requests] == ["POST", "POST"]
    assert len(fake.actions(VM)) == 1


def test_a_request_that_fails_in_any_way_is_no_longer_counted_in_flight(fake):
    fake.set_snapshot(VM)
    fake.inject(faults.error(200, headers={"Content-Encoding": "gzip", **LIMIT_FIELDS}))
    with ApiClient(fake.configuration()) as client:
        gate = client.rest_client.rate_gate
        gate.settle(None, 200, fields(limit=10, remaining=9))  # engaged: every request admitted
        snapshots = VPSSnapshotsApi(client)
        with pytest.raises(ResponseDecodeError):
            snapshots.get_snapshot_v1(VM)  # a body that lies about its encoding
        assert not gate._in_flight
        assert snapshots.get_snapshot_v1(VM).id == 1


LIMIT_FIELDS = {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "8"}
