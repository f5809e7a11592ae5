"""An attempt's timeouts: the client's default shared by its calls, and cut to the call's end."""

from __future__ import annotations

import time

import pytest

from hostinger_api import ApiTimeoutError, Configuration
from hostinger_api._timeouts import (
    build_timeout,
    cut_to_end,
    longest_wait,
    shared_timeout,
    wait_before,
)


def test_the_default_timeout_is_shared_and_its_timer_does_nothing():
    timeout = shared_timeout(build_timeout(None, Configuration()))
    assert timeout.clone() is timeout  # urllib3's two copies per attempt: none made
    before = timeout.start_connect()
    assert timeout.start_connect() >= before  # started twice without complaint: nothing kept
    assert (timeout.connect_timeout, timeout.read_timeout, timeout.total) == (10.0, 60.0, None)
    assert longest_wait(timeout) == 70.0


def test_a_timeout_with_a_total_is_copied_for_its_timer():
    timeout = shared_timeout(build_timeout(5.0, Configuration()))
    first, second = timeout.clone(), timeout.clone()
    assert first is not timeout
    assert first is not second
    first.start_connect()
    second.start_connect()  # each copy has a timer of its own
    assert timeout.total == 5.0
    assert longest_wait(timeout) == 5.0


def test_cut_to_the_calls_end_is_a_new_timeout_and_the_shared_one_stays_whole():
    timeout = shared_timeout(build_timeout(None, Configuration()))
    cut = cut_to_end(timeout, time.monotonic() + 3, "GET", "https://x/y", None)
    assert cut is not timeout
    assert 0 < cut.total <= 3
    assert timeout.total is None
    with pytest.raises(ApiTimeoutError, match="budget of 2 s ran out"):
        cut_to_end(timeout, time.monotonic() - 1, "GET", "https://x/y?q=1", 2.0)


def test_a_wait_that_would_end_after_the_calls_end_is_not_taken():
    assert wait_before(None, 5.0) == 5.0
    assert wait_before(time.monotonic() + 60, 5.0) == 5.0
    assert wait_before(time.monotonic() + 1, 5.0) is None
    assert wait_before(time.monotonic() + 1, None) is None
