"""``snapshot status``: is every VM protected? One command, fit for a monitoring check.

The table (or the ``--json`` document) goes to stdout, a one-line summary to stderr, and with
``--metrics-file`` node_exporter's textfile too. The exit code answers the question, as
``STATUS_EPILOG`` tells the user.
"""

from __future__ import annotations

import argparse
import json

from hostinger_api.cli._args import concurrency, duration, positive_int
from hostinger_api.cli._session import EXIT_API_ERROR, EXIT_OK, Session, UsageError
from hostinger_api.fleet import DEFAULT_CONCURRENCY, duration_text
from hostinger_api.fleet.metrics import check_path, write_status_metrics
from hostinger_api.fleet.status import DEFAULT_EXPIRING_WITHIN, StatusReport, snapshot_status

EXIT_NOT_PROTECTED = 3
"""At least one VM is stale, expiring or missing (and no call failed)."""

STATUS_EPILOG = """\
Read-only: lists the VMs, then GETs each VM's snapshot and its backups (--no-backups: not the
backups), up to --concurrency VMs at once, the whole audit held to --timeout.
Verdicts:
  protected  a snapshot exists, is not older than --max-age, and does not expire within
             --expiring-within
  stale      older than --max-age (exactly --max-age old is still protected)
  expiring   expires within --expiring-within (default 2d; exactly at it counts as within)
  missing    no snapshot, or it has expired
  unknown    a call for the VM failed, or the timeout ran out first
The table goes to stdout, or with --json one document:
  {"rows": [{"vm_id", "hostname", "state", "actions_lock", "running_action", "snapshot_id",
             "created_at", "age_seconds", "expires_at", "expires_in_seconds", "restore_time",
             "newest_backup_created_at", "newest_backup_age_seconds", "verdict", "reason",
             "error"}], "summary": {"protected": N, "stale": N, ...}}
and a one-line summary to stderr. --metrics-file PATH also writes node_exporter's textfile
format, replacing PATH in one step.

exit codes:
  0    every VM is protected (also when no VM matches)
  1    a call failed: at least one VM is unknown (or listing the VMs failed)
  2    usage error
  3    at least one VM is stale, expiring or missing
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``snapshot status``."""
    parser.add_argument(
        "vm_id", metavar="VM_ID", type=positive_int, nargs="*", help="virtual machine ids"
    )
    parser.add_argument(
        "--all", action="store_true", help="every VM of the account (narrowed by --match)"
    )
    parser.add_argument(
        "--match",
        metavar="GLOB",
        action="append",
        help="only VMs whose hostname matches (case-insensitive; repeatable)",
    )
    parser.add_argument(
        "--max-age",
        metavar="DURATION",
        type=duration,
        help="a snapshot older than this is stale: seconds, or 90m, 26h, 2d (default: any age)",
    )
    parser.add_argument(
        "--expiring-within",
        metavar="DURATION",
        type=duration,
        default=DEFAULT_EXPIRING_WITHIN,
        help=f"a snapshot expiring within this is expiring "
        f"(default: {duration_text(DEFAULT_EXPIRING_WITHIN)})",
    )
    parser.add_argument(
        "--no-backups",
        action="store_true",
        help="do not read each VM's backups (one GET per VM fewer)",
    )
    parser.add_argument(
        "--concurrency",
        metavar="N",
        type=concurrency,
        default=DEFAULT_CONCURRENCY,
        help=f"VMs checked at once (default: {DEFAULT_CONCURRENCY})",
    )
    parser.add_argument(
        "--metrics-file",
        metavar="PATH",
        help="also write the verdicts in node_exporter's textfile format (a .prom file)",
    )


def snapshot_status_command(session: Session) -> int:
    """Run the audit, show it, write the metrics file; the exit code is the answer."""
    options = session.options
    if options.all and options.vm_id:
        raise UsageError("give VM ids or --all, not both")
    if not (options.all or options.vm_id or options.match):
        raise UsageError("give one or more VM ids, --all, or --match GLOB")
    if options.metrics_file is not None:
        check_path(options.metrics_file)
    report = snapshot_status(
        session.api_client,
        vms=options.vm_id or None,
        match=options.match or None,
        max_age=options.max_age,
        expiring_within=options.expiring_within,
        backups=not options.no_backups,
        concurrency=options.concurrency,
        timeout=options.timeout,
    )
    if options.json:
        print(json.dumps(report.to_dict(), indent=2), file=session.out)
    elif report.rows:
        print(report.table(), file=session.out)
    session.say(f"hostinger-api: {report.summary_line()}")
    if not report.rows:
        session.say("hostinger-api: no virtual machine matches: nothing was checked")
    if options.metrics_file is not None:
        try:
            write_status_metrics(options.metrics_file, report)
        except (OSError, ValueError) as error:  # the answer is shown; its monitoring copy not
            session.say(f"hostinger-api: error: cannot write {options.metrics_file}: {error}")
            return EXIT_API_ERROR
    return status_exit_code(report)


def status_exit_code(report: StatusReport) -> int:
    """1 when a call failed, else 3 when a VM is not protected, else 0."""
    counts = report.summary
    if counts["unknown"]:
        return EXIT_API_ERROR
    return EXIT_OK if report.ok else EXIT_NOT_PROTECTED
