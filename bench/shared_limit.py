"""The shared rate limit: 16 threads of one client against a rate-limited fake.

    python bench/shared_limit.py                                  full run; exits 1 on a miss
    python bench/shared_limit.py --headers none                   one header mode only
    python bench/shared_limit.py --compare-python /venv/bin/python  adds Hostinger's package
    python bench/shared_limit.py --smoke                          a few seconds; no targets

The fake (``hostinger_api.testing``) runs in this process, in its own threads, limiting like
Laravel's throttle: ``LIMIT`` requests per window per token, 429 past it, and the "IP block"
model (every request refused for a while after repeated 429s in a short span). It shows its
limit in each of the ways servers do (``--headers``, all four by default): Laravel's
``X-RateLimit-*`` fields, the IETF draft's ``RateLimit-*`` fields, ``Retry-After`` on a 429 and
nothing else, or nothing at all. Each
contender runs in a fresh interpreter (``bench/workload.py hammer``): 16 threads sharing one
client, each calling ``get_snapshot_v1`` as fast as it can for the run's length. What is reported
is the rate the server let through as a share of its limit, the share of requests it refused, and
whether the block ever began. The contenders:

- ours, as shipped: the threads share the client's rate gate;
- ours with ``Configuration.shared_rate_limit = False``: each call for itself, retrying its own
  429s after their ``Retry-After``;
- Hostinger's generated package (another environment), as its users run it: urllib3's default
  retries, which sleep out a 429's ``Retry-After`` and raise after three.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from run import Bench, Row, ours, print_table, theirs  # noqa: E402 (bench/ is not a package)

from hostinger_api.testing import FakeHostingerApi  # noqa: E402

VM = 1268054
TOKEN = "bench-token"
THREADS = 16
TARGET_SHARE = 0.85
TARGET_THROTTLED = 0.03
HEADER_MODES = ("laravel", "ietf", "retry-after", "none")


@dataclass(frozen=True)
class Limit:
    """The fake's limit and its block model.

    ``block_after`` is more than the 16 threads: a client that knows nothing of a limit which its
    server does not announce meets the first window with every thread in flight, and gets one 429
    for each; the block models repeated excess, not that.
    """

    requests: int = 50
    window: float = 1.0
    block_after: int = 20
    block_span: float = 10.0
    block_seconds: float = 30.0

    @property
    def rate(self) -> float:
        return self.requests / self.window


@dataclass(frozen=True)
class Outcome:
    """What one contender achieved, as the server counted it."""

    allowed: int
    throttled: int
    blocks: int
    seconds: float
    errors: int

    def share_of_limit(self, limit: Limit) -> float:
        return self.allowed / self.seconds / limit.rate

    @property
    def throttled_share(self) -> float:
        sent = self.allowed + self.throttled
        return self.throttled / sent if sent else 0.0


def hammer(
    bench: Bench, limit: Limit, seconds: float, shared: bool, headers: str = "laravel"
) -> Outcome:
    """Run one contender against a fresh fake; the server's counts and the client's errors."""
    with FakeHostingerApi(
        vms=[VM],
        token=TOKEN,
        rate_limit=(limit.requests, limit.window),
        rate_limit_headers=headers,
        block_after=limit.block_after,
        block_span=limit.block_span,
        block_seconds=limit.block_seconds,
    ) as fake:
        fake.set_snapshot(VM)
        arguments = [str(fake.port), str(THREADS), str(seconds), "shared" if shared else "alone"]
        result = bench.workload("hammer", *arguments)
        return Outcome(
            allowed=fake.allowed,
            throttled=fake.throttled,
            blocks=fake.blocks,
            seconds=result["seconds"],
            errors=result["errors"],
        )


def rows_for(name: str, outcome: Outcome, limit: Limit, check: bool) -> list[Row]:
    """The table's rows for one contender; targets only for ours as shipped."""
    share = outcome.share_of_limit(limit)
    throttled = outcome.throttled_share
    rows = [
        Row(
            f"{name}: rate as a share of the limit",
            share * 100,
            None,
            "%",
            f">= {TARGET_SHARE:.0%}" if check else "",
            share >= TARGET_SHARE if check else None,
        ),
        Row(
            f"{name}: requests answered 429",
            throttled * 100,
            None,
            "%",
            f"<= {TARGET_THROTTLED:.0%}" if check else "",
            throttled <= TARGET_THROTTLED if check else None,
        ),
        Row(
            f"{name}: blocks begun",
            outcome.blocks,
            None,
            "",
            "0" if check else "",
            outcome.blocks == 0 if check else None,
        ),
        Row(
            f"{name}: calls that failed",
            outcome.errors,
            None,
            "",
            "0" if check else "",
            outcome.errors == 0 if check else None,
        ),
    ]
    return rows


def shared_limit_rows(
    seconds: float,
    check: bool,
    compare_python: Optional[str] = None,
    limit: Limit = Limit(),
    headers: str = "laravel",
) -> list[Row]:
    """Every contender's rows for one header mode; called by ``bench/run.py`` too."""
    bench = ours()
    tag = "" if headers == "laravel" else f" [{headers}]"
    outcome = hammer(bench, limit, seconds, shared=True, headers=headers)
    rows = rows_for(f"shared gate{tag}", outcome, limit, check)
    outcome = hammer(bench, limit, seconds, shared=False, headers=headers)
    rows += rows_for(f"gate off{tag}", outcome, limit, False)
    if compare_python:
        outcome = hammer(theirs(compare_python), limit, seconds, shared=False, headers=headers)
        rows += rows_for(f"Hostinger's package{tag}", outcome, limit, False)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="a few seconds; no targets checked")
    parser.add_argument("--seconds", type=float, help="how long each contender runs")
    parser.add_argument(
        "--headers",
        choices=HEADER_MODES,
        action="append",
        help="how the fake shows its limit (repeatable; default: every mode)",
    )
    parser.add_argument(
        "--compare-python",
        metavar="PYTHON",
        help="a Python whose environment has Hostinger's hostinger_api installed",
    )
    options = parser.parse_args()
    limit = Limit()
    seconds = options.seconds or (3.0 if options.smoke else 12.0)
    print(
        f"{THREADS} threads of one client, {seconds:g} s each, against a fake allowing "
        f"{limit.requests} requests per {limit.window:g} s per token; block model: "
        f"{limit.block_after} 429s within {limit.block_span:g} s block the token for "
        f"{limit.block_seconds:g} s"
    )
    rows: list[Row] = []
    for headers in options.headers or HEADER_MODES:
        rows += shared_limit_rows(
            seconds, not options.smoke, options.compare_python, limit, headers
        )
    print_table(rows)
    missed = [row.name for row in rows if row.met is False]
    if missed:
        print(f"\nMissed {len(missed)} target(s): {', '.join(missed)}")
        return 1
    print("\nEvery target met." if not options.smoke else "\nSmoke run: targets not checked.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
