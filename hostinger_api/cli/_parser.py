"""The argument parser: the global options, every command's arguments, and the help text.

Each command's handler comes from its group's module (``snapshot``, ``action``, ``vm``); the
options of the fleet form come from ``fleet``. ``demo`` has no handler: ``main`` runs it.
"""

from __future__ import annotations

import argparse
from typing import Any, Callable

from hostinger_api._version import __version__
from hostinger_api.cli import action, backup, fleet, snapshot, status, vm
from hostinger_api.cli._args import positive_int, seconds
from hostinger_api.cli._session import Session
from hostinger_api.configuration import TOKEN_ENVIRONMENT_VARIABLE
from hostinger_api.waiters import DEFAULT_TIMEOUT

HELP_EPILOG = f"""\
The token is read from the first of: the file --token-file names, the file
HOSTINGER_API_TOKEN_FILE names, {TOKEN_ENVIRONMENT_VARIABLE}, and systemd's credential
$CREDENTIALS_DIRECTORY/hostinger-api-token; never from an argument. 'config' shows which.

exit codes:
  0    done (with --wait: the action succeeded)
  1    API or connection error
  2    usage error: a bad argument, {TOKEN_ENVIRONMENT_VARIABLE} not set, or a delete or restore
       that was not confirmed (--yes, or an answer on a terminal)
  3    the action ended in state "error"
  4    waiting timed out; the action goes on (resume with: action wait VM_ID ACTION_ID)
  5    another fleet run of this host and token holds the lock; nothing was sent
  130  interrupted; a wait prints the action id, to resume with: action wait VM_ID ACTION_ID
"""


def global_options(suppress: bool) -> argparse.ArgumentParser:
    """The options every command takes, before or after its name.

    After the name (``suppress``) they have no default, so they leave alone what was given
    before it.
    """
    options = argparse.ArgumentParser(add_help=False)
    default: Callable[[Any], Any] = (lambda _: argparse.SUPPRESS) if suppress else (lambda v: v)
    options.add_argument(
        "--host",
        metavar="URL",
        default=default(None),
        help="the API's base URL (default: https://developers.hostinger.com)",
    )
    options.add_argument(
        "--token-file",
        metavar="PATH",
        default=default(None),
        help="read the API token from this file (one line; wins over the environment)",
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
        type=seconds,
        default=default(DEFAULT_TIMEOUT),
        help=f"how long --wait and 'action wait' wait (default: {DEFAULT_TIMEOUT:g})",
    )
    return options


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, ``hostinger-api`` as ``--help`` shows it."""
    common = global_options(suppress=True)
    parser = argparse.ArgumentParser(
        prog="hostinger-api",
        description="Snapshot, restore and delete snapshots of Hostinger VPSes, and wait for "
        "the actions those start.",
        epilog=HELP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[global_options(suppress=False)],
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
            epilog=HELP_EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        leaf.set_defaults(handler=handler)
        if takes_vm:
            leaf.add_argument(
                "vm_id", metavar="VM_ID", type=positive_int, help="virtual machine id"
            )
        return leaf

    snapshots = groups.add_parser(
        "snapshot", help="get, create, delete or restore a snapshot"
    ).add_subparsers(dest="command", required=True, metavar="COMMAND")
    command(snapshots, "get", snapshot.snapshot_get, "show the VM's snapshot")
    for name, handler, summary, destroys in [
        (
            "create",
            snapshot.snapshot_create,
            "take a snapshot (overwrites the existing one)",
            False,
        ),
        ("delete", snapshot.snapshot_delete, "delete the VM's snapshot", True),
        ("restore", snapshot.snapshot_restore, "restore the VM from its snapshot", True),
    ]:
        leaf = command(snapshots, name, handler, summary, takes_vm=False)
        leaf.epilog = fleet.FLEET_EPILOG + "\n" + HELP_EPILOG
        leaf.add_argument(  # one id: as it always was; more, --all or --match: the fleet form
            "vm_id", metavar="VM_ID", type=positive_int, nargs="*", help="virtual machine ids"
        )
        leaf.add_argument("--wait", action="store_true", help="wait for the action to finish")
        if destroys:
            leaf.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        fleet.add_arguments(leaf, name)
    leaf = command(
        snapshots,
        "status",
        status.snapshot_status_command,
        "is every VM protected? each VM's snapshot age, expiry and newest backup",
        takes_vm=False,
    )
    leaf.epilog = status.STATUS_EPILOG
    status.add_arguments(leaf)

    actions = groups.add_parser("action", help="get, list or wait for actions").add_subparsers(
        dest="command", required=True, metavar="COMMAND"
    )
    for name, handler, summary in [
        ("get", action.action_get, "show one action"),
        ("wait", action.action_wait, "wait for an action to finish"),
    ]:
        leaf = command(actions, name, handler, summary)
        leaf.add_argument("action_id", metavar="ACTION_ID", type=positive_int, help="action id")
    leaf = command(actions, "list", action.action_list, "list the VM's actions, newest first")
    leaf.add_argument("--page", metavar="N", type=positive_int, help="the page (default: 1)")

    backups = groups.add_parser(
        "backup", help="list the VM's backups, or restore one"
    ).add_subparsers(dest="command", required=True, metavar="COMMAND")
    command(backups, "list", backup.backup_list, "list every backup of the VM, newest first")
    leaf = command(
        backups,
        "restore",
        backup.backup_restore,
        "restore the VM from a backup (overwrites all its data, deletes its snapshot)",
    )
    leaf.add_argument("backup_id", metavar="BACKUP_ID", type=positive_int, help="backup id")
    leaf.add_argument("--wait", action="store_true", help="wait for the action to finish")
    leaf.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    vms = groups.add_parser(
        "vm", help="list the account's virtual machines, or show one"
    ).add_subparsers(dest="command", required=True, metavar="COMMAND")
    command(vms, "list", vm.vm_list, "list every virtual machine of the account", takes_vm=False)
    command(vms, "get", vm.vm_get, "show one virtual machine")

    config_command = groups.add_parser(
        "config",
        parents=[common],
        help="show the host, token source, proxy, CA bundle, state folder and timeouts in use",
        description="Show what the other commands would run with, and where each setting came "
        "from. Sends nothing; the token itself is never shown.",
    )
    config_command.set_defaults(handler=None)

    demo = groups.add_parser(
        "demo",
        help="run the commands against a built-in fake API",
        description="Start a fake Hostinger API in this process and run create, get, restore, "
        "list and delete against it, over HTTP. Needs no token and no network.",
    )
    demo.set_defaults(handler=None)
    return parser
