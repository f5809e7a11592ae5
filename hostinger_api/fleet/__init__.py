"""One snapshot operation across many VMs: the nightly job, and the restore after a bad rollout.

    report = hostinger_api.create_snapshots(api_client, fresh_within=timedelta(hours=20))
    report.summary        # {"succeeded": 48, "skipped": 2, "failed": 0, ...}

Up to ``concurrency`` VMs are worked on at once, in worker threads that share the client (and so
its rate limit); the whole job holds to ``timeout``, its requests included. A VM's request is
never sent twice in one run: when its answer is lost, the VM's newest actions tell whether it
was performed, and a VM that cannot be told is reported ``unknown``. After a 401 no more VMs
are started. ``dry_run=True`` makes every check and sends nothing: the plan.

Ctrl-C stops starting VMs and raises ``FleetInterrupted`` (a ``KeyboardInterrupt``) carrying the
report: the VMs in flight are in it as ``interrupted``, with their action, which goes on at
Hostinger.

The package: ``report`` holds what the caller is given (outcomes, results, the report, its
progress), ``_select`` the checks of the arguments and the choice of VMs, ``_job`` the worker
pool and Ctrl-C, ``_vm`` one VM's steps, ``_lookup`` the reading of lost answers and 404s,
``_shared`` the operation and the settings the workers share.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Optional

from hostinger_api.api_client import ApiClient
from hostinger_api.fleet._job import (
    CLOCK_SLACK,
    CREATE,
    DEFAULT_TIMEOUT,
    DELETE,
    FIRST_POLL_SECONDS,
    INTERRUPT_GRACE,
    LOOKUP_SECONDS,
    RESTORE,
    Job,
)
from hostinger_api.fleet._select import (
    DEFAULT_CONCURRENCY,
    MAX_CONCURRENCY,
    Match,
    Vm,
    VmIds,
    select_vms,
)
from hostinger_api.fleet.report import (
    Action,
    FleetInterrupted,
    FleetProgress,
    FleetReport,
    OnProgress,
    Outcome,
    VmResult,
    duration_text,
)
from hostinger_api.fleet.status import StatusReport, StatusRow, Verdict, snapshot_status
from hostinger_api.state import fleet_lock
from hostinger_api.waiters import DEFAULT_MAX_POLL_INTERVAL

__all__ = [
    "CLOCK_SLACK",
    "DEFAULT_CONCURRENCY",
    "DEFAULT_MAX_POLL_INTERVAL",
    "DEFAULT_TIMEOUT",
    "FIRST_POLL_SECONDS",
    "INTERRUPT_GRACE",
    "LOOKUP_SECONDS",
    "MAX_CONCURRENCY",
    "Action",
    "FleetInterrupted",
    "FleetProgress",
    "FleetReport",
    "Match",
    "OnProgress",
    "Outcome",
    "StatusReport",
    "StatusRow",
    "Verdict",
    "Vm",
    "VmIds",
    "VmResult",
    "create_snapshots",
    "delete_snapshots",
    "duration_text",
    "restore_snapshots",
    "select_vms",
    "snapshot_status",
]


def create_snapshots(
    client: ApiClient,
    *,
    vms: VmIds = None,
    match: Match = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    wait: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    on_progress: Optional[OnProgress] = None,
    fresh_within: Optional[timedelta] = None,
    poll_interval: float = FIRST_POLL_SECONDS,
    max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
    lock: bool = True,
    dry_run: bool = False,
) -> FleetReport:
    """Snapshot many VMs (each new snapshot overwrites the VM's existing one).

    :param vms: VM ids, in the order the report lists them; None: every VM of the account.
        VMs as ``select_vms`` lists them are taken too: the job acts on exactly those, and
        does not list the account again (what was shown and confirmed is what runs).
    :param match: hostname globs (``"web-*"``, case-insensitive): only VMs matching one of them.
    :param concurrency: VMs worked on at once, 1 to 64.
    :param wait: wait for each action to end; False: report ``started`` once accepted.
    :param timeout: seconds for the whole job, waits and requests included.
    :param on_progress: called in the calling thread with a ``FleetProgress``.
    :param fresh_within: skip a VM whose snapshot is younger than this: a rerun after a partial
        failure redoes only what is missing.
    :param poll_interval: seconds before the first poll of an action (3), and between the first
        polls: the wait grows by half each poll, up to ``max_poll_interval`` (15).
    :param lock: hold the one-run-at-a-time lock of the client's host and token for the job
        (``hostinger_api.state.fleet_lock``): another run holding it raises ``FleetLockHeld``
        before anything is sent. False: the caller holds it, or wants none.
    :param dry_run: make every check (lock, state, ``fresh_within``, snapshot), send no POST
        or DELETE, and return the plan: ``planned`` (``would create``) or ``skipped``, a row
        per VM. A locked VM is not waited for (``skipped``, ``locked: action N running``), and
        the run lock is not taken: nothing is changed.

    Arguments are checked before anything is sent. Listing the VMs is the one failure that
    raises (nothing was done yet); every other failure is a VM's result.
    """
    job = Job.checked(
        CREATE,
        client,
        vms=vms,
        match=match,
        concurrency=concurrency,
        wait=wait,
        timeout=timeout,
        on_progress=on_progress,
        fresh_within=fresh_within,
        poll_interval=poll_interval,
        max_poll_interval=max_poll_interval,
        dry_run=dry_run,
    )
    return _run(job, client, lock and not dry_run)


def restore_snapshots(
    client: ApiClient,
    *,
    vms: VmIds = None,
    match: Match = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    wait: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    on_progress: Optional[OnProgress] = None,
    poll_interval: float = FIRST_POLL_SECONDS,
    max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
    lock: bool = True,
    dry_run: bool = False,
) -> FleetReport:
    """Restore many VMs from their snapshots; a VM without one is skipped.

    Everything written to a VM since its snapshot is lost. So that no call restores a whole
    account by accident, ``vms`` or ``match`` is required: ``match="*"`` means every VM.
    Other arguments are as for ``create_snapshots``.
    """
    job = Job.checked(
        RESTORE,
        client,
        vms=vms,
        match=match,
        concurrency=concurrency,
        wait=wait,
        timeout=timeout,
        on_progress=on_progress,
        fresh_within=None,
        poll_interval=poll_interval,
        max_poll_interval=max_poll_interval,
        dry_run=dry_run,
    )
    return _run(job, client, lock and not dry_run)


def delete_snapshots(
    client: ApiClient,
    *,
    vms: VmIds = None,
    match: Match = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    wait: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    on_progress: Optional[OnProgress] = None,
    poll_interval: float = FIRST_POLL_SECONDS,
    max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
    lock: bool = True,
    dry_run: bool = False,
) -> FleetReport:
    """Delete the snapshots of many VMs; a VM without one is skipped.

    As for ``restore_snapshots``, ``vms`` or ``match`` is required (``match="*"``: every VM).
    """
    job = Job.checked(
        DELETE,
        client,
        vms=vms,
        match=match,
        concurrency=concurrency,
        wait=wait,
        timeout=timeout,
        on_progress=on_progress,
        fresh_within=None,
        poll_interval=poll_interval,
        max_poll_interval=max_poll_interval,
        dry_run=dry_run,
    )
    return _run(job, client, lock and not dry_run)


def _run(job: Job, client: ApiClient, lock: bool) -> FleetReport:
    """Run the job, inside the fleet lock when asked: another run holding it raises at once."""
    if not lock:
        return job.run()
    with fleet_lock(client, operation=f"snapshot {job.operation.verb}"):
        return job.run()
