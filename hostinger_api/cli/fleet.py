"""The fleet form of ``snapshot create|restore|delete``: many VMs in one job.

``snapshot`` sends a command here when it names more than one VM; this module adds the options,
runs the job and shows it: a live status line on a terminal (a line per VM otherwise) on stderr,
then the table (or the JSON document) on stdout and the summary on stderr. The exit code is the
worst outcome's, as ``FLEET_EPILOG`` tells the user.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, Callable, Optional, TextIO, TypeVar

from hostinger_api.api_client import ApiClient
from hostinger_api.cli._args import concurrency, duration, interval, seconds
from hostinger_api.cli._output import StatusLine, columns_table
from hostinger_api.cli._session import (
    EXIT_ACTION_FAILED,
    EXIT_API_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_WAIT_TIMED_OUT,
)
from hostinger_api.exceptions import ApiValueError, OpenApiException
from hostinger_api.fleet import (
    DEFAULT_CONCURRENCY,
    FIRST_POLL_SECONDS,
    FleetInterrupted,
    FleetProgress,
    FleetReport,
    Outcome,
    VmResult,
    create_snapshots,
    delete_snapshots,
    restore_snapshots,
    select_vms,
)
from hostinger_api.fleet.metrics import JobMetricsFile, check_path
from hostinger_api.state import fleet_lock

_T = TypeVar("_T", int, float)
_DONE = (Outcome.SUCCEEDED, Outcome.STARTED, Outcome.PLANNED)
_FAILED = (Outcome.FAILED, Outcome.ERROR, Outcome.UNKNOWN, Outcome.TIMED_OUT)
_QUESTIONS = {
    "restore": "Restore these {count} from their snapshots? Everything written to them since "
    "is lost.",
    "delete": "Delete the snapshots of these {count}? It cannot be undone.",
}

FLEET_EPILOG = """\
many VMs (more than one VM_ID, --all, --match, or any of --fresh-within, --concurrency,
--wait-for-lock, --poll-interval, --metrics-file, --dry-run, even with one VM_ID):
  One job over the VMs: up to --concurrency at once, each VM's request sent once, the whole job
  held to --timeout. Progress goes to stderr (one live line on a terminal, a line per VM
  otherwise); a table goes to stdout, or with --json one document:
    {"results": [{"vm_id", "hostname", "outcome", "reason", "action"}], "summary": {...}}
  Outcomes: succeeded, failed, timed_out, error, skipped, started, unknown, interrupted,
  planned (--dry-run: every check made, nothing sent; a locked VM is skipped, not waited for).
  Exit code: 1 if any error or unknown, else 3 if any failed, else 4 if any timed_out, else 0;
  130 when interrupted, whatever else happened. restore and delete list the VMs and ask once
  on a terminal, then act on exactly the VMs listed; without a terminal they need --yes. A dry
  run asks nothing, takes no lock and writes no metrics file.
  One run at a time per host and token: a run that finds another holding the lock exits 5 at
  once, having sent nothing (--wait-for-lock SECONDS: waits up to that long first).
"""


def add_arguments(parser: argparse.ArgumentParser, operation: str) -> None:
    """The fleet options of ``snapshot <operation>``."""
    parser.add_argument(
        "--all", action="store_true", help="every VM of the account (narrowed by --match)"
    )
    parser.add_argument(
        "--match",
        metavar="GLOB",
        action="append",
        help="only VMs whose hostname matches (case-insensitive; repeatable); "
        "alone: every VM that matches",
    )
    if operation == "create":
        parser.add_argument(
            "--fresh-within",
            metavar="DURATION",
            type=duration,
            help="skip a VM whose snapshot is younger than this: seconds, or 90m, 20h, 2d",
        )
    parser.add_argument(
        "--concurrency",
        metavar="N",
        type=concurrency,
        help=f"VMs worked on at once (default: {DEFAULT_CONCURRENCY})",
    )
    parser.add_argument(
        "--wait-for-lock",
        metavar="SECONDS",
        type=seconds,
        help="when another run of this host and token holds the lock, wait up to this long for "
        "it (default: exit 5 at once)",
    )
    parser.add_argument(
        "--poll-interval",
        metavar="SECONDS",
        type=interval,
        help=f"seconds before the first poll of an action (default: {FIRST_POLL_SECONDS:g}; "
        "the wait grows by half each poll, to 15)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="make every check (lock, state, snapshot) and print the plan: nothing is sent",
    )
    parser.add_argument(
        "--metrics-file",
        metavar="PATH",
        help="write the job's outcome in node_exporter's textfile format (a .prom file)",
    )


_FLEET_ONLY = ("fresh_within", "concurrency", "wait_for_lock", "poll_interval", "metrics_file")
"""Options only the fleet form reads (None when not given): any of them makes it the fleet form,
so that none is silently dropped by the one-VM form."""


def is_fleet(options: argparse.Namespace) -> bool:
    """Whether the command is the fleet form: many VMs, or one VM id with a fleet-only option
    or ``--dry-run``; one VM id alone keeps the one-VM form."""
    return (
        len(options.vm_id) != 1
        or options.all
        or bool(options.match)
        or getattr(options, "dry_run", False)
        or any(getattr(options, name, None) is not None for name in _FLEET_ONLY)
    )


def run(
    operation: str,
    options: argparse.Namespace,
    api_client: ApiClient,
    *,
    out: TextIO,
    err: TextIO,
    stdin: TextIO,
    ask: Optional[Callable[[str], None]],
) -> FleetReport:
    """Run the job and show it. ``ask`` (None: confirmed already) asks on a terminal and
    refuses by raising; the VMs are listed first, so the answer is about them. The whole run,
    listing included, holds the fleet lock: ``FleetLockHeld`` when another run has it."""
    selection = _selection(operation, options)
    if options.dry_run:  # nothing is changed: no lock to hold
        return _run(
            operation, options, api_client, selection, out=out, err=err, stdin=stdin, ask=None
        )
    with fleet_lock(api_client, operation=f"snapshot {operation}", wait=options.wait_for_lock):
        return _run(
            operation, options, api_client, selection, out=out, err=err, stdin=stdin, ask=ask
        )


def _run(
    operation: str,
    options: argparse.Namespace,
    api_client: ApiClient,
    selection: dict[str, Any],
    *,
    out: TextIO,
    err: TextIO,
    stdin: TextIO,
    ask: Optional[Callable[[str], None]],
) -> FleetReport:
    if ask is not None:
        targets = select_vms(api_client, **selection) if stdin.isatty() else None
        if targets is not None:
            if not targets:
                err.write("No virtual machine matches: nothing to do.\n")
                return FleetReport(operation, [], 0.0)
            err.write(_listing(targets))
        count = "virtual machines" if targets is None else _vms(len(targets))
        ask(_QUESTIONS[operation].format(count=count))
        if targets is not None:  # what was confirmed is what runs: not listed again
            selection = {"vms": targets, "match": None}
    metrics = options.metrics_file and JobMetricsFile(options.metrics_file, operation)
    if options.dry_run:
        metrics = None  # a plan is not a run: its metrics would say that one happened
    status = _Status(operation, err)
    function: Callable[..., FleetReport] = {
        "create": create_snapshots,
        "restore": restore_snapshots,
        "delete": delete_snapshots,
    }[operation]
    extra: dict[str, Any] = {}
    if operation == "create":
        extra["fresh_within"] = options.fresh_within
    try:
        report = function(
            api_client,
            **selection,
            concurrency=_given(options.concurrency, DEFAULT_CONCURRENCY),
            wait=options.wait,
            timeout=options.timeout,
            on_progress=status.update,
            poll_interval=_given(options.poll_interval, FIRST_POLL_SECONDS),
            lock=False,  # held above
            dry_run=options.dry_run,
            **extra,
        )
    except FleetInterrupted as stopped:
        report = stopped.report
    except OpenApiException:
        if metrics is not None:  # listing the VMs failed: a failed run
            metrics.write(None, err)
        raise
    if metrics is not None:
        metrics.write(report, err)
    status.end()
    if options.json:
        print(json.dumps(report.to_dict(), indent=2), file=out)
    elif report.results:
        print(table(report), file=out)
    err.write(summary(report) + "\n")
    err.flush()
    return report


def exit_code(report: FleetReport) -> int:
    """The worst that happened, as ``FLEET_EPILOG`` tells it."""
    counts = report.summary
    if report.interrupted:
        return EXIT_INTERRUPTED
    if counts["error"] or counts["unknown"]:
        return EXIT_API_ERROR
    if counts["failed"]:
        return EXIT_ACTION_FAILED
    return EXIT_WAIT_TIMED_OUT if counts["timed_out"] else EXIT_OK


def _selection(operation: str, options: argparse.Namespace) -> dict[str, Any]:
    """``vms`` and ``match`` for the job, from the ids, ``--all`` and ``--match``."""
    if options.metrics_file is not None:
        check_path(options.metrics_file)  # before anything is sent
    if options.all and options.vm_id:
        raise ApiValueError("give VM ids or --all, not both")
    if not (options.all or options.vm_id or options.match):
        raise ApiValueError("give one or more VM ids, --all, or --match GLOB")
    match = options.match or None
    if options.all and match is None and operation != "create":
        match = ["*"]  # the Python function asks for it in so many words
    return {"vms": options.vm_id or None, "match": match}


def _given(value: Optional[_T], default: _T) -> _T:
    """An option's value; its default when not given (None: left so, to tell the forms apart)."""
    return default if value is None else value


def _vms(count: int) -> str:
    return f"{count} virtual machine{'' if count == 1 else 's'}"


def _listing(targets: list[Any]) -> str:
    rows = [(str(vm.id), vm.hostname or "-", vm.state or "-") for vm in targets]
    return "\n".join(columns_table(("VM_ID", "HOSTNAME", "STATE"), rows)) + "\n"


def _action(result: VmResult) -> str:
    action = result.action
    if action is None:
        return "-"
    return f"{action.id} {action.state or '-'}"


def table(report: FleetReport) -> str:
    """A row per VM: its id, hostname, outcome, action (id and state) and reason."""
    rows = [
        (str(r.vm_id), r.hostname or "-", r.outcome.value, _action(r), r.reason or "")
        for r in report.results
    ]
    return "\n".join(columns_table(("VM_ID", "HOSTNAME", "OUTCOME", "ACTION", "REASON"), rows))


def summary(report: FleetReport) -> str:
    """One line: the counts of the outcomes that happened, and the time it took."""
    counts = ", ".join(f"{count} {name}" for name, count in report.summary.items() if count)
    line = (
        f"hostinger-api: snapshot {report.operation}: {counts or 'no virtual machines'} "
        f"({_vms(len(report.results))} in {report.elapsed:.1f} s)"
    )
    if report.interrupted:
        line += "; interrupted: the actions in flight go on at Hostinger"
    return line


def vm_line(result: VmResult) -> str:
    """One VM's end, for logs: ``vm 12 (web-12): succeeded, action 34 (create_snapshot)``."""
    line = f"vm {result.vm_id} ({result.hostname or '-'}): {result.outcome.value}"
    if result.action is not None:
        line += f", action {result.action.id} ({result.action.name})"
    if result.reason:
        line += f": {result.reason}"
    return line


class _Status(StatusLine):
    """The job's counts redrawn on a terminal; a line per VM as it ends otherwise."""

    def __init__(self, operation: str, stream: TextIO) -> None:
        super().__init__(stream)
        self._operation = operation

    def update(self, progress: FleetProgress) -> None:
        if self.redraw:
            counts = progress.summary
            self.draw(
                f"snapshot {self._operation}: {sum(counts[o.value] for o in _DONE)} done, "
                f"{sum(counts[o.value] for o in _FAILED)} failed, "
                f"{counts[Outcome.SKIPPED.value]} skipped, {progress.in_flight} in flight, "
                f"{progress.left} left, {progress.elapsed:.0f} s"
            )
        elif progress.result is not None:
            self.write(vm_line(progress.result))
