"""The command line: ``hostinger-api`` and ``python -m hostinger_api``.

Every command goes through ``execute``: one client, one place that turns outcomes into exit
codes. Results go to stdout (a short table, or one JSON document with ``--json``); progress,
questions and errors go to stderr, so stdout can be piped. ``demo`` runs the same commands
against the fake API started in this process.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional, TextIO

from pydantic import BaseModel

from hostinger_api import _fleet_cli
from hostinger_api._version import __version__
from hostinger_api.api.vps_actions_api import VPSActionsApi
from hostinger_api.api.vps_snapshots_api import VPSSnapshotsApi
from hostinger_api.api.vps_virtual_machine_api import VPSVirtualMachineApi
from hostinger_api.api_client import ApiClient
from hostinger_api.configuration import TOKEN_ENVIRONMENT_VARIABLE, Configuration
from hostinger_api.exceptions import (
    ActionFailedError,
    ActionTimeoutError,
    ApiException,
    ApiTypeError,
    ApiValueError,
    OpenApiException,
)
from hostinger_api.models.vpsv1_action_action_resource import VPSV1ActionActionResource
from hostinger_api.models.vpsv1_action_list_response import VPSV1ActionListResponse
from hostinger_api.models.vpsv1_virtual_machine_virtual_machine_resource import (
    VPSV1VirtualMachineVirtualMachineResource,
)
from hostinger_api.waiters import DEFAULT_POLL_INTERVAL, DEFAULT_TIMEOUT, poll_action

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_ACTION_FAILED = 3
EXIT_WAIT_TIMED_OUT = 4
EXIT_INTERRUPTED = 130

_HELP_EPILOG = f"""\
The token is read from {TOKEN_ENVIRONMENT_VARIABLE} in the environment, never from an argument.

exit codes:
  0    done (with --wait: the action succeeded)
  1    API or connection error
  2    usage error: a bad argument, {TOKEN_ENVIRONMENT_VARIABLE} not set, or a delete or restore
       that was not confirmed (--yes, or an answer on a terminal)
  3    the action ended in state "error"
  4    waiting timed out; the action goes on (resume with: action wait VM_ID ACTION_ID)
  130  interrupted; a wait prints the action id, to resume with: action wait VM_ID ACTION_ID
"""

_DEMO_VM = 1268054
_DEMO_FLEET = [
    {"id": 1268101, "hostname": "web-1.example.com"},
    {"id": 1268102, "hostname": "web-2.example.com", "state": "stopped"},
    {"id": 1268103, "hostname": "db-1.example.com"},
    {"id": 1268104, "hostname": "db-2.example.com", "state": "recovery"},
]
_DEMO_ACTION_SECONDS = 0.3
_DEMO_POLL_SECONDS = 0.05


class UsageError(Exception):
    """The command cannot run as given: exit code 2, and nothing was sent."""


@dataclass
class Session:
    """What a command runs with: its options, a client, and where its words go."""

    options: argparse.Namespace
    api_client: ApiClient
    out: TextIO
    err: TextIO
    stdin: TextIO
    poll_interval: float = DEFAULT_POLL_INTERVAL

    @property
    def vm(self) -> int:
        vm_id = self.options.vm_id
        return int(vm_id[0] if isinstance(vm_id, list) else vm_id)  # the snapshot commands' list

    def show(self, model: BaseModel) -> None:
        """Print a result: one JSON document with ``--json``, a short table otherwise."""
        if self.options.json:
            print(json.dumps(_document(model), indent=2), file=self.out)
        elif isinstance(model, VPSV1ActionListResponse):
            print(_actions_table(model), file=self.out)
        elif isinstance(model, VPSV1VirtualMachineVirtualMachineResource):
            print(_vm_table(model), file=self.out)
        else:
            print(_fields_table(model), file=self.out)

    def say(self, message: str) -> None:
        print(message, file=self.err, flush=True)


# -- the commands --------------------------------------------------------------------------------


def snapshot_get(session: Session) -> int:
    session.show(VPSSnapshotsApi(session.api_client).get_snapshot_v1(session.vm))
    return EXIT_OK


def snapshot_create(session: Session) -> int:
    if _fleet_cli.is_fleet(session.options):
        return _fleet(session, "create")
    return _started(session, VPSSnapshotsApi(session.api_client).create_snapshot_v1(session.vm))


def snapshot_delete(session: Session) -> int:
    if _fleet_cli.is_fleet(session.options):
        return _fleet(session, "delete")
    _confirm(session, f"Delete the snapshot of virtual machine {session.vm}? It cannot be undone.")
    return _started(session, VPSSnapshotsApi(session.api_client).delete_snapshot_v1(session.vm))


def snapshot_restore(session: Session) -> int:
    if _fleet_cli.is_fleet(session.options):
        return _fleet(session, "restore")
    _confirm(
        session,
        f"Restore virtual machine {session.vm} from its snapshot? "
        "Everything written to it since the snapshot is lost.",
    )
    return _started(session, VPSSnapshotsApi(session.api_client).restore_snapshot_v1(session.vm))


def action_get(session: Session) -> int:
    actions = VPSActionsApi(session.api_client)
    session.show(actions.get_action_details_v1(session.vm, session.options.action_id))
    return EXIT_OK


def action_list(session: Session) -> int:
    actions = VPSActionsApi(session.api_client)
    session.show(actions.get_actions_v1(session.vm, page=session.options.page))
    return EXIT_OK


def action_wait(session: Session) -> int:
    return _wait(session, session.options.action_id)


def vm_list(session: Session) -> int:
    machines = VPSVirtualMachineApi(session.api_client).get_virtual_machines_v1()
    if session.options.json:
        print(json.dumps([_document(vm) for vm in machines], indent=2), file=session.out)
    else:
        print(_vms_table(machines), file=session.out)
    return EXIT_OK


def vm_get(session: Session) -> int:
    session.show(
        VPSVirtualMachineApi(session.api_client).get_virtual_machine_details_v1(session.vm)
    )
    return EXIT_OK


def _started(session: Session, action: VPSV1ActionActionResource) -> int:
    """An action was started: show it, or wait for it with ``--wait``."""
    if not session.options.wait:
        session.show(action)
        return EXIT_OK
    if action.id is None:
        raise OpenApiException("The service started an action but sent no id to wait for")
    return _wait(session, action.id)


def _wait(session: Session, action_id: int) -> int:
    """Wait for the action, showing progress; the exit code says how it ended."""
    progress = Progress(session.err)
    resume = f"Resume the wait with: hostinger-api action wait {session.vm} {action_id}"
    try:
        for seen in poll_action(
            session.api_client,
            session.vm,
            action_id,
            timeout=session.options.timeout,
            poll_interval=session.poll_interval,
        ):
            progress.update(seen)
    except (ActionFailedError, ActionTimeoutError) as ended:
        progress.end()
        if ended.action is not None:
            session.show(ended.action)
        if isinstance(ended, ActionFailedError):
            session.say(f"hostinger-api: {ended}")
            return EXIT_ACTION_FAILED
        session.say(f"hostinger-api: {ended}. The action goes on. {resume}")
        return EXIT_WAIT_TIMED_OUT
    except ApiException as error:
        progress.end()
        session.say(f"hostinger-api: {type(error).__name__}: {str(error).rstrip()}\n{resume}")
        return EXIT_API_ERROR
    except KeyboardInterrupt:
        progress.end()
        session.say(f"hostinger-api: interrupted; action {action_id} goes on. {resume}")
        return EXIT_INTERRUPTED
    progress.end()
    session.show(seen)
    return EXIT_OK


def _fleet(session: Session, operation: str) -> int:
    """Many VMs in one job (``_fleet_cli``); the exit code says the worst that happened."""
    confirmed = operation == "create" or session.options.yes
    report = _fleet_cli.run(
        operation,
        session.options,
        session.api_client,
        out=session.out,
        err=session.err,
        stdin=session.stdin,
        ask=None if confirmed else lambda question: _confirm(session, question),
    )
    counts = report.summary
    if report.interrupted:
        return EXIT_INTERRUPTED
    if counts["error"] or counts["unknown"]:
        return EXIT_API_ERROR
    if counts["failed"]:
        return EXIT_ACTION_FAILED
    return EXIT_WAIT_TIMED_OUT if counts["timed_out"] else EXIT_OK


def _confirm(session: Session, question: str) -> None:
    """Go on only with ``--yes`` or a "y" typed at a terminal; refuse otherwise."""
    if session.options.yes:
        return
    if not session.stdin.isatty():
        raise UsageError(f"{question.split('?')[0]}? Refusing without --yes: no terminal to ask.")
    session.err.write(f"{question} [y/N] ")
    session.err.flush()
    if session.stdin.readline().strip().lower() not in ("y", "yes"):
        raise UsageError("Not confirmed: nothing was done.")


class Progress:
    """The state of a waited-for action and the time so far, on stderr.

    On a terminal one line is redrawn at every poll; otherwise a line is written per change of
    state, which reads well in a CI log.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._redraw = stream.isatty()
        self._started = time.monotonic()
        self._last_state: object = None
        self._drawn = False

    def update(self, action: VPSV1ActionActionResource) -> None:
        line = (
            f"action {action.id} {action.name}: {action.state} "
            f"({time.monotonic() - self._started:.1f} s)"
        )
        if self._redraw:
            self._stream.write(f"\r\x1b[K{line}")
            self._drawn = True
        elif action.state != self._last_state:
            self._stream.write(f"{line}\n")
        self._last_state = action.state
        self._stream.flush()

    def end(self) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False


# -- tables --------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return "-"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _document(model: BaseModel) -> Any:
    """A model as ``--json`` prints it: the fields the service sent, unknown ones included."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def _fields_table(model: BaseModel) -> str:
    return _pairs_table([(name, _text(value)) for name, value in model])


def _pairs_table(pairs: list[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in pairs)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in pairs)


def _columns_table(columns: tuple[str, ...], cells: list[tuple[str, ...]]) -> list[str]:
    """Lines of a table with a header row, each column as wide as its widest cell."""
    rows = [columns, *cells]
    widths = [max(len(row[index]) for row in rows) for index in range(len(columns))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows
    ]


def _actions_table(page: VPSV1ActionListResponse) -> str:
    columns = ("id", "name", "state", "created_at", "updated_at")
    lines = _columns_table(
        columns,
        [tuple(_text(getattr(action, column)) for column in columns) for action in page.data or []],
    )
    meta = page.meta
    if meta is not None and meta.total is not None and meta.per_page:
        pages = max(1, math.ceil(meta.total / meta.per_page))
        noun = "action" if meta.total == 1 else "actions"
        lines.append(f"page {meta.current_page} of {pages}, {meta.total} {noun} in all")
    return "\n".join(lines)


def _vms_table(machines: list[VPSV1VirtualMachineVirtualMachineResource]) -> str:
    lines = _columns_table(
        ("id", "hostname", "state", "plan", "ipv4"),
        [
            tuple(
                _text(value) for value in (vm.id, vm.hostname, vm.state, vm.plan, vm.first_ipv4())
            )
            for vm in machines
        ],
    )
    noun = "virtual machine" if len(machines) == 1 else "virtual machines"
    lines.append(f"{len(machines)} {noun}")
    return "\n".join(lines)


def _vm_table(vm: VPSV1VirtualMachineVirtualMachineResource) -> str:
    """The VM's fields, its addresses and template by name: ``--json`` has every detail."""
    pairs = []
    for name, value in vm:
        if name in ("ipv4", "ipv6") and value:
            text = ", ".join(_text(address.address) for address in value)
        elif name == "template" and value is not None:
            text = _text(value.name)
        else:
            text = _text(value)
        pairs.append((name, text))
    return _pairs_table(pairs)


# -- arguments -----------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, not {text}")
    return value


def _global_options(suppress: bool) -> argparse.ArgumentParser:
    """The options every command takes, before or after its name."""
    options = argparse.ArgumentParser(add_help=False)
    default: Callable[[Any], Any] = (lambda _: argparse.SUPPRESS) if suppress else (lambda v: v)
    options.add_argument(
        "--host",
        metavar="URL",
        default=default(None),
        help="the API's base URL (default: https://developers.hostinger.com)",
    )
    options.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="print one JSON document on stdout, and nothing else there",
    )
    options.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_seconds,
        default=default(DEFAULT_TIMEOUT),
        help=f"how long --wait and 'action wait' wait (default: {DEFAULT_TIMEOUT:g})",
    )
    return options


def _parser() -> argparse.ArgumentParser:
    common = _global_options(suppress=True)
    parser = argparse.ArgumentParser(
        prog="hostinger-api",
        description="Snapshot, restore and delete snapshots of Hostinger VPSes, and wait for "
        "the actions those start.",
        epilog=_HELP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_global_options(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    groups = parser.add_subparsers(dest="group", required=True, metavar="COMMAND")

    def command(
        group: Any,
        name: str,
        handler: Callable[[Session], int],
        summary: str,
        takes_vm: bool = True,
    ) -> argparse.ArgumentParser:
        leaf: argparse.ArgumentParser = group.add_parser(
            name,
            help=summary,
            description=summary,
            parents=[common],
            epilog=_HELP_EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        leaf.set_defaults(handler=handler)
        if takes_vm:
            leaf.add_argument(
                "vm_id", metavar="VM_ID", type=_positive_int, help="virtual machine id"
            )
        return leaf

    snapshot = groups.add_parser("snapshot", help="get, create, delete or restore a snapshot")
    snapshots = snapshot.add_subparsers(dest="command", required=True, metavar="COMMAND")
    command(snapshots, "get", snapshot_get, "show the VM's snapshot")
    for name, handler, summary, destroys in [
        ("create", snapshot_create, "take a snapshot (overwrites the existing one)", False),
        ("delete", snapshot_delete, "delete the VM's snapshot", True),
        ("restore", snapshot_restore, "restore the VM from its snapshot", True),
    ]:
        leaf = command(snapshots, name, handler, summary, takes_vm=False)
        leaf.epilog = _fleet_cli.FLEET_EPILOG + "\n" + _HELP_EPILOG
        leaf.add_argument(  # one id: as it always was; more, --all or --match: _fleet_cli
            "vm_id", metavar="VM_ID", type=_positive_int, nargs="*", help="virtual machine ids"
        )
        leaf.add_argument("--wait", action="store_true", help="wait for the action to finish")
        if destroys:
            leaf.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        _fleet_cli.add_arguments(leaf, name)

    action = groups.add_parser("action", help="get, list or wait for actions")
    actions = action.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, handler, summary in [
        ("get", action_get, "show one action"),
        ("wait", action_wait, "wait for an action to finish"),
    ]:
        leaf = command(actions, name, handler, summary)
        leaf.add_argument("action_id", metavar="ACTION_ID", type=_positive_int, help="action id")
    leaf = command(actions, "list", action_list, "list the VM's actions, newest first")
    leaf.add_argument("--page", metavar="N", type=_positive_int, help="the page (default: 1)")

    vm = groups.add_parser("vm", help="list the account's virtual machines, or show one")
    vms = vm.add_subparsers(dest="command", required=True, metavar="COMMAND")
    command(vms, "list", vm_list, "list every virtual machine of the account", takes_vm=False)
    command(vms, "get", vm_get, "show one virtual machine")

    demo = groups.add_parser(
        "demo",
        help="run the commands against a built-in fake API",
        description="Start a fake Hostinger API in this process and run create, get, restore, "
        "list and delete against it, over HTTP. Needs no token and no network.",
    )
    demo.set_defaults(handler=None)
    return parser


# -- running -------------------------------------------------------------------------------------


def main(argv: Optional[list[str]] = None) -> int:
    """Run a command; returns the exit code.

    Besides the token, the environment may give proxies (``HTTPS_PROXY``, ``NO_PROXY``...) and
    a CA bundle (``SSL_CERT_FILE``, ``REQUESTS_CA_BUNDLE``): see ``hostinger_api.environment``.
    """
    options = _parser().parse_args(argv)
    if options.group == "demo":
        return run_demo(sys.stdout)
    token = os.environ.get(TOKEN_ENVIRONMENT_VARIABLE, "").strip()
    if not token:
        print(
            f"hostinger-api: error: {TOKEN_ENVIRONMENT_VARIABLE} is not set: "
            "export the API token Hostinger's control panel issued",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:  # proxies and a CA bundle from the environment, as curl and requests take them
        configuration = Configuration.from_environment(host=options.host, access_token=token)
    except ApiValueError as error:
        print(f"hostinger-api: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return execute(options, configuration, out=sys.stdout, err=sys.stderr)


def execute(
    options: argparse.Namespace,
    configuration: Configuration,
    *,
    out: TextIO,
    err: TextIO,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
) -> int:
    """Run one parsed command with this configuration; every outcome becomes an exit code."""
    try:
        with ApiClient(configuration) as api_client:
            session = Session(options, api_client, out, err, sys.stdin, poll_interval)
            code: int = options.handler(session)
            return code
    except (UsageError, ApiTypeError, ApiValueError) as error:
        print(f"hostinger-api: error: {error}", file=err)
        return EXIT_USAGE
    except OpenApiException as error:
        print(f"hostinger-api: {type(error).__name__}: {str(error).rstrip()}", file=err)
        return EXIT_API_ERROR
    except KeyboardInterrupt:
        print("hostinger-api: interrupted", file=err)
        return EXIT_INTERRUPTED


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
    parser = _parser()
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
