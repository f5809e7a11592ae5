"""The command line: ``hostinger-api`` and ``python -m hostinger_api``.

``demo`` starts the fake Hostinger API in this process and walks a snapshot through its life
(create, wait, get, restore, wait, delete, wait) with the public client, over real HTTP.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Callable, Optional, TextIO

from hostinger_api._version import __version__
from hostinger_api.api.vps_snapshots_api import VPSSnapshotsApi
from hostinger_api.api_client import ApiClient
from hostinger_api.exceptions import NotFoundException, OpenApiException
from hostinger_api.models.vpsv1_action_action_resource import VPSV1ActionActionResource
from hostinger_api.waiters import wait_for_action

EXIT_OK = 0
EXIT_API_ERROR = 1

_DEMO_VM = 1268054
_DEMO_ACTION_SECONDS = 0.3
_DEMO_POLL_SECONDS = 0.05


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hostinger-api",
        description="Snapshot, restore and delete snapshots of Hostinger VPSes.",
        epilog="Exit codes: 0 done, 1 API or connection error, 2 usage error.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "demo",
        help="walk a snapshot through its life against a built-in fake API",
        description="Start a fake Hostinger API in this process and create, restore and "
        "delete a snapshot through the client, over HTTP. Needs no token and no network.",
    )
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    """Run a command; returns the exit code."""
    options = _parser().parse_args(argv)
    command: Callable[[TextIO], int] = {"demo": run_demo}[options.command]
    return command(sys.stdout)


def run_demo(out: TextIO) -> int:
    """Create, get, restore and delete a snapshot on the fake API, printing each step."""
    from hostinger_api.testing import FakeHostingerApi

    with FakeHostingerApi(vms=[_DEMO_VM], action_seconds=_DEMO_ACTION_SECONDS) as fake:
        print(f"Fake Hostinger API on {fake.url}, virtual machine {_DEMO_VM}", file=out)
        try:
            with ApiClient(fake.configuration()) as api_client:
                _walk_a_snapshot(VPSSnapshotsApi(api_client), api_client, out)
        except OpenApiException as error:
            print(f"The demo failed: {type(error).__name__}: {error}", file=sys.stderr)
            return EXIT_API_ERROR
    return EXIT_OK


def _walk_a_snapshot(snapshots: VPSSnapshotsApi, api_client: ApiClient, out: TextIO) -> None:
    def wait_and_report(step: str, action: VPSV1ActionActionResource) -> None:
        print(f"{step:<34} action {action.id} {action.name}: {action.state}", file=out)
        begun = time.monotonic()
        finished = wait_for_action(
            api_client,
            _DEMO_VM,
            action,
            timeout=30,
            poll_interval=_DEMO_POLL_SECONDS,
            max_poll_interval=_DEMO_POLL_SECONDS,
            on_change=lambda seen: print(f"{'':<34}   ... {seen.state}", file=out),
        )
        print(f"{'':<34} finished in {time.monotonic() - begun:.1f} s: {finished.state}", file=out)

    wait_and_report("1. create_snapshot_v1", snapshots.create_snapshot_v1(_DEMO_VM))
    snapshot = snapshots.get_snapshot_v1(_DEMO_VM)
    print(
        f"{'2. get_snapshot_v1':<34} snapshot {snapshot.id}, taken {snapshot.created_at}, "
        f"expires {snapshot.expires_at}, restores in about {snapshot.restore_time} s",
        file=out,
    )
    wait_and_report("3. restore_snapshot_v1", snapshots.restore_snapshot_v1(_DEMO_VM))
    wait_and_report("4. delete_snapshot_v1", snapshots.delete_snapshot_v1(_DEMO_VM))
    try:
        snapshots.get_snapshot_v1(_DEMO_VM)
    except NotFoundException as gone:
        print(f"{'5. get_snapshot_v1':<34} {gone.status} {gone.message}: it is gone", file=out)
    else:
        raise OpenApiException("The snapshot was still there after it was deleted")
    print("Done: created, restored and deleted a snapshot through the client over HTTP.", file=out)
