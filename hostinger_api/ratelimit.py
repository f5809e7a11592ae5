"""What one client has learned of the server's rate limit, shared by every thread that uses it.

Hostinger answers 429 past its limit and warns that an address which keeps exceeding it may be
blocked for a while, so a job whose threads each discover the limit on their own is how a user
gets blocked. Every request of an ``ApiClient`` therefore asks its one ``RateGate`` first
(``admit``) and tells it what came back (``settle``). The gate holds requests back:

- after any 429, until its ``Retry-After`` (or ``X-RateLimit-Reset``; without either, 1 s) has
  passed;
- when the answers carry rate-limit fields (``hostinger_api._headers``), once the window's
  requests are used up, until the window resets. The reset comes from the fields when they
  give it; otherwise (Laravel sends it only on a 429) the gate learns the window's length from
  the windows it has seen, and sends one request alone to open each new window;
- when the server says nothing at all (no fields, no ``Retry-After``), by an adaptive rate:
  a 429 cuts the sending rate to 70% of what was measured (at most once a second, so that the
  429s of requests already in flight do not compound), and it grows back along a cubic curve
  (the rule TCP CUBIC and botocore's adaptive retry mode use) until it limits nothing;
- always, at ``Configuration.max_requests_per_second`` when the user set one.

Until one of these applies, ``admit`` costs one attribute read: a client far from any limit
pays nothing.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional

from hostinger_api._checks import is_number
from hostinger_api._headers import has_rate_limit_fields, parse_retry_after, read_rate_limit
from hostinger_api.exceptions import ApiValueError, TooManyRequestsException
from hostinger_api.retry import STOP_POLL

_CUT = 0.7
"""After a 429 with no rate-limit fields, the rate becomes this share of the measured one."""
_GROWTH = 0.4
"""How fast the rate grows back after a cut (the scale of the cubic curve, requests/s³)."""
_MIN_RATE = 0.5
"""Requests per second the adaptive rate never goes below."""
_QUIET_PAUSE = 1.0
"""Seconds all requests wait after a 429 that says nothing of when to come back."""
_CUT_SPACING = 1.0
"""Seconds after a cut during which more 429s (from requests already in flight) cut no more."""
_RATE_BUCKET = 0.5
"""Seconds over which the sending rate is measured."""
_ANSWER_WAIT = 1.0
"""Seconds to wait for an answer in flight before looking again (an answer wakes the gate)."""
_WHOLE_SECONDS_SLACK = 0.25
"""A learned window this little over a whole number of seconds is taken as that number."""
_MARGIN = 0.005
"""Seconds added to a reset worked out from a whole-second window, against clock jitter."""


class GateTimeout(Exception):
    """Raised by ``admit`` when the gate would hold a request past the moment it must end by."""

    def __init__(self, wait: float, after_429: bool) -> None:
        super().__init__(wait)
        self.wait = wait
        self.after_429 = after_429


class GateStopped(Exception):
    """Raised by ``admit`` when a stop event was set while the request waited: it was not sent."""


@dataclass
class Ticket:
    """One request let through: when, as which send, and whether it opens a new window."""

    sent_at: float
    sequence: int
    opener: bool = False


@dataclass(frozen=True)
class GateStats:
    """What the gate has seen and done, for logs, tests and benchmarks."""

    throttled: int
    """429 answers the client received."""
    held: int
    """Requests the gate held back (each once, however long)."""
    limit: Optional[int]
    """Requests per window, as the server last said."""
    window: Optional[float]
    """The window's length in seconds, as learned or said; None while unknown."""
    rate: Optional[float]
    """The rate the gate paces requests at now, requests/s; None when it does not pace."""


class RateGate:
    """The shared state of one client's requests with respect to the server's rate limit.

    :param max_requests_per_second: a cap the user sets on this client; None for none.
    :param learn: learn from 429s and rate-limit fields (False: only the cap holds requests).
    """

    def __init__(
        self, max_requests_per_second: Optional[float] = None, *, learn: bool = True
    ) -> None:
        if max_requests_per_second is not None and (
            not is_number(max_requests_per_second) or not 0 < max_requests_per_second < math.inf
        ):
            raise ApiValueError(
                "Configuration.max_requests_per_second must be a number of requests above 0, "
                f"or None: {max_requests_per_second!r}"
            )
        self.engaged = max_requests_per_second is not None
        """True once anything may hold a request back; until then ``admit`` is not needed."""
        self._cap = max_requests_per_second
        self._learn = learn
        self._lock = threading.Condition()
        self._sequence = 0
        self._throttled = 0
        self._held = 0
        self._paused_until = 0.0
        self._pause_from_429 = False
        # the fields' view: requests left in the current window, and when it resets
        self._limit: Optional[int] = None
        self._reported: Optional[int] = None  # the fewest requests left the window's answers said
        self._in_flight = 0  # admitted, not settled: not yet counted in what was reported
        self._reset_at: Optional[float] = None
        self._window: Optional[float] = None  # an upper bound of its length, as seen
        self._whole_seconds = True  # while no opener failed, a window is taken as whole seconds
        self._window_opened: Optional[tuple[float, float]] = None  # its opener's (sent, answered)
        # the token bucket: the user's cap and the adaptive rate, whichever is lower
        self._adaptive: Optional[float] = None
        self._rate_before_cut = 0.0
        self._cut_at = -math.inf
        self._tokens = 1.0
        self._filled_at = time.monotonic()
        # the measured sending rate
        self._measured = 0.0
        self._bucket_start = time.monotonic()
        self._bucket_count = 0

    # -- the two questions of the per-request path -------------------------------------------

    def admit(
        self,
        ends: Optional[float] = None,
        *,
        honoured: float = 0.0,
        stop: tuple[threading.Event, ...] = (),
    ) -> Ticket:
        """Wait until a request may go, and let it go; raise ``GateTimeout`` past ``ends``.

        :param ends: the ``time.monotonic()`` moment the request must be sent by, if any.
        :param honoured: a pause up to this moment was already waited out by the caller (the
            thread whose own 429 caused it, which slept through it under its retry policy).
        :param stop: events that end the wait with ``GateStopped`` as soon as one is set
            (looked at every ``STOP_POLL`` s while waiting).
        """
        with self._lock:
            held = False
            while True:
                if stop and any(event.is_set() for event in stop):
                    raise GateStopped
                now = time.monotonic()
                wait, opener = self._wait_needed(now, honoured)
                if wait <= 0:
                    break
                if ends is not None and now + wait > ends:
                    raise GateTimeout(wait, self._pause_from_429 and self._paused_until > now)
                if not held:
                    held = True
                    self._held += 1
                self._lock.wait(min(wait, STOP_POLL) if stop else wait)
            self._in_flight += 1
            if self._rate() is not None:
                self._tokens -= 1
            self._sequence += 1
            self._count_send(now)
            return Ticket(now, self._sequence, opener)

    def settle(
        self, ticket: Optional[Ticket], status: Optional[int], headers: Optional[Mapping[str, str]]
    ) -> float:
        """Learn from an answer (``status`` None: none came); returns the pause it caused, if any.

        The returned moment lets the thread that got the 429 tell ``admit`` it already waited.
        """
        if not self._learn or (
            not self.engaged
            and status != 429
            and (headers is None or not has_rate_limit_fields(headers))
        ):
            return 0.0
        with self._lock:
            now = time.monotonic()
            self.engaged = True
            fields = read_rate_limit(headers) if headers is not None else None
            if fields is not None and fields.remaining is not None:
                self._learn_window(ticket, fields.limit, fields.remaining, fields.window, now)
            if fields is not None and fields.reset_in is not None and status != 429:
                self._reset_at = now + fields.reset_in
            if ticket is not None:
                self._in_flight -= 1
            paused = 0.0
            if status == 429:
                if ticket is not None and ticket.opener and self._window is not None:
                    self._whole_seconds = False  # the window is not what was taken: trust no guess
                paused = self._throttle(headers or {}, fields, now)
            elif status is not None:
                self._grow(now)
            self._lock.notify_all()
            return paused

    def stats(self) -> GateStats:
        """A snapshot of what the gate knows and has done."""
        with self._lock:
            return GateStats(self._throttled, self._held, self._limit, self._window, self._rate())

    # -- the rules -------------------------------------------------------------------------------

    def _wait_needed(self, now: float, honoured: float) -> tuple[float, bool]:
        """Seconds to wait before a request may go now (0: go), and whether it opens a window."""
        if self._paused_until > now and self._paused_until > honoured:
            return self._paused_until - now, False
        opener = False
        if self._reported is not None and self._reported - self._in_flight <= 0:
            if self._in_flight:
                return _ANSWER_WAIT, False  # their answers will say how many are left
            reset = self._next_reset()
            if reset is not None and reset > now:
                return reset - now, False
            opener = True  # the window has reset, or nobody knows when: one request finds out
        rate = self._rate()
        if rate is not None:
            self._tokens = min(1.0, self._tokens + (now - self._filled_at) * rate)
            self._filled_at = now
            if self._tokens < 1:
                return (1 - self._tokens) / rate, False
        return 0.0, opener

    def _next_reset(self) -> Optional[float]:
        """When the current window resets: as the server said, or as learned from past windows."""
        if self._reset_at is not None:
            return self._reset_at
        if self._window is None or self._window_opened is None:
            return None
        window = self._window
        whole = math.floor(window)
        if self._whole_seconds and whole >= 1 and window - whole < _WHOLE_SECONDS_SLACK:
            window = whole + _MARGIN  # Laravel's windows are whole seconds
        return self._window_opened[1] + window

    def _learn_window(
        self,
        ticket: Optional[Ticket],
        limit: Optional[int],
        remaining: int,
        window: Optional[float],
        now: float,
    ) -> None:
        """Update what is left of the window, and learn its length from a window's first answer.

        Within a window the server's count only goes down, and answers may arrive in any order:
        the fewest reported is the truth, less what is in flight. Only a window's first answer
        (``limit - 1`` left), or the answer to the one request sent to open a window, starts
        the count anew.
        """
        if limit is not None:
            self._limit = limit
        if window is not None:
            self._window = window
        first = limit is not None and remaining == limit - 1 and ticket is not None
        if first and ticket is not None:
            # The window began between this request's sending and its answer; the previous one
            # began no earlier than its own first request was sent, so their distance bounds
            # the length from above.
            if self._window_opened is not None and window is None:
                length = now - self._window_opened[0]
                self._window = length if self._window is None else min(self._window, length)
            self._window_opened = (ticket.sent_at, now)
            self._reset_at = None
        if (
            first
            or self._reported is None
            or (ticket is not None and ticket.opener)
            or remaining < self._reported
        ):
            self._reported = remaining

    def _throttle(self, headers: Mapping[str, str], fields: object, now: float) -> float:
        """A 429: hold every request until the server's time, and slow down if it gave no fields."""
        self._throttled += 1
        wait = parse_retry_after(headers.get("Retry-After"))
        reset_in = getattr(fields, "reset_in", None)
        if wait is None and reset_in is not None:
            wait = reset_in
        if self._limit is not None:
            self._reported = 0
        if wait is None:
            wait = _QUIET_PAUSE
            if self._limit is None and now - self._cut_at >= _CUT_SPACING:
                self._cut(now)  # the server says nothing at all: find its rate by slowing down
        until = now + wait
        if until > self._paused_until:
            self._paused_until = until
            self._pause_from_429 = True
        return self._paused_until

    def _cut(self, now: float) -> None:
        """Lower the adaptive rate after a 429 the server explained no further."""
        current = self._adaptive if self._adaptive is not None else self._measured_rate(now)
        if current <= 0:
            return  # nothing measured yet (the gate was not engaged): the pause alone must do
        self._rate_before_cut = max(current, _MIN_RATE)
        self._adaptive = max(self._rate_before_cut * _CUT, _MIN_RATE)
        self._cut_at = now
        self._tokens = min(self._tokens, 1.0)

    def _grow(self, now: float) -> None:
        """Let the adaptive rate grow back along the cubic curve; drop it once far above the cut."""
        if self._adaptive is None:
            return
        peak = self._rate_before_cut
        plateau_in = (peak * (1 - _CUT) / _GROWTH) ** (1 / 3)
        rate = _GROWTH * (now - self._cut_at - plateau_in) ** 3 + peak
        if rate >= 2 * peak:
            self._adaptive = None  # recovered: nothing holds requests back any more
        else:
            self._adaptive = max(rate, _MIN_RATE)

    def _rate(self) -> Optional[float]:
        if self._adaptive is None:
            return self._cap
        return self._adaptive if self._cap is None else min(self._adaptive, self._cap)

    def _count_send(self, now: float) -> None:
        self._bucket_count += 1
        if now - self._bucket_start >= _RATE_BUCKET:
            self._measured = self._bucket_count / (now - self._bucket_start)
            self._bucket_start, self._bucket_count = now, 0

    def _measured_rate(self, now: float) -> float:
        elapsed = now - self._bucket_start
        if elapsed > 0 and self._bucket_count:
            current = self._bucket_count / elapsed
            return max(current, self._measured) if elapsed < _RATE_BUCKET else current
        return self._measured


def gate_timeout_error(error: GateTimeout, method: str, url: str) -> TooManyRequestsException:
    """The exception a call raises when the gate would hold it past its budget: fail fast."""
    cause = (
        "the server's rate limit asked this client to wait"
        if error.after_429
        else "this client paces its requests to stay within the rate limit, and would wait"
    )
    failure = TooManyRequestsException(
        status=429,
        reason=f"Not sent: {cause} {error.wait:.1f} s, more than is left of the call's "
        f"budget ({method} {url.split('?', 1)[0]})",
    )
    failure.retry_after = error.wait
    return failure
