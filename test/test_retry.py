"""The retry policy as a value: what it retries, how long it waits, how it reads Retry-After."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import urllib3

from hostinger_api import ApiException, ApiValueError, Configuration, RequestNotSent, RetryPolicy
from hostinger_api.retry import (
    CONNECT,
    NO_RETRIES,
    READ,
    current_deadline,
    current_stop,
    deadline,
    parse_retry_after,
    sending_at_most_once,
    sent_at_most_once,
    sleep_unless_stopped,
    stop_on,
)


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (None, RetryPolicy()),
        (True, RetryPolicy()),
        (False, RetryPolicy(total=0)),
        (0, RetryPolicy(total=0)),
        (7, RetryPolicy(total=7)),
        (RetryPolicy(total=2, max_wait=5), RetryPolicy(total=2, max_wait=5)),
        (urllib3.Retry(3, backoff_factor=0.2, backoff_max=4), RetryPolicy(3, 0.2, 4)),
        (urllib3.Retry(False), RetryPolicy(total=0, backoff_factor=0, backoff_max=120)),
        (urllib3.Retry(None, connect=3), RetryPolicy(backoff_factor=0, backoff_max=120)),
    ],
)
def test_configuration_retries_stand_for_a_policy(setting, expected):
    assert RetryPolicy.from_setting(setting) == expected


def test_the_default_policy_is_stated():
    policy = RetryPolicy()
    assert (policy.total, policy.backoff_factor, policy.backoff_max, policy.max_wait) == (
        4,
        0.5,
        8.0,
        30.0,
    )
    assert NO_RETRIES.total == 0


@pytest.mark.parametrize("setting", ["3", 2.5, -1, object()])
def test_a_retries_setting_that_means_nothing_is_refused(setting):
    with pytest.raises(ApiValueError, match=r"retries|total"):
        RetryPolicy.from_setting(setting)


def test_a_bad_setting_is_refused_when_the_client_is_made():
    from hostinger_api import ApiClient

    with pytest.raises(ApiValueError, match=r"Configuration\.retries must be"):
        ApiClient(Configuration(retries="often"))


@pytest.mark.parametrize(
    "arguments",
    [
        {"total": -1},
        {"total": True},
        {"backoff_factor": -0.1},
        {"backoff_max": float("inf")},
        {"max_wait": float("nan")},
        {"max_wait": "30"},
        {"jitter": 1.5},
        {"jitter": None},
    ],
)
def test_a_policy_with_impossible_values_is_refused(arguments):
    with pytest.raises(ApiValueError):
        RetryPolicy(**arguments)


@pytest.mark.parametrize(
    ("method", "status", "failure", "allowed"),
    [
        ("POST", None, CONNECT, True),
        ("GET", None, CONNECT, True),
        ("POST", 429, None, True),
        ("DELETE", 429, None, True),
        ("GET", None, READ, True),
        ("DELETE", None, READ, False),
        ("POST", None, READ, False),
        ("GET", 503, None, True),
        ("DELETE", 502, None, False),
        ("DELETE", 504, None, False),
        ("DELETE", None, CONNECT, True),
        ("GET", 504, None, True),
        ("POST", 502, None, False),
        ("POST", 503, None, False),
        ("GET", 500, None, False),
        ("GET", 404, None, False),
        ("GET", None, None, False),
    ],
)
def test_what_is_retried(method, status, failure, allowed):
    assert RetryPolicy().allows(method, status=status, failure=failure) is allowed


def test_backoff_doubles_up_to_its_cap_and_jitter_only_shortens_it():
    steady = RetryPolicy(backoff_factor=0.5, backoff_max=3, jitter=0)
    assert [steady.backoff(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3, 3]
    jittery = RetryPolicy(backoff_factor=1, backoff_max=100, jitter=0.5)
    waits = [jittery.backoff(3) for _ in range(200)]
    assert all(2.0 <= wait <= 4.0 for wait in waits)
    assert len(set(waits)) > 100  # spread, not one value


def test_next_wait_stops_after_total_retries():
    policy = RetryPolicy(total=2, jitter=0)
    assert policy.next_wait(0, 0.0, None) == 0.5
    assert policy.next_wait(1, 0.5, None) == 1.0
    assert policy.next_wait(2, 1.5, None) is None


def test_next_wait_never_takes_the_total_past_max_wait():
    policy = RetryPolicy(total=10, backoff_factor=4, backoff_max=4, max_wait=10, jitter=0)
    assert policy.next_wait(2, 8.0, None) == 2.0
    assert policy.next_wait(3, 10.0, None) is None


def test_retry_after_replaces_backoff_and_is_refused_when_too_long():
    policy = RetryPolicy(max_wait=30)
    assert policy.next_wait(0, 0.0, 12.0) == 12.0
    assert policy.next_wait(1, 20.0, 10.0) == 10.0
    assert policy.next_wait(1, 20.0, 10.5) is None
    assert policy.next_wait(0, 0.0, 3600.0) is None
    assert policy.next_wait(0, 0.0, 0.0) == 0.0


def test_no_retries_means_no_waits():
    assert NO_RETRIES.next_wait(0, 0.0, None) is None
    assert NO_RETRIES.next_wait(0, 0.0, 1.0) is None


def test_retry_after_in_seconds_or_as_a_date():
    now = datetime(2026, 11, 27, 3, 0, 0, tzinfo=timezone.utc)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    earlier = format_datetime(now - timedelta(seconds=5), usegmt=True)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(later, now=now) == 90.0
    assert parse_retry_after(earlier, now=now) == 0.0
    naive = (now + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S")
    assert parse_retry_after(naive, now=now) == 30.0


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "nan", "inf", "Fri, 99 Foo"])
def test_an_unreadable_retry_after_is_ignored(value):
    assert parse_retry_after(value) is None


def test_sleep_sleeps(monkeypatch):
    slept = []
    monkeypatch.setattr("hostinger_api.retry.time.sleep", slept.append)
    RetryPolicy().sleep(0.25)
    assert slept == [0.25]


def test_a_deadline_holds_inside_its_block_only_and_an_earlier_outer_one_wins():
    assert current_deadline() is None
    with deadline(100):
        outer = current_deadline()
        assert outer is not None
        assert 99 < outer - time.monotonic() <= 100
        with deadline(1000):
            assert current_deadline() == outer, "an inner, later deadline cannot extend it"
        with deadline(1):
            assert current_deadline() < outer
        assert current_deadline() == outer
    assert current_deadline() is None


@pytest.mark.parametrize("seconds", [0, -1, float("nan")])
def test_a_deadline_needs_time(seconds):
    with pytest.raises(ApiValueError, match="seconds"), deadline(seconds):
        pass


@pytest.mark.parametrize(
    ("method", "status", "failure", "allowed"),
    [
        ("GET", None, CONNECT, True),
        ("POST", None, CONNECT, True),
        ("GET", 429, None, True),
        ("POST", 429, None, True),
        ("GET", None, READ, False),
        ("GET", 502, None, False),
        ("GET", 503, None, False),
        ("GET", 504, None, False),
        ("DELETE", None, READ, False),
    ],
)
def test_sent_at_most_once_retries_only_what_was_never_performed(method, status, failure, allowed):
    policy = RetryPolicy()
    assert not sending_at_most_once()
    with sent_at_most_once():
        assert sending_at_most_once()
        assert policy.allows(method, status=status, failure=failure) is allowed
    assert not sending_at_most_once()
    assert policy.allows("GET", status=503) is True


def test_sent_at_most_once_belongs_to_its_thread():
    seen = []
    with sent_at_most_once():
        thread = threading.Thread(target=lambda: seen.append(sending_at_most_once()))
        thread.start()
        thread.join()
    assert seen == [False]


def test_stop_on_events_nest_and_end_with_their_block():
    first, second = threading.Event(), threading.Event()
    assert current_stop() == ()
    with stop_on(first):
        with stop_on(second):
            assert current_stop() == (first, second)
        assert current_stop() == (first,)
    assert current_stop() == ()


def test_stop_on_takes_an_event_only():
    with pytest.raises(ApiValueError, match=r"threading\.Event"), stop_on(True):  # type: ignore[arg-type]
        pass


def test_a_wait_between_attempts_ends_soon_after_the_stop_event_is_set():
    event = threading.Event()
    threading.Timer(0.2, event.set).start()
    started = time.monotonic()
    stopped_message = r"Not sent: the job was stopped \(GET https://h/api/x\)"
    with pytest.raises(RequestNotSent, match=stopped_message) as caught:
        sleep_unless_stopped(RetryPolicy(), 30, (event,), "GET", "https://h/api/x?token=no")
    assert time.monotonic() - started < 5
    assert isinstance(caught.value, ApiException)
    assert caught.value.status == 0


def test_a_wait_with_several_stop_events_ends_on_any_of_them():
    events = (threading.Event(), threading.Event())
    threading.Timer(0.2, events[1].set).start()
    started = time.monotonic()
    with pytest.raises(RequestNotSent):
        sleep_unless_stopped(RetryPolicy(), 30, events, "GET", "https://h/api/x")
    assert time.monotonic() - started < 5


def test_a_wait_with_no_stop_event_set_waits_it_out():
    slept = []

    class Counting(RetryPolicy):
        def sleep(self, seconds: float) -> None:
            slept.append(seconds)

    sleep_unless_stopped(Counting(), 2.5, (), "GET", "https://h/api/x")
    assert slept == [2.5]
    started = time.monotonic()
    sleep_unless_stopped(RetryPolicy(), 0.1, (threading.Event(),), "GET", "https://h/api/x")
    assert time.monotonic() - started >= 0.09
