"""What the rate gate learns of the server's limit: how many requests per window, and how long
a window is.

From the answers' fields when they carry them (``hostinger_api._headers``); otherwise from the
429s and the successes between them. The server's windows are taken as fixed windows that open at
the first request after the last one ended (Laravel's throttle, and most gateways'):

- the gate sends one request alone after every pause (an *opener*); when it succeeds, a window
  opened between its sending and its answer;
- when a 429 then comes for a request sent in that window, the window was full: its successes
  are the limit, and once the next opener succeeds, the time from the first opener's sending to
  that answer bounds the window's length from above (the window had ended by then). A 429's
  ``Retry-After`` (or reset) bounds it too: the window ends by the answer plus that wait.

Only openers and 429s teach the window: a late answer (a request that took long) never does.
Once both the count and the length are known, the gate paces requests at ``_PACE`` of that rate,
which no fixed window can refuse. This module holds the numbers; ``RateGate`` holds the lock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

from hostinger_api._headers import RateLimitHeaders

_PACE = 0.97
"""The share of the learned rate the gate sends at: spaced this way, no window sees too many,
however the server's windows fall, with 3% of room (30 ms a second) for the network's jitter."""
_WHOLE_SECONDS_SLACK = 0.25
"""A learned window this little over a whole number of seconds is taken as that number (windows
are whole seconds or minutes: Laravel's, nginx's, most gateways'), until pacing so is refused."""
_MARGIN = 0.005
"""Seconds added to a window taken as whole seconds, against clock jitter."""
_QUIET_PAUSE = 1.0
"""Seconds all requests wait after a 429 that says nothing of when to come back (at first)."""
_SLOWDOWN = 0.9
"""After a 429 while pacing at a learned rate, the rate becomes this share of it..."""
_SLOWEST = 0.5
"""... but never less than this share of what was learned (429s that come at random, a
fault and not a limit, must not slow the client to a halt)."""


@dataclass(frozen=True)
class Opened:
    """The request that opened the current window: its sequence, when sent, when answered."""

    sequence: int
    sent: float
    answered: float


class LimitModel:
    """The limit as learned so far (not thread-safe: the gate's lock guards it)."""

    def __init__(self) -> None:
        self.limit: Optional[int] = None
        """Requests per window, as the fields said or as counted."""
        self.window: Optional[float] = None
        """The window's length in seconds, as a field said or an upper bound learned."""
        self.limit_from_fields = False
        self.window_from_fields = False
        self.opened: Optional[Opened] = None
        self.full_at: Optional[float] = None  # a 429 came for a request of the current window
        self.succeeded = 0  # answers (not 429) to requests of the current window
        self.reported: Optional[int] = None  # the fewest requests left the fields said
        self.reported_sequence = 0  # the request whose answer said it
        self.reset_at: Optional[float] = None  # when the window ends, as the server said
        self.quiet = _QUIET_PAUSE
        self.slowdown = 1.0
        self.slowed_at = -math.inf
        self.whole_seconds = True

    def rate(self) -> Optional[float]:
        """Requests per second to pace at, once both the count and the length are known."""
        if self.limit is None or self.window is None:
            return None
        window = math.floor(self.window) + _MARGIN if self._snapped() else self.window
        return self.limit / window * _PACE * self.slowdown

    def _snapped(self) -> bool:
        """Whether the learned window is taken as the whole seconds it is a little over."""
        window = self.window
        if window is None or not self.whole_seconds or self.window_from_fields:
            return False
        whole = math.floor(window)
        return whole >= 1 and window - whole < _WHOLE_SECONDS_SLACK

    def in_window(self, sequence: int) -> bool:
        """Whether the request with this sequence (0: sent before the gate engaged) was sent in
        the current window (before any window is known, every request is)."""
        return self.opened is None or sequence >= self.opened.sequence

    def left(self, sent_in_window: int, in_flight: int) -> Optional[int]:
        """Requests the current window has left (None: not known, so not counted).

        :param sent_in_window: requests sent since the window's opener, the opener included.
        :param in_flight: requests sent and not answered: the fields may not count them yet.
        """
        if self.limit is not None and self.window is not None:
            return None  # paced below the limit: no fixed window can run out
        if self.reported is not None:
            return self.reported - in_flight
        if self.limit is not None and self.opened is not None and self.window is None:
            return self.limit - sent_in_window  # counting our own, until the window is learned
        return None

    def next_reset(self) -> Optional[float]:
        """When the current window ends, as the server said or as learned; None: unknown."""
        if self.reset_at is not None:
            return self.reset_at
        if self.opened is not None and self.window is not None:
            return self.opened.answered + self.window
        return None

    def read_fields(self, fields: RateLimitHeaders, now: float, throttled: bool) -> None:
        """Take what the fields say of the limit and the window."""
        if fields.limit is not None:
            self.limit, self.limit_from_fields = fields.limit, True
        if fields.window is not None:
            self.window, self.window_from_fields = fields.window, True
        if fields.reset_in is not None and not throttled:
            self.reset_at = now + fields.reset_in

    def note_remaining(self, sequence: int, remaining: int, opener: bool, in_flight: int) -> None:
        """What the fields say is left. Within a window the count only goes down, but answers
        cross: a later-sent request that sees more left than the requests in flight can explain
        saw a new window; an earlier-sent one (a late answer) that sees more is old news."""
        if (
            opener
            or self.reported is None
            or (sequence > self.reported_sequence and remaining > self.reported + in_flight)
        ):
            self.reported, self.reported_sequence = remaining, sequence
        elif remaining < self.reported:
            self.reported = remaining
            self.reported_sequence = max(self.reported_sequence, sequence)

    def opens(self, remaining: Optional[int]) -> bool:
        """Whether an opener's answer saying ``remaining`` can be a new window's first."""
        return remaining is None or self.limit is None or remaining >= self.limit - 1

    def answered(self, sequence: int) -> None:
        """A request was answered (not 429): it counted against its window."""
        if self.in_window(sequence):
            self.succeeded += 1

    def throttled(
        self, sequence: int, now: float, wait: Optional[float], opener: bool, after_pause: bool
    ) -> float:
        """A 429: learn what it says, and return how long every request must now wait.

        :param opener: the request was sent alone, to find out whether the window had ended.
        :param after_pause: ... and it was sent when a pause ended.
        """
        if self.in_window(sequence) and self.full_at is None:
            self.full_at = now
        if self.reported is not None:
            self.reported = 0
        learned = not (self.limit_from_fields and self.window_from_fields)
        if (
            learned
            and not opener
            and self.rate() is not None
            and now - self.slowed_at >= (self.window or 0.0)
        ):
            if self._snapped():
                self.whole_seconds = False  # the window is not the whole seconds it was taken as
            else:
                self.slowdown = max(self.slowdown * _SLOWDOWN, _SLOWEST)  # paced, still refused
            self.slowed_at = now  # the 429s of requests already in flight cut no more
        opened = self.opened
        if wait is not None:
            if opened is not None and self.in_window(sequence):
                self._bound_window(now + wait - opened.sent)
            return wait
        if after_pause:
            self.quiet *= 2  # the opener after a pause was refused too: the window is longer
        if self.window is not None and not self.window_from_fields:
            return max(self.window, self.quiet)  # a fixed window ends within its length
        return self.quiet

    def opened_by(self, sequence: int, sent: float, now: float, quiet_successes: int) -> None:
        """An opener succeeded: a new window began. Learn from the one it ends, if it was full."""
        previous = self.opened
        if self.full_at is not None:
            start = previous.sent if previous is not None else None
            if not self.limit_from_fields and self.succeeded and (
                self.window is None or start is None or self.full_at - start < self.window
            ):
                self.limit = self.succeeded + (quiet_successes if previous is None else 0)
            if start is not None:
                self._bound_window(now - start)
        self.opened = Opened(sequence, sent, now)
        self.full_at = None
        self.succeeded = 1
        self.reported = None
        self.reset_at = None
        self.quiet = _QUIET_PAUSE

    def _bound_window(self, bound: float) -> None:
        if self.window_from_fields or bound <= 0:
            return
        self.window = bound if self.window is None else min(self.window, bound)
