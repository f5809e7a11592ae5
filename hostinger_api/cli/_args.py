"""Argument types: each turns one option's text into a value or a message argparse prints.

A message names what was wrong (``not a number of seconds: 'soon'``), so the usage error says
how to mend it.
"""

from __future__ import annotations

import argparse
import re
from datetime import timedelta
from typing import Callable, TypeVar

from hostinger_api.fleet import MAX_CONCURRENCY
from hostinger_api.fleet._select import MAX_SPAN

_Number = TypeVar("_Number", int, float)

_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_SECONDS = MAX_SPAN.total_seconds()
"""The longest time or span any option takes: 10 years, as the Python functions' spans."""


def _bounded(
    parse: Callable[[str], _Number], noun: str, fits: Callable[[_Number], bool], bounds: str
) -> Callable[[str], _Number]:
    """An argument type for a number that ``parse`` reads and ``fits`` accepts."""

    def convert(text: str) -> _Number:
        try:
            value = parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {noun}: {text!r}") from None
        if not fits(value):
            # a whole number is named as read (" 07" is 7); any other as typed ("1e-999")
            named = value if isinstance(value, int) else text
            raise argparse.ArgumentTypeError(f"must be {bounds}, not {named}")
        return value

    return convert


positive_int = _bounded(int, "a positive whole number", lambda value: value >= 1, "1 or more")
"""An id, or a page: 1 or more."""

concurrency = _bounded(
    int,
    "a whole number",
    lambda value: 1 <= value <= MAX_CONCURRENCY,
    f"1 to {MAX_CONCURRENCY}",
)
"""``--concurrency``: VMs worked on at once, up to the fleet's cap."""

seconds = _bounded(
    float,
    "a number of seconds",
    lambda value: 0 < value <= MAX_SECONDS,
    f"more than 0 and at most {MAX_SECONDS:.0f} (10 years)",
)
"""``--timeout``, ``--wait-for-lock``: any time up to 10 years."""

interval = _bounded(
    float, "a number of seconds", lambda value: 0 < value <= 3600, "more than 0 and at most 3600"
)
"""``--poll-interval``: a time between polls, at most an hour."""


def duration(text: str) -> timedelta:
    """``--fresh-within``, ``--max-age``, ``--expiring-within``: seconds, or a number and s, m,
    h or d (``90m``, ``20h``, ``2d``); above 0 and at most 10 years (``3650d``)."""
    found = _DURATION.fullmatch(text.strip().lower())
    if found is None:
        raise argparse.ArgumentTypeError(
            f"not a duration: {text!r} (seconds, or a number and s, m, h or d: 90m, 20h, 2d)"
        )
    total = float(found[1]) * _UNIT_SECONDS[found[2]]  # digits alone: inf at worst, never nan
    if total <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    if total > MAX_SECONDS:  # beyond it, a date computed from the span overflows
        raise argparse.ArgumentTypeError(
            f"must be at most {MAX_SPAN.days}d (10 years), not {text.strip()}"
        )
    return timedelta(seconds=total)
