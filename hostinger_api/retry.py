"""The retry policy: which failed attempts are tried again, and how long to wait before each.

What is retried, and why:

- a connection that could not be made, for any method: nothing was sent;
- 429, for any method: the server refused the request without performing it;
- 502, 503 and 504, a read timeout, and a connection dropped mid-response, for GET only: the
  request may have been performed, and only reading is harmless to repeat. A POST that may have
  been performed is never sent twice, and neither is a DELETE: deleting a snapshot is not
  idempotent at Hostinger (a second DELETE of a delete that was performed gets 422 or 409, which
  would hide that the first one worked), so the ambiguous failure is raised for the caller to
  check. A read timeout is retried at most ``timeout_retries`` times (once by default): a
  server that accepts and never answers is not a passing blip, and each such attempt costs a
  whole read timeout.

Two context managers narrow this for the code inside them (they belong to the thread, and the
asyncio task, that entered them):

- ``sent_at_most_once()``: no request is sent a second time once an attempt may have reached
  the server (read timeout, dropped connection, 502/503/504), GET included; a connection never
  made and a 429 are still retried, since nothing was performed. The fleet job uses it so that
  each of its requests is sent once and a lost answer is reconciled from the action list.
- ``stop_on(event)``: once the event is set, no request leaves the client. A request waiting in
  the rate gate or in a wait between attempts ends within about 0.1 s with ``RequestNotSent``;
  one already sent is left to finish.

Every call has a ``budget``: the seconds it may take in all, attempts, retries and waits
included (120 by default). Each attempt's timeouts are cut to what is left of it, so no call
under the defaults takes longer than that, however the server misbehaves.

Waits grow exponentially with jitter, up to ``backoff_max`` each and ``max_wait`` in all for one
call. ``Retry-After`` (seconds or an HTTP date), on a 429 or 503, replaces the backoff; when it
asks for longer than is left of ``max_wait``, the call fails at once instead of sleeping.

Inside ``with deadline(seconds):`` every call also ends by that moment: each attempt's timeouts
are cut to the time left, and no wait is started that would end after it. ``wait_for_action``
uses it, so that a poll cannot stretch a wait past its timeout.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Optional

import urllib3

from hostinger_api._checks import is_number, positive_seconds
from hostinger_api._headers import parse_retry_after as parse_retry_after
from hostinger_api.exceptions import ApiValueError, RequestNotSent

RETRIED_STATUSES = frozenset({429, 502, 503, 504})
"""Statuses that may be retried; all but 429 only for the methods in ``REPEATABLE_METHODS``."""
REPEATABLE_METHODS = frozenset({"GET"})
"""Methods that may be sent again after the server may have performed them (not DELETE: a
second DELETE of a performed delete fails, so its outcome would be misreported)."""
CONNECT = "connect"
"""An attempt failed before the request was sent: it could not connect."""
READ = "read"
"""An attempt failed after the request was sent: a read timeout, or a dropped connection."""
DEFAULT_BUDGET = 120.0
"""Seconds one call may take in all by default: two whole default read timeouts, and no more."""
DEFAULT_MAX_PAUSE = 3600.0
"""The longest pause one answer can impose on a client, in seconds, by default."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently one call is retried.

    :param total: retries after the first attempt; 0 turns retrying off.
    :param backoff_factor: seconds before the first retry; each later one waits twice as long.
    :param backoff_max: the longest single backoff wait, in seconds.
    :param max_wait: the most seconds one call spends waiting between attempts, in all.
    :param jitter: the fraction of each backoff wait that is random (0: none, 1: all), so that
        many clients refused together do not come back together.
    :param timeout_retries: how many of the retries may follow a read timeout (GET only).
    :param budget: the most seconds one call takes in all, retries and waits included; None
        for no limit but the attempts' own timeouts.
    :param max_pause: the longest the client's rate gate holds every request after one answer
        (a 429's ``Retry-After`` of a year is read as this); then the client tries again.
    """

    total: int = 4
    backoff_factor: float = 0.5
    backoff_max: float = 8.0
    max_wait: float = 30.0
    jitter: float = 0.5
    timeout_retries: int = 1
    budget: Optional[float] = DEFAULT_BUDGET
    max_pause: float = DEFAULT_MAX_PAUSE

    def __post_init__(self) -> None:
        for name in ("total", "timeout_retries"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ApiValueError(f"{name} must be a number of retries, 0 or more: {value!r}")
        if self.budget is not None and (
            not is_number(self.budget) or not 0 < self.budget < math.inf
        ):
            raise ApiValueError(f"budget must be seconds above 0, or None: {self.budget!r}")
        for name in ("backoff_factor", "backoff_max", "max_wait"):
            value = getattr(self, name)
            if not is_number(value) or not 0 <= value < math.inf:
                raise ApiValueError(f"{name} must be finite seconds, 0 or more: {value!r}")
        if not is_number(self.max_pause) or not 0 < self.max_pause < math.inf:
            raise ApiValueError(f"max_pause must be finite seconds above 0: {self.max_pause!r}")
        if not is_number(self.jitter) or not 0 <= self.jitter <= 1:
            raise ApiValueError(f"jitter must be between 0 and 1: {self.jitter!r}")

    @classmethod
    def from_setting(cls, setting: Any) -> RetryPolicy:
        """The policy ``Configuration.retries`` stands for.

        None is the default policy; an int is how many retries (0 or False: none); a
        ``RetryPolicy`` is taken as it is; a ``urllib3.Retry`` (what the generated package
        takes) lends its total and backoff, while what is retried stays as described above.
        """
        if setting is None or setting is True:
            return cls()
        if setting is False:
            return cls(total=0)
        if isinstance(setting, RetryPolicy):
            return setting
        if isinstance(setting, int):
            return cls(total=setting)
        if isinstance(setting, urllib3.Retry):
            total = setting.total if isinstance(setting.total, int) else cls.total
            return cls(
                total=0 if setting.total is False else max(total, 0),
                backoff_factor=setting.backoff_factor,
                backoff_max=setting.backoff_max,
            )
        raise ApiValueError(
            "Configuration.retries must be None, a number of retries, a RetryPolicy "
            f"or a urllib3.Retry, not {setting!r}"
        )

    def allows(self, method: str, *, status: int | None = None, failure: str | None = None) -> bool:
        """Whether an attempt that ended with this status, or this failure, may be retried."""
        if failure == CONNECT or status == 429:
            return True
        if failure == READ or status in RETRIED_STATUSES:
            return method in REPEATABLE_METHODS and not _AT_MOST_ONCE.get()
        return False

    def backoff(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1 for the first), jitter included."""
        wait = min(self.backoff_factor * 2.0 ** (retry - 1), self.backoff_max)
        return wait * (1 - self.jitter * _JITTER.random())

    def next_wait(
        self, retries_done: int, waited: float, retry_after: float | None
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to give up now.

        ``retries_done`` and ``waited`` are what this call has used so far; ``retry_after`` is
        what the server asked for, when it did.
        """
        if retries_done >= self.total:
            return None
        left = self.max_wait - waited
        if retry_after is not None:
            return retry_after if retry_after <= left else None
        if left <= 0:
            return None
        return min(self.backoff(retries_done + 1), left)

    def sleep(self, seconds: float) -> None:
        """Wait between attempts (a method, so that tests can count the waits instead)."""
        time.sleep(seconds)


_JITTER = random.Random()  # noqa: S311 (spreading waits, not secrecy)
"""The jitter's own generator: a library must not draw from, or disturb, the caller's seeded
``random`` (nor a test framework's, from a thread it does not expect)."""

NO_RETRIES = RetryPolicy(total=0)
"""A policy that never retries."""

_DEADLINE: ContextVar[Optional[float]] = ContextVar("hostinger_api_deadline", default=None)
_AT_MOST_ONCE: ContextVar[bool] = ContextVar("hostinger_api_at_most_once", default=False)
_STOP: ContextVar[tuple[threading.Event, ...]] = ContextVar("hostinger_api_stop", default=())
STOP_POLL = 0.05
"""Seconds between looks at the stop events while waiting (a set event ends a wait this soon)."""

read_deadline = _DEADLINE.get
"""``current_deadline`` for the per-call path: a C call, without a Python frame of its own."""
read_stop = _STOP.get
"""``current_stop`` for the per-call path: a C call, without a Python frame of its own."""


def current_deadline() -> Optional[float]:
    """The ``time.monotonic()`` moment calls made now must end by, if a ``deadline`` is set."""
    return _DEADLINE.get()


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Make every call inside end within ``seconds`` from now, retries and waits included.

    A call that runs out of time raises what its last attempt gave (``ApiTimeoutError`` when it
    was cut short). An enclosing, earlier deadline still holds. The deadline belongs to the
    thread (and the asyncio task) that set it.
    """
    ends = time.monotonic() + positive_seconds("seconds", seconds)
    outer = _DEADLINE.get()
    token = _DEADLINE.set(ends if outer is None else min(ends, outer))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


@contextmanager
def sent_at_most_once() -> Iterator[None]:
    """Send no request a second time, inside, once an attempt may have reached the server.

    After a read timeout, a dropped connection or a 502/503/504 the failure is raised instead
    of retried, whatever the method; a connection never made and a 429 (nothing was performed)
    are still retried as the policy allows.
    """
    token = _AT_MOST_ONCE.set(True)
    try:
        yield
    finally:
        _AT_MOST_ONCE.reset(token)


def sending_at_most_once() -> bool:
    """Whether the calls made now are inside ``sent_at_most_once()``."""
    return _AT_MOST_ONCE.get()


@contextmanager
def stop_on(event: threading.Event) -> Iterator[None]:
    """Send no request, inside, once ``event`` is set.

    A request waiting in the rate gate or between attempts then ends at once (within about
    ``STOP_POLL`` s) with ``RequestNotSent``; a request already sent is left to finish. Nested
    ``stop_on`` blocks add up: any of their events stops the calls.
    """
    if not isinstance(event, threading.Event):
        raise ApiValueError(f"stop_on takes a threading.Event, not {event!r}")
    token = _STOP.set((*_STOP.get(), event))
    try:
        yield
    finally:
        _STOP.reset(token)


def current_stop() -> tuple[threading.Event, ...]:
    """The events that stop calls made now (empty outside ``stop_on``)."""
    return _STOP.get()


def stopped(events: tuple[threading.Event, ...]) -> bool:
    """Whether any of ``events`` is set."""
    return any(event.is_set() for event in events)


def not_sent(method: str, url: str) -> RequestNotSent:
    """The failure of a request that a ``stop_on`` event kept from being sent."""
    return RequestNotSent(
        status=0, reason=f"Not sent: the job was stopped ({method} {url.split('?', 1)[0]})"
    )


def sleep_unless_stopped(
    policy: RetryPolicy, seconds: float, events: tuple[threading.Event, ...], method: str, url: str
) -> None:
    """Wait between attempts; with stop events, end with ``RequestNotSent`` once one is set."""
    if not events:
        policy.sleep(seconds)
        return
    ends = time.monotonic() + seconds
    while True:
        if stopped(events):
            raise not_sent(method, url)
        left = ends - time.monotonic()
        if left <= 0:
            return
        events[0].wait(min(left, STOP_POLL) if len(events) > 1 else left)
