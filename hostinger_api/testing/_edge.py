"""The fake's edge block: Cloudflare in front of the API, blocking the whole address for a while.

Hostinger's edge has been seen answering a 429 with ``Retry-After: 2272`` and the body
``error code: 1015`` (Cloudflare's rate-limit page), as ``text/plain``, for every request from
the address, whatever its token. The fake models it as a layer in front of everything: after
``after`` answers of 429 within ``span`` seconds (the rate limit's, the block's or injected
ones), every request gets that answer for ``seconds``, its ``Retry-After`` counting down.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Optional, Union

from hostinger_api.testing._types import FakeResponse

EDGE_BODY = b"error code: 1015"
"""What Cloudflare's rate-limit page says, and all it says."""


@dataclass
class EdgeBlock:
    """After ``after`` 429s within ``span`` seconds, refuse everything for ``seconds``.

    Thread-safe. ``blocks`` counts the blocks begun, ``refused`` the requests refused by them.
    ``begin()`` starts a block at once (for tests that need one without provoking it).
    """

    after: int = 5
    span: float = 10.0
    seconds: float = 2272.0
    clock: Callable[[], float] = time.monotonic
    blocks: int = 0
    refused: int = 0
    _until: float = -math.inf
    _seen: deque[float] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if isinstance(self.after, bool) or not isinstance(self.after, int) or self.after < 1:
            raise ValueError(f"The edge block's 'after' must be an int, 1 or more: {self.after!r}")
        for name in ("span", "seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"The edge block's {name!r} must be seconds: {value!r}")
            if not 0 < value < math.inf:
                raise ValueError(f"The edge block's {name!r} must be above 0 and finite: {value!r}")

    @property
    def active(self) -> bool:
        """Whether requests are being refused now."""
        with self._lock:
            return self._until > self.clock()

    def begin(self, seconds: Optional[float] = None) -> None:
        """Start a block now, for ``seconds`` (default: the block's own)."""
        with self._lock:
            self._until = self.clock() + (self.seconds if seconds is None else seconds)
            self._seen.clear()
            self.blocks += 1

    def end(self) -> None:
        """End the block now: the next request goes through to the API."""
        with self._lock:
            self._until = -math.inf

    def refusal(self) -> Optional[FakeResponse]:
        """The edge's answer while it blocks; None to let the request through."""
        with self._lock:
            left = self._until - self.clock()
            if left <= 0:
                return None
            self.refused += 1
        return FakeResponse(
            429,
            EDGE_BODY,
            {
                "Content-Type": "text/plain; charset=UTF-8",
                "Retry-After": str(max(1, math.ceil(left))),
            },
        )

    def saw(self, status: int) -> None:
        """Count an answer the API behind the edge gave; the ``after``-th 429 begins a block."""
        if status != 429:
            return
        with self._lock:
            now = self.clock()
            self._seen.append(now)
            while self._seen and self._seen[0] <= now - self.span:
                self._seen.popleft()
            if len(self._seen) >= self.after:
                self._seen.clear()
                self._until = now + self.seconds
                self.blocks += 1


EdgeBlockSetting = Union[EdgeBlock, tuple[int, float, float], None]
"""What ``FakeHostinger(edge_block=...)`` takes: an ``EdgeBlock``, or ``(after, span, seconds)``."""


def edge_block(setting: EdgeBlockSetting) -> Optional[EdgeBlock]:
    """The edge block a setting describes; None for none."""
    if setting is None or isinstance(setting, EdgeBlock):
        return setting
    if not isinstance(setting, (tuple, list)) or len(setting) != 3:
        raise ValueError(
            f"edge_block must be an EdgeBlock or (after, span, seconds), not {setting!r}"
        )
    after, span, seconds = setting
    return EdgeBlock(after=after, span=span, seconds=seconds)
