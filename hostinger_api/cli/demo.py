"""``hostinger-api demo``: the commands a user would run, against the fake API, with their output.

Needs no token and no network; the fake (``hostinger_api.testing``) is imported only here, and
only when the demo runs.
"""

from __future__ import annotations

import sys
from typing import TextIO

from hostinger_api.cli._parser import build_parser
from hostinger_api.cli._session import EXIT_API_ERROR, EXIT_OK, execute

_DEMO_VM = 1268054
_DEMO_FLEET = [
    {"id": 1268101, "hostname": "web-1.example.com"},
    {"id": 1268102, "hostname": "web-2.example.com", "state": "stopped"},
    {"id": 1268103, "hostname": "db-1.example.com"},
    {"id": 1268104, "hostname": "db-2.example.com", "state": "recovery"},
]
_DEMO_ACTION_SECONDS = 0.3
_DEMO_POLL_SECONDS = 0.05


def run_demo(out: TextIO) -> int:
    """Run the commands a user would against the fake API, printing each with its output."""
    from hostinger_api.testing import FakeHostingerApi

    vm = str(_DEMO_VM)
    fleet_polls = ["--poll-interval", str(_DEMO_POLL_SECONDS)]
    steps = [
        (["snapshot", "create", vm, "--wait"], EXIT_OK),
        (["snapshot", "get", vm], EXIT_OK),
        (["snapshot", "restore", vm, "--wait", "--yes"], EXIT_OK),
        (["action", "list", vm], EXIT_OK),
        (["snapshot", "delete", vm, "--wait", "--yes"], EXIT_OK),
        (["snapshot", "get", vm], EXIT_API_ERROR),  # deleted: 404
        (["vm", "list"], EXIT_OK),
        (["snapshot", "create", "--all", "--wait", *fleet_polls], EXIT_OK),  # one in recovery
        (["snapshot", "create", "--all", "--fresh-within", "1h", "--wait"], EXIT_OK),  # none
        (["snapshot", "restore", "--match", "web-*", "--wait", "--yes", *fleet_polls], EXIT_OK),
    ]
    parser = build_parser()
    with FakeHostingerApi(
        vms=[_DEMO_VM, *_DEMO_FLEET], action_seconds=_DEMO_ACTION_SECONDS
    ) as fake:
        print(
            f"A fake Hostinger API runs on {fake.url}, with virtual machine {vm} "
            f"and {len(_DEMO_FLEET)} more.",
            file=out,
        )
        for argv, expected in steps:
            print(f"\n$ hostinger-api {' '.join(argv)}", file=out, flush=True)
            options = parser.parse_args(["--host", fake.url, *argv])
            code = execute(
                options, fake.configuration(), out=out, err=out, poll_interval=_DEMO_POLL_SECONDS
            )
            print(f"(exit code {code})", file=out)
            if code != expected:
                print(
                    f"The demo failed: 'hostinger-api {' '.join(argv)}' exited {code}, "
                    f"not {expected}",
                    file=sys.stderr,
                )
                return code or EXIT_API_ERROR
    print(
        "\nDone: created, restored and deleted a snapshot through the command line, then "
        "snapshotted the fleet, skipped what was fresh, and restored the web servers.",
        file=out,
    )
    return EXIT_OK
