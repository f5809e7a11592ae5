"""What one client has learned of the server's rate limit, shared by every thread that uses it.

Hostinger answers 429 past its limit and warns that an address which keeps exceeding it may be
blocked for a while, so a job whose threads each discover the limit on their own is how a user
gets blocked. Every request of an ``ApiClient`` therefore asks its one ``RateGate`` first
(``admit``) and tells it what came back (``settle``). The gate holds requests back:

- after any 429, until its ``Retry-After`` (or reset field; without either, for as long as the
  window is learned to be, or 1 s at first, doubled each time the next request is refused too),
  capped at ``RetryPolicy.max_pause`` (an hour by default), after which the client tries again.
  No request leaves during a pause, whichever thread's 429 caused it; when it ends one request
  goes first, alone, and the others follow its answer;
- once the window's requests are used up by the answers' fields, until the window resets;
- once the limit is learned (its count and its window, from the fields or from the 429s and the
  successes between them: ``hostinger_api._ratelimit_learn``), by pacing requests evenly at 97%
  of it, which no fixed window refuses;
- always, at ``Configuration.max_requests_per_second`` when the user set one.

Requests held back are let through in the order they arrived. Until one of these applies,
``admit`` is not even called: a client far from any limit pays one attribute read.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional

from hostinger_api._checks import is_number
from hostinger_api._headers import (
    RATE_LIMIT_NAMES,
    has_rate_limit_fields,
    read_rate_limit,
    retry_after_seconds,
)
from hostinger_api._ratelimit_learn import LimitModel
from hostinger_api.exceptions import ApiValueError, TooManyRequestsException
from hostinger_api.retry import DEFAULT_MAX_PAUSE, STOP_POLL

_OPENER_WAIT = 1.0
"""Seconds the others wait for the answer of the request sent alone (a slow one holds no more)."""
_LOOK_AGAIN = 1.0
"""Seconds a request waiting behind others sleeps before it looks again (a departure wakes it)."""


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
    """One request let through: when, as which send, and whether it went alone to open a window
    (``opener``), when a pause ended (``after_pause``)."""

    sent_at: float
    sequence: int
    opener: bool = False
    after_pause: bool = False


@dataclass(frozen=True)
class GateStats:
    """What the gate has seen and done, for logs, tests and benchmarks."""

    throttled: int
    """429 answers the client received."""
    held: int
    """Requests the gate held back (each once, however long)."""
    limit: Optional[int]
    """Requests per window, as the server said or as learned."""
    window: Optional[float]
    """The window's length in seconds, as said or learned; None while unknown."""
    rate: Optional[float]
    """The rate the gate paces requests at now, requests/s; None when it does not pace."""


class RateGate:
    """The shared state of one client's requests with respect to the server's rate limit.

    :param max_requests_per_second: a cap the user sets on this client; None for none.
    :param learn: learn from 429s and rate-limit fields (False: only the cap holds requests).
    :param max_pause: the longest pause any answer can impose, in seconds.
    """

    def __init__(
        self,
        max_requests_per_second: Optional[float] = None,
        *,
        learn: bool = True,
        max_pause: float = DEFAULT_MAX_PAUSE,
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
        self._max_pause = max_pause
        self._lock = threading.Condition()
        self._queue: deque[object] = deque()  # the requests held back, in arrival order
        self._sequence = 0
        self._throttled = 0
        self._held = 0
        self._paused_until = 0.0
        self._pause_from_429 = False
        self._opener_due = False  # a pause ended: the next request goes alone
        self._opener: Optional[Ticket] = None  # the request sent alone, until answered
        self._in_flight: dict[int, float] = {}  # admitted, not settled: sequence -> sent
        self._next_slot = 0.0  # pacing: the earliest moment the next request may go
        self.quiet_successes = 0
        """Answers before the gate engaged (a first limit's count); the transport counts a
        plain 200 itself, as ``settle`` would, without calling it."""
        self._engaged_at = 0.0
        self.unticketed = 0
        """Requests sent without a ticket (the gate was not engaged), not yet settled."""
        self._model = LimitModel()

    # -- the two questions of the per-request path -------------------------------------------

    def admit(
        self,
        ends: Optional[float] = None,
        *,
        honoured: float = 0.0,
        stop: tuple[threading.Event, ...] = (),
    ) -> Ticket:
        """Wait until a request may go, in arrival order, and let it go.

        :param ends: the ``time.monotonic()`` moment the request must be sent by, if any; when
            the gate would hold it longer, ``GateTimeout`` at once.
        :param honoured: ignored (kept for callers of 1.x): a pause holds every request, the
            thread whose own 429 caused it included.
        :param stop: events that end the wait with ``GateStopped`` as soon as one is set
            (looked at every ``STOP_POLL`` s while waiting).
        """
        del honoured
        with self._lock:
            place: Optional[object] = None
            try:
                while True:
                    if stop and any(event.is_set() for event in stop):
                        raise GateStopped
                    now = time.monotonic()
                    ahead = len(self._queue) if place is None else self._queue.index(place)
                    wait, opener = self._wait_needed(now)
                    if ahead == 0 and wait <= 0:
                        break
                    rate = self._rate()
                    expected = max(wait, 0.0) + (ahead / rate if rate else 0.0)
                    if ends is not None and now + expected > ends:
                        raise GateTimeout(
                            expected, self._pause_from_429 and self._paused_until > now
                        )
                    if place is None:
                        place = object()
                        self._queue.append(place)
                        self._held += 1
                    timeout = wait if ahead == 0 else _LOOK_AGAIN
                    self._lock.wait(min(timeout, STOP_POLL) if stop else timeout)
            finally:
                if place is not None:
                    self._queue.remove(place)
                    self._lock.notify_all()
            return self._let_through(now, opener)

    def settle(
        self, ticket: Optional[Ticket], status: Optional[int], headers: Optional[Mapping[str, str]]
    ) -> float:
        """Learn from an answer (``status`` None: none came); returns the pause now in force
        (the ``time.monotonic()`` moment it ends; 0 or a past moment: none)."""
        if not self._learn:
            return 0.0
        if not self.engaged and status != 429:
            names = getattr(headers, "_container", None)  # urllib3's, lowercased: every answer
            if headers is None or (
                RATE_LIMIT_NAMES.isdisjoint(names)
                if type(names) is dict
                else not has_rate_limit_fields(headers)
            ):
                self.quiet_successes += status is not None
                self.unticketed -= ticket is None
                return 0.0
        with self._lock:
            now = time.monotonic()
            if not self.engaged:
                self.engaged, self._engaged_at = True, now
            sequence = 0
            if ticket is None:
                self.unticketed -= 1
            else:
                sequence = ticket.sequence
                self._in_flight.pop(sequence, None)
                if self._opener is ticket:
                    self._opener = None
                elif ticket.opener:  # a later one went alone since: this answer is old news
                    ticket = Ticket(ticket.sent_at, sequence)
            model = self._model
            fields = read_rate_limit(headers) if headers is not None else None
            if fields is not None:
                model.read_fields(fields, now, status == 429)
            opener = ticket is not None and ticket.opener
            if status == 429:
                self._throttled += 1
                wait = retry_after_seconds(headers) if headers is not None else None
                if wait is None and fields is not None:
                    wait = fields.reset_in
                after_pause = ticket is not None and ticket.after_pause
                self.pause_until(now + model.throttled(sequence, now, wait, opener, after_pause))
            elif status is not None:
                if opener and fields is not None and not model.opens(fields.remaining):
                    opener = False  # room was left: the window it went in was not a new one
                if opener and ticket is not None:
                    model.opened_by(sequence, ticket.sent_at, now, self.quiet_successes)
                    rate = self._rate()
                    if rate is not None:
                        self._next_slot = max(self._next_slot, ticket.sent_at + 1 / rate)
                else:
                    model.answered(sequence)
                if fields is not None and fields.remaining is not None:
                    in_flight = len(self._in_flight) + max(self.unticketed, 0)
                    model.note_remaining(sequence, fields.remaining, opener, in_flight)
            self._lock.notify_all()
            return self._paused_until

    def pause_until(self, until: float, reason: str = "429") -> float:
        """Hold every request until ``until`` (``time.monotonic()``), capped at ``max_pause`` from
        now; then one request goes first, alone. Returns the moment the pause now ends.

        The one place where a pause is learned: every 429 comes through here, and so can a pause
        learned elsewhere (another process sharing the token, ``reason`` saying which).
        """
        with self._lock:
            now = time.monotonic()
            until = min(until, now + self._max_pause)
            self.engaged = True
            if until > self._paused_until:
                self._paused_until = until
                self._pause_from_429 = reason == "429"
                self._opener_due = True
                self._lock.notify_all()
            return self._paused_until

    def stats(self) -> GateStats:
        """A snapshot of what the gate knows and has done."""
        with self._lock:
            model = self._model
            return GateStats(self._throttled, self._held, model.limit, model.window, self._rate())

    # -- the rules -------------------------------------------------------------------------------

    def _wait_needed(self, now: float) -> tuple[float, bool]:
        """Seconds to wait before the next request may go (0: go), and whether it goes alone."""
        if self._paused_until > now:
            return self._paused_until - now, False
        opener = self._opener
        if opener is not None and opener.sent_at + _OPENER_WAIT > now:
            return opener.sent_at + _OPENER_WAIT - now, False  # its answer wakes the gate
        if self._opener_due:
            return 0.0, True
        model = self._model
        opened = model.opened
        sent = self._sequence - opened.sequence + 1 if opened is not None else 0
        in_flight = len(self._in_flight) + max(self.unticketed, 0)
        left = model.left(sent, in_flight)
        if left is not None and left <= 0:
            reset = model.next_reset()
            if reset is not None and reset > now:
                return reset - now, False
            answers_due = self._answers_due(now)
            if answers_due > now:
                return answers_due - now, False  # they will say how many are left
            return 0.0, True  # the window has reset, or nobody knows when: one finds out
        if self._rate() is not None and self._next_slot > now:
            return self._next_slot - now, False
        return 0.0, False

    def _let_through(self, now: float, opener: bool) -> Ticket:
        self._sequence += 1
        ticket = Ticket(now, self._sequence, opener, opener and self._opener_due)
        if opener:
            self._opener = ticket
            self._opener_due = False
        if self._learn:
            self._in_flight[ticket.sequence] = now
        rate = self._rate()
        if rate is not None:
            self._next_slot = max(self._next_slot, now) + 1 / rate
        return ticket

    def _answers_due(self, now: float) -> float:
        """Until when answers in flight are worth waiting for: those sent in the last
        ``_OPENER_WAIT`` s (a slow one holds nobody longer than that)."""
        due = self._engaged_at + _OPENER_WAIT if self.unticketed > 0 else 0.0
        recent = now - _OPENER_WAIT
        for sent in self._in_flight.values():
            if sent > recent:
                due = max(due, sent + _OPENER_WAIT)
        return due

    def _rate(self) -> Optional[float]:
        learned = self._model.rate()
        if learned is None:
            return self._cap
        return learned if self._cap is None else min(learned, self._cap)


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
