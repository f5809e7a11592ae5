"""What a response's headers say about waiting: ``Retry-After`` and the rate-limit fields.

It imports nothing of this package, so that every layer, ``exceptions`` included, can use it.
Hostinger publishes no header names for its rate limit, so every common form is read:

- Laravel's (the framework Hostinger's error bodies come from): ``X-RateLimit-Limit`` and
  ``X-RateLimit-Remaining`` on every answer, ``X-RateLimit-Reset`` (Unix time) on a 429;
- the IETF draft's ``RateLimit-Limit`` / ``RateLimit-Remaining`` / ``RateLimit-Reset`` (seconds
  from now), or all three in one ``RateLimit: limit=100, remaining=50, reset=30`` field, with
  ``RateLimit-Policy: 100;w=60`` for the window; and its newer structured form,
  ``RateLimit: "default";r=0;t=3`` with ``RateLimit-Policy: "default";q=100;w=60`` (of several
  policies, the first is read).

A reset above 10^12 is Unix time in milliseconds, above 10^9 Unix time in seconds, else seconds
from now. A header sent twice arrives joined (``Retry-After: 2, 2``): its first value is read. An
HTTP-date ``Retry-After`` is measured against the answer's own ``Date`` when it has one, so that
a skewed local clock does not skew the wait.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Optional

_EPOCH_THRESHOLD = 1e9
"""A reset above this many seconds is a Unix time (2001 or later), not a number of seconds."""
_EPOCH_MS_THRESHOLD = 1e12
"""A reset above this is a Unix time in milliseconds (1e12 s would be the year 33658)."""


def parse_retry_after(value: Optional[str], now: Optional[datetime] = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (a number, or an HTTP date); None if unreadable.

    A header sent twice arrives joined by a comma: the first value is read. An HTTP date is
    measured from ``now`` (the answer's ``Date``, when known; else this machine's clock).
    """
    if value is None:
        return None
    parts = value.split(",")
    try:
        seconds = float(parts[0].strip())
    except ValueError:
        moment = _http_date(",".join(parts[:2])) or _http_date(parts[0])
        if moment is None:
            return None
        seconds = (moment - (now or datetime.now(timezone.utc))).total_seconds()
        return max(seconds, 0.0)
    return seconds if 0 <= seconds < math.inf else None


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds an answer's ``Retry-After`` asks for, a date measured against its ``Date``."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    date = headers.get("Date")
    return parse_retry_after(value, _http_date(date) if date else None)


def _http_date(text: str) -> Optional[datetime]:
    """An HTTP date as an aware datetime (UTC when it names no zone); None if unreadable."""
    try:
        moment = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:  # Python 3.9 returns None for some unreadable dates
        return None  # type: ignore[unreachable]
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class RateLimitHeaders:
    """The rate-limit fields of one answer; each is None when the server did not send it.

    :param limit: requests allowed per window.
    :param remaining: requests left in the current window, this one counted.
    :param reset_in: seconds until the window resets, as of when the answer was read.
    :param window: the window's length in seconds, when a policy field gave it.
    """

    limit: Optional[int] = None
    remaining: Optional[int] = None
    reset_in: Optional[float] = None
    window: Optional[float] = None


_NONE = RateLimitHeaders()


RATE_LIMIT_NAMES = frozenset({"x-ratelimit-remaining", "ratelimit", "ratelimit-remaining"})
"""The lowercased names of the fields whose presence says an answer speaks of a rate limit."""


def has_rate_limit_fields(headers: Mapping[str, str]) -> bool:
    """Whether any rate-limit field is present: a cheap test for the per-call path.

    urllib3's headers keep their names lowercased in a plain dict: looked up there, no name is
    lowercased again on every answer.
    """
    names = getattr(headers, "_container", None)
    if not isinstance(names, dict):
        names = {name.lower() for name in headers}
    return not RATE_LIMIT_NAMES.isdisjoint(names)


def read_rate_limit(
    headers: Mapping[str, str], wall_now: Optional[float] = None
) -> RateLimitHeaders:
    """The rate-limit fields of ``headers`` (names are case-insensitive in urllib3's headers).

    Values that cannot be read are left out rather than guessed.
    """
    combined = _fields(headers.get("RateLimit"))
    policy_text = headers.get("RateLimit-Policy") or ""
    structured = policy_text.lstrip().startswith('"')
    policy = _fields(policy_text if structured else policy_text.replace(";", ","))
    if "r" in combined or "t" in combined:  # the newer structured form: "name";r=0;t=3
        combined = {"remaining": combined.get("r", ""), "reset": combined.get("t", "")}
    if "q" in policy:
        policy[""] = policy["q"]
    limit = _whole(headers.get("X-RateLimit-Limit") or headers.get("RateLimit-Limit"))
    remaining = _whole(headers.get("X-RateLimit-Remaining") or headers.get("RateLimit-Remaining"))
    reset = _number(headers.get("X-RateLimit-Reset") or headers.get("RateLimit-Reset"))
    if limit is None:
        limit = _whole(combined.get("limit"))
    if remaining is None:
        remaining = _whole(combined.get("remaining"))
    if reset is None:
        reset = _number(combined.get("reset"))
    if limit is None and policy:
        limit = _whole(policy.get(""))
    if reset is not None and reset > _EPOCH_MS_THRESHOLD:
        reset /= 1000
    if reset is not None and reset > _EPOCH_THRESHOLD:
        reset = max(reset - (time.time() if wall_now is None else wall_now), 0.0)
    window = _number(policy.get("w"))
    if limit is None and remaining is None and reset is None and window is None:
        return _NONE
    return RateLimitHeaders(limit, remaining, reset, window if window else None)


def _fields(value: Optional[str]) -> dict[str, str]:
    """``limit=100, remaining=50`` (or ``100,w=60``) as a dict; a bare item's name is ``""``.

    The structured form (``"default";r=0;t=3``, several policies joined by commas) gives its
    first policy's parameters.
    """
    if not value:
        return {}
    if value.lstrip().startswith('"'):
        value = value.split(",", 1)[0].replace(";", ",")
    fields: dict[str, str] = {}
    for item in value.split(","):
        name, _, found = item.strip().partition("=")
        if found:
            fields[name.strip().lower()] = found.strip().strip('"')
        elif name:
            fields.setdefault("", name.strip())
    return fields


def _number(value: Optional[str]) -> Optional[float]:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if 0 <= number < math.inf else None


def _whole(value: Optional[str]) -> Optional[int]:
    number = _number(value)
    return None if number is None else int(number)
