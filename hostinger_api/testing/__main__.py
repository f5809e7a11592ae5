"""``python -m hostinger_api.testing``: run the fake Hostinger API until interrupted."""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import signal
import sys
import threading
from typing import Optional

from hostinger_api.testing._backups import WEEKLY_BACKUPS
from hostinger_api.testing._ratelimit import HEADER_STYLES
from hostinger_api.testing._server import FakeHostingerApi
from hostinger_api.testing._service import DEFAULT_TOKEN
from hostinger_api.testing._vms import VmSpec

_FLEET_FIRST_ID = 1000001
_ROLES = ("web", "db", "cache", "queue", "mail")
_PLANS = ("KVM 1", "KVM 2", "KVM 4", "KVM 8")


def _fleet(count: int) -> list[VmSpec]:
    """``count`` VMs for a demo of fleet jobs: mixed hostnames and plans, one in seven stopped."""
    fleet: list[VmSpec] = []
    for index in range(count):
        vm: VmSpec = {
            "id": _FLEET_FIRST_ID + index,
            "plan": _PLANS[index % len(_PLANS)],
            "state": "stopped" if index % 7 == 6 else "running",
        }
        if index % 3:  # the others keep Hostinger's srv<id>.hstgr.cloud
            vm["hostname"] = f"{_ROLES[index % len(_ROLES)]}-{index // len(_ROLES) + 1}.example.com"
        fleet.append(vm)
    return fleet


def _rate_limit(text: str) -> tuple[int, float]:
    """``N/SECONDS`` (``50/1``, ``60/60``, ``10/0.5``) as ``(N, SECONDS)``."""
    count, _, seconds = text.partition("/")
    try:
        limit = (int(count), float(seconds))
    except ValueError:
        limit = (0, 0.0)
    if limit[0] < 1 or not 0 < limit[1] < math.inf:
        raise argparse.ArgumentTypeError(
            f"expected N/SECONDS, N requests (1 or more) per SECONDS (more than 0), such as"
            f" 50/1 or 60/60, not {text!r}"
        )
    return limit


def _edge_block(text: str) -> tuple[int, float, float]:
    """``K/SPAN/SECONDS`` (``5/10/2272``) as ``(K, SPAN, SECONDS)``."""
    parts = text.split("/")
    try:
        after, span, seconds = int(parts[0]), float(parts[1]), float(parts[2])
        valid = len(parts) == 3 and after >= 1 and 0 < span < math.inf and 0 < seconds < math.inf
    except (ValueError, IndexError):
        valid = False
    if not valid:
        raise argparse.ArgumentTypeError(
            f"expected K/SPAN/SECONDS: after K 429s (1 or more) within SPAN seconds, block"
            f" everything for SECONDS, such as 5/10/2272, not {text!r}"
        )
    return after, span, seconds


def _count(text: str) -> int:
    if not text.isdecimal() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number, 1 or more, not {text!r}")
    return int(text)


def _count_or_zero(text: str) -> int:
    if not text.isdecimal():
        raise argparse.ArgumentTypeError(f"expected a whole number, 0 or more, not {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < math.inf:
        raise argparse.ArgumentTypeError(f"expected seconds, more than 0, not {text!r}")
    return seconds


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m hostinger_api.testing",
        description="Run a fake Hostinger VPS snapshot API on 127.0.0.1 until interrupted.",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free)")
    parser.add_argument(
        "--token", default=DEFAULT_TOKEN, help=f"bearer token to accept (default: {DEFAULT_TOKEN})"
    )
    parser.add_argument(
        "--vm", type=int, action="append", default=[], metavar="ID", help="a VM that exists"
    )
    parser.add_argument("--any-vm", action="store_true", help="let every VM id exist")
    parser.add_argument(
        "--vms",
        type=_count,
        default=0,
        metavar="N",
        help=f"make N VMs with ids from {_FLEET_FIRST_ID}, mixed hostnames and plans, some stopped",
    )
    parser.add_argument(
        "--action-seconds",
        type=float,
        default=2.0,
        help="how long an action takes to finish (default: 2)",
    )
    parser.add_argument(
        "--rate-limit",
        type=_rate_limit,
        metavar="N/SECONDS",
        help="at most N requests per SECONDS per token, then 429 (e.g. 50/1, 60/60)",
    )
    parser.add_argument(
        "--block-after",
        type=_count,
        metavar="K",
        help="with --rate-limit: block a token after K 429s within --block-span seconds",
    )
    parser.add_argument(
        "--block-span",
        type=_seconds,
        default=10.0,
        metavar="SECONDS",
        help="the span K 429s must fall in to begin a block (default: 10)",
    )
    parser.add_argument(
        "--block-seconds",
        type=_seconds,
        default=60.0,
        metavar="SECONDS",
        help="how long a block lasts (default: 60)",
    )
    parser.add_argument(
        "--rate-limit-headers",
        choices=HEADER_STYLES,
        default="laravel",
        help="with --rate-limit: X-RateLimit-* (laravel, the default), the IETF draft's"
        " RateLimit-* fields (ietf), or no header at all, not even Retry-After (none)",
    )
    parser.add_argument(
        "--edge-block",
        type=_edge_block,
        metavar="K/SPAN/SECONDS",
        help="after K 429s within SPAN seconds, answer every request for SECONDS as"
        " Cloudflare's edge does: 429, text/plain 'error code: 1015', a long Retry-After",
    )
    parser.add_argument(
        "--weekly-backups",
        type=_count_or_zero,
        default=WEEKLY_BACKUPS,
        metavar="N",
        help=f"how many weekly backups each VM has when it is made (default: {WEEKLY_BACKUPS})",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with a certificate from a throwaway CA (needs trustme); prints its path",
    )
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    parser = _parser()
    options = parser.parse_args(argv)
    if options.rate_limit is None:
        if options.block_after is not None:
            parser.error("--block-after needs --rate-limit")
        if options.rate_limit_headers != "laravel":
            parser.error("--rate-limit-headers needs --rate-limit")
    if not options.quiet:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    fake = FakeHostingerApi(
        port=options.port,
        token=options.token,
        vms=[*options.vm, *_fleet(options.vms)],
        accept_any_vm=options.any_vm or not (options.vm or options.vms),
        rate_limit=options.rate_limit,
        block_after=options.block_after,
        block_span=options.block_span,
        block_seconds=options.block_seconds,
        rate_limit_headers=options.rate_limit_headers,
        edge_block=options.edge_block,
        action_seconds=options.action_seconds,
        weekly_backups=options.weekly_backups,
        tls=options.tls,
    )
    try:
        fake.start()
    except RuntimeError as error:  # --tls without trustme
        print(error, file=sys.stderr)
        return 1
    except OSError as error:
        print(f"Cannot listen on 127.0.0.1:{options.port}: {error.strerror}", file=sys.stderr)
        return 1
    with fake:
        print(f"Fake Hostinger API listening on {fake.url}", flush=True)
        if options.tls:
            print(f"CA certificate: {fake.ca_file}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
