"""How long one attempt may wait: a request's timeouts, and the call's end they are cut to.

A call ends by the sooner of its budget and a deadline (``hostinger_api.retry``); each attempt
waits by its connect and read timeouts, cut when the call's end comes sooner. Built once per
client for its configuration's timeouts, and shared by its calls.
"""

from __future__ import annotations

import itertools
import math
import time

import urllib3

from hostinger_api._checks import positive_seconds
from hostinger_api.configuration import Configuration, RequestTimeout
from hostinger_api.exceptions import ApiTimeoutError, ApiValueError


def build_timeout(request_timeout: RequestTimeout, configuration: Configuration) -> urllib3.Timeout:
    """Turn ``_request_timeout`` (None, seconds, or a (connect, read) pair) into a Timeout."""
    if request_timeout is None:
        return _Timeout(connect=configuration.connect_timeout, read=configuration.read_timeout)
    if isinstance(request_timeout, (tuple, list)):  # a list: a pair read from JSON or YAML
        if len(request_timeout) != 2:
            raise ApiValueError("_request_timeout must be seconds or a (connect, read) pair")
        connect, read = request_timeout
        return _Timeout(
            connect=positive_seconds("_request_timeout's connect timeout", connect),
            read=positive_seconds("_request_timeout's read timeout", read),
        )
    return _Timeout(total=positive_seconds("_request_timeout", request_timeout))


class _Timeout(urllib3.Timeout):
    """urllib3's ``Timeout``, copied without checking its values again.

    urllib3 copies a request's timeout twice per attempt and checks every value of each copy;
    ours were checked once, when built (``build_timeout``). The copy is what urllib3 starts its
    connect timer on, so a copy starts with none.
    """

    def clone(self) -> urllib3.Timeout:
        copy = _new_timeout(_Timeout)
        copy.__dict__ = {**self.__dict__, "_start_connect": None}
        return copy


def shared_timeout(timeout: urllib3.Timeout) -> urllib3.Timeout:
    """``timeout``, made to be shared by every call of a client when it has no ``total``.

    urllib3 copies a timeout for its connect timer, which only a ``total`` reads: without one,
    each copy (two per attempt, and the timer's start) is work for nothing. Those two methods
    are then set on the instance as the C functions that give the same answers: itself, and
    the time. ``cut_to_end`` copies it with urllib3's own ``clone``.
    """
    if timeout.total is None:
        timeout.clone = itertools.repeat(timeout).__next__  # type: ignore[method-assign]
        timeout.start_connect = time.monotonic  # type: ignore[method-assign]
    return timeout


_new_timeout = object.__new__


def cut_to_end(
    timeout: urllib3.Timeout, ends: float, method: str, url: str, budget: float | None
) -> urllib3.Timeout:
    """``timeout``, cut so that the attempt ends by ``ends`` (unchanged when it would anyway)."""
    left = ends - time.monotonic()
    if left <= 0:
        raise out_of_time(method, url, budget)
    cut = urllib3.Timeout.clone(timeout)  # a new one: ``timeout`` may be shared
    total = timeout.total
    cut.total = min(total, left) if isinstance(total, (int, float)) else left
    return cut


def out_of_time(method: str, url: str, budget: float | None) -> ApiTimeoutError:
    """The call's end came: its budget ran out (``budget``), or else its deadline passed."""
    why = f"the call's budget of {budget:g} s ran out" if budget else "the deadline passed"
    return ApiTimeoutError(f"Out of time for {method} {url.split('?', 1)[0]}: {why}")


def longest_wait(timeout: urllib3.Timeout) -> float:
    """The longest an attempt can wait by these timeouts (inf: no limit)."""
    total = timeout.total
    if isinstance(total, (int, float)):
        return float(total)
    connect, read = timeout.connect_timeout, timeout.read_timeout
    if isinstance(connect, (int, float)) and isinstance(read, (int, float)):
        return float(connect + read)
    return math.inf


def wait_before(ends: float | None, wait: float | None) -> float | None:
    """The wait, unless it would end after the deadline ``ends`` (then: give up now)."""
    if wait is None or ends is None or time.monotonic() + wait < ends:
        return wait
    return None
