"""The fake's rate limit: N requests per window per key, counted as Laravel's throttle counts.

Hostinger's error bodies are a Laravel application's, so the fake limits as Laravel's throttle
does: a fixed window that starts at a key's first request; a refused request does not count;
every answer says ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining``, and a 429 adds
``Retry-After`` (whole seconds) and ``X-RateLimit-Reset`` (Unix time).

Other header styles, for clients that must cope with them: ``"ietf"``, the IETF draft's fields
(``RateLimit-Limit``, ``RateLimit-Remaining``, ``RateLimit-Reset`` in seconds,
``RateLimit-Policy: N;w=SECONDS``, and ``Retry-After`` on a 429), ``"retry-after"``, no fields
but ``Retry-After`` on a 429 (what Cloudflare, nginx's ``limit_req`` and many gateways send), and
``"none"``, a service that says nothing at all, not even ``Retry-After``.

The block is a model of Hostinger's warning that an IP which exceeds the limit repeatedly "might
get temporarily blocked", not a documented behaviour: after ``block_after`` refusals within
``block_span`` seconds, every request of that key is refused for ``block_seconds``.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Callable, Optional

THROTTLED_MESSAGE = "Too Many Attempts."
HEADER_STYLES = ("laravel", "ietf", "retry-after", "none")
_KEYS_KEPT = 1024  # past this many keys, those with nothing left to remember are forgotten


@dataclass(frozen=True)
class Verdict:
    """Whether a request may go on, the headers its answer carries, and a refusal's message."""

    allowed: bool
    headers: Mapping[str, str]
    message: str = ""


@dataclass
class _Key:
    """What the limiter remembers of one key (one token)."""

    window_end: float = -math.inf
    hits: int = 0
    refusals: deque[float] = field(default_factory=deque)  # when, within the block span
    blocked_until: float = -math.inf

    def idle(self, now: float, span: float) -> bool:
        """Nothing left to remember: forgetting the key changes no answer."""
        recent = bool(self.refusals) and self.refusals[-1] > now - span
        return self.window_end <= now and self.blocked_until <= now and not recent


def _whole_seconds(seconds: float) -> int:
    """Whole seconds, rounded up: a client that waits them finds the window over; and never 0,
    which would say "now" (a window shorter than a second still says 1)."""
    return max(1, math.ceil(seconds))


def _seconds(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number of seconds, not {value!r}")
    if not 0 < value < math.inf:
        raise ValueError(f"{name} must be more than 0 seconds and finite, not {value!r}")
    return float(value)


def _count(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an int, 1 or more, not {value!r}")
    return value


class RateLimiter:
    """At most ``limit`` requests per ``seconds`` per key, and maybe a block after repeated excess.

    Thread-safe. ``throttled``, ``blocks`` and ``allowed`` count what it decided. ``clock`` (a
    monotonic clock) and ``wall_clock`` (Unix time, for ``X-RateLimit-Reset``) are there for tests.
    """

    def __init__(
        self,
        limit: int,
        seconds: float,
        *,
        block_after: Optional[int] = None,
        block_span: float = 10.0,
        block_seconds: float = 60.0,
        headers: str = "laravel",
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.limit = _count("The rate limit's number of requests", limit)
        self.seconds = _seconds("The rate limit's window", seconds)
        self.block_after = None if block_after is None else _count("block_after", block_after)
        self.block_span = _seconds("block_span", block_span)
        self.block_seconds = _seconds("block_seconds", block_seconds)
        if headers not in HEADER_STYLES:
            raise ValueError(
                f"The rate limit's headers must be one of {', '.join(HEADER_STYLES)},"
                f" not {headers!r}"
            )
        self.header_style = headers
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._keys: dict[Optional[str], _Key] = {}
        self._throttled = 0
        self._blocks = 0
        self._allowed = 0

    @property
    def throttled(self) -> int:
        """How many requests were refused with 429, blocked ones included."""
        with self._lock:
            return self._throttled

    @property
    def blocks(self) -> int:
        """How many times a block began."""
        with self._lock:
            return self._blocks

    @property
    def allowed(self) -> int:
        """How many requests were let through."""
        with self._lock:
            return self._allowed

    def check(self, key: Optional[str]) -> Verdict:
        """Count one request of ``key`` (the Authorization header, whatever it is)."""
        with self._lock:
            now = self._clock()
            state = self._keys.get(key)
            if state is None:
                self._forget_idle(now)
                state = self._keys[key] = _Key()
            if state.blocked_until > now:
                self._throttled += 1
                return self._refusal(
                    state.blocked_until - now,
                    f"{THROTTLED_MESSAGE} Blocked for {self.block_seconds:g} seconds after"
                    " exceeding the rate limit repeatedly.",
                )
            if state.window_end <= now:
                state.window_end, state.hits = now + self.seconds, 0
            if state.hits < self.limit:
                state.hits += 1
                self._allowed += 1
                return Verdict(True, self._headers(self.limit - state.hits, state.window_end - now))
            self._throttled += 1
            verdict = self._refusal(state.window_end - now, THROTTLED_MESSAGE)
            if self.block_after is not None:
                self._note_refusal(state, now, self.block_after)
            return verdict

    def _note_refusal(self, state: _Key, now: float, block_after: int) -> None:
        """Remember a refusal; the ``block_after``-th within the span begins a block."""
        state.refusals.append(now)
        while state.refusals[0] <= now - self.block_span:
            state.refusals.popleft()
        if len(state.refusals) >= block_after:
            state.refusals.clear()
            state.blocked_until = now + self.block_seconds
            state.window_end = -math.inf  # after the block, a fresh window
            self._blocks += 1

    def _refusal(self, seconds_left: float, message: str) -> Verdict:
        headers = self._headers(0, seconds_left)
        if self.header_style != "none":
            headers["Retry-After"] = str(_whole_seconds(seconds_left))
        if self.header_style == "laravel":
            headers["X-RateLimit-Reset"] = str(math.ceil(self._wall_clock() + seconds_left))
        return Verdict(False, headers, message)

    def _headers(self, remaining: int, seconds_left: float) -> dict[str, str]:
        """What every answer says: the limit and what remains of it, in the chosen style."""
        if self.header_style == "laravel":
            return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(remaining)}
        if self.header_style == "ietf":
            return {
                "RateLimit-Limit": str(self.limit),
                "RateLimit-Remaining": str(remaining),
                "RateLimit-Reset": str(_whole_seconds(seconds_left)),
                "RateLimit-Policy": f"{self.limit};w={self.seconds:g}",
            }
        return {}

    def _forget_idle(self, now: float) -> None:
        """Keep memory bounded when many keys come and go (a fuzz test, say)."""
        if len(self._keys) >= _KEYS_KEPT:
            for key in [
                key for key, state in self._keys.items() if state.idle(now, self.block_span)
            ]:
                del self._keys[key]


def limiter_for(
    rate_limit: Optional[tuple[int, float]],
    block_after: Optional[int],
    block_span: float,
    block_seconds: float,
    headers: str,
) -> Optional[RateLimiter]:
    """The limiter of a fake with these settings (None: no rate limit), or ``ValueError``."""
    if rate_limit is None:
        if block_after is not None:
            raise ValueError("block_after needs a rate_limit: blocks follow refusals")
        if headers != "laravel":
            raise ValueError("rate_limit_headers needs a rate_limit: without one, none are sent")
        return None
    if not isinstance(rate_limit, (tuple, list)) or len(rate_limit) != 2:
        raise ValueError(f"rate_limit must be (N, SECONDS), such as (50, 1), not {rate_limit!r}")
    return RateLimiter(
        *rate_limit,
        block_after=block_after,
        block_span=block_span,
        block_seconds=block_seconds,
        headers=headers,
    )
