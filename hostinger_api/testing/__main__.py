"""``python -m hostinger_api.testing``: run the fake Hostinger API until interrupted."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
from typing import Optional

from hostinger_api.testing._server import FakeHostingerApi
from hostinger_api.testing._service import DEFAULT_TOKEN


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
        "--action-seconds",
        type=float,
        default=2.0,
        help="how long an action takes to finish (default: 2)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with a certificate from a throwaway CA (needs trustme); prints its path",
    )
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    options = _parser().parse_args(argv)
    if not options.quiet:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    fake = FakeHostingerApi(
        port=options.port,
        token=options.token,
        vms=options.vm,
        accept_any_vm=options.any_vm or not options.vm,
        action_seconds=options.action_seconds,
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
