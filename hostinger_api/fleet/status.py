"""The status audit: can every VM be brought back right now?

    report = hostinger_api.snapshot_status(api_client, max_age=timedelta(hours=26))
    report.ok        # every VM protected
    report.summary   # {"protected": 48, "stale": 1, "expiring": 0, "missing": 1, "unknown": 0}

Read-only: one GET of the VM list, then per VM one GET of its snapshot and one of its backups
(``backups=False``: none), in worker threads that share the client (and so its rate gate), as
the fleet job does. A locked VM costs one more GET (its running action); a VM id the account
does not list, one more (its details). The whole audit holds to ``timeout``. Nothing is sent
once it returns or raises (Ctrl-C included): a request waiting in the rate gate then is not.

The verdict comes from the snapshot alone, at the moment its answer arrived:

- ``missing``: no snapshot (the API answers 404 with a message about the snapshot, as in
  ``Snapshot not found``), or its ``expires_at`` has passed;
- ``stale``: ``max_age`` is given and the snapshot is older than it (exactly ``max_age`` old is
  not older: still protected), or its ``created_at`` is unknown;
- ``expiring``: it expires within ``expiring_within`` (exactly at that boundary counts as within);
- ``protected``: none of those;
- ``unknown``: a call for the VM failed (its snapshot, its backups or its details); the error is
  in the row, with whatever was learnt before it. A 404 on the snapshot is such a failure when
  it is not the API's word on the snapshot: ``Virtual machine not found`` (the VM went since the
  list was read), an HTML page from a proxy, a message naming neither.

A stale snapshot that also expires soon is ``stale``. A lock does not change the verdict: the
row shows the running action, which may be about to replace or delete the snapshot.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from hostinger_api._checks import positive_seconds
from hostinger_api.api.vps_actions_api import VPSActionsApi
from hostinger_api.api.vps_backups_api import VPSBackupsApi
from hostinger_api.api.vps_snapshots_api import VPSSnapshotsApi
from hostinger_api.api.vps_virtual_machine_api import VPSVirtualMachineApi
from hostinger_api.api_client import ApiClient
from hostinger_api.exceptions import ApiTypeError, NotFoundException
from hostinger_api.fleet._lookup import snapshot_missing
from hostinger_api.fleet._select import (
    DEFAULT_CONCURRENCY,
    Match,
    Vm,
    VmIds,
    check_client,
    check_concurrency,
    check_match,
    check_span,
    check_vms,
    chosen_vms,
)
from hostinger_api.fleet.report import Action, error_text
from hostinger_api.fleet.status_report import (
    DEFAULT_EXPIRING_WITHIN,
    VERDICT_COLOURS,
    Snapshot,
    StatusReport,
    StatusRow,
    Verdict,
    span_text,
    verdict_of,
)
from hostinger_api.retry import deadline, stop_on

__all__ = [
    "DEFAULT_EXPIRING_WITHIN",
    "DEFAULT_STATUS_TIMEOUT",
    "VERDICT_COLOURS",
    "StatusReport",
    "StatusRow",
    "Verdict",
    "snapshot_status",
    "span_text",
    "verdict_of",
]

DEFAULT_STATUS_TIMEOUT = 600.0
"""Seconds for the whole audit: a few GETs per VM, at the account's rate limit."""
_TICK = 0.5


def snapshot_status(
    client: ApiClient,
    *,
    vms: VmIds = None,
    match: Match = None,
    max_age: Optional[timedelta] = None,
    expiring_within: timedelta = DEFAULT_EXPIRING_WITHIN,
    backups: bool = True,
    concurrency: int = DEFAULT_CONCURRENCY,
    timeout: float = DEFAULT_STATUS_TIMEOUT,
) -> StatusReport:
    """Whether each VM can be brought back right now from its snapshot (read-only).

    :param vms: VM ids, in the order the report lists them; None: every VM of the account.
    :param match: hostname globs (``"web-*"``, case-insensitive): only VMs matching one of them.
    :param max_age: a snapshot older than this is ``stale``; None: any age will do.
    :param expiring_within: a snapshot expiring within this is ``expiring`` (default 2 days).
        Both spans are above 0 and at most 10 years (``MAX_SPAN``).
    :param backups: also read each VM's newest backup (one more GET per VM).
    :param concurrency: VMs checked at once, 1 to 64.
    :param timeout: seconds for the whole audit; a VM not checked in time is ``unknown``.

    Arguments are checked before anything is sent. Listing the VMs is the one failure that
    raises; every other failure is a VM's ``unknown`` row.
    """
    audit = _Audit.checked(
        client,
        vms=vms,
        match=match,
        max_age=max_age,
        expiring_within=expiring_within,
        backups=backups,
        concurrency=concurrency,
        timeout=timeout,
    )
    return audit.run()


@dataclass
class _Audit:
    client: ApiClient
    ids: Optional[list[Any]]  # what check_vms returns: VM ids (or listed VMs)
    patterns: Optional[list[str]]
    max_age: Optional[timedelta]
    expiring_within: timedelta
    backups: bool
    concurrency: int
    timeout: float
    stop: threading.Event = field(default_factory=threading.Event)
    ends: float = 0.0

    @classmethod
    def checked(
        cls,
        client: ApiClient,
        *,
        vms: VmIds,
        match: Match,
        max_age: Optional[timedelta],
        expiring_within: timedelta,
        backups: bool,
        concurrency: int,
        timeout: float,
    ) -> _Audit:
        check_client(client)
        ids, patterns = check_vms(vms), check_match(match)
        max_age = check_span("max_age", max_age, optional=True)
        expiring = check_span("expiring_within", expiring_within, optional=False)
        assert expiring is not None
        if not isinstance(backups, bool):
            raise ApiTypeError(f"backups must be True or False, not {type(backups).__name__}")
        return cls(
            client=client,
            ids=ids,
            patterns=patterns,
            max_age=max_age,
            expiring_within=expiring,
            backups=backups,
            concurrency=check_concurrency(concurrency),
            timeout=positive_seconds("timeout", timeout),
        )

    def remaining(self) -> float:
        return self.ends - time.monotonic()

    def run(self) -> StatusReport:
        started = time.monotonic()
        self.ends = started + self.timeout
        with deadline(self.timeout):
            targets = chosen_vms(self.client, self.ids, self.patterns)
        rows: list[Optional[StatusRow]] = [None] * len(targets)
        work: queue.SimpleQueue[int] = queue.SimpleQueue()
        for index in range(len(targets)):
            work.put(index)
        done: queue.SimpleQueue[tuple[int, StatusRow]] = queue.SimpleQueue()
        workers = [
            threading.Thread(
                target=self._work,
                args=(targets, work, done),
                name=f"hostinger-status-{number}",
                daemon=True,
            )
            for number in range(min(self.concurrency, len(targets)))
        ]
        ended = 0
        try:  # Ctrl-C, here or while the workers start: stop is set, and they send nothing more
            for worker in workers:
                worker.start()
            while ended < len(targets) and self.remaining() > 0:
                try:
                    index, row = done.get(timeout=min(_TICK, max(self.remaining(), 1e-3)))
                except queue.Empty:
                    continue
                rows[index] = row
                ended += 1
        finally:  # no worker starts a VM, or sends a request, after this (see _work)
            self.stop.set()
        while True:  # answers that came in as the time ran out
            try:
                index, row = done.get_nowait()
            except queue.Empty:
                break
            rows[index] = row
        final = [
            row if row is not None else self._timed_out(target)
            for row, target in zip(rows, targets)
        ]
        return StatusReport(final, time.monotonic() - started, self.max_age, self.expiring_within)

    def _timed_out(self, vm: Vm) -> StatusRow:
        assert vm.id is not None
        return StatusRow(
            vm.id,
            vm.hostname,
            vm.state,
            vm.actions_lock,
            Verdict.UNKNOWN,
            datetime.now(timezone.utc),
            reason=f"not checked within the timeout of {self.timeout:g} s",
        )

    def _work(
        self,
        targets: list[Vm],
        work: queue.SimpleQueue[int],
        done: queue.SimpleQueue[tuple[int, StatusRow]],
    ) -> None:
        """Check VMs until none is left or the audit stops. Every request is inside
        ``stop_on(stop)``: one waiting in the rate gate when the audit ends (its timeout, Ctrl-C
        in the caller's thread) is never sent."""
        with stop_on(self.stop):
            while not self.stop.is_set():
                try:
                    index = work.get_nowait()
                except queue.Empty:
                    return
                done.put((index, _VmCheck(self, targets[index]).row()))


class _Stopped(Exception):
    """The audit's time is up: this VM is not checked further."""


class _VmCheck:
    """One VM's requests, in a worker thread: details if unlisted, running action if locked,
    snapshot, newest backup."""

    def __init__(self, audit: _Audit, vm: Vm) -> None:
        assert vm.id is not None
        self.audit = audit
        self.vm = vm
        self.vm_id: int = vm.id
        self.running: Optional[Action] = None
        self.snapshot: Optional[Snapshot] = None
        self.backup_at: Optional[datetime] = None
        self.checked_at = datetime.now(timezone.utc)

    def row(self) -> StatusRow:
        verdict: Verdict
        reason: Optional[str]
        error: Optional[BaseException] = None
        try:
            self._check()
            verdict, reason = verdict_of(
                self.snapshot,
                self.checked_at,
                max_age=self.audit.max_age,
                expiring_within=self.audit.expiring_within,
            )
        except _Stopped:
            verdict = Verdict.UNKNOWN
            reason = f"not checked within the timeout of {self.audit.timeout:g} s"
        except Exception as failed:  # a row, not a dead worker: every VM is reported
            verdict, reason, error = Verdict.UNKNOWN, error_text(failed), failed
        snapshot = self.snapshot
        return StatusRow(
            self.vm_id,
            self.vm.hostname,
            self.vm.state,
            self.vm.actions_lock,
            verdict,
            self.checked_at,
            reason=reason,
            running_action=self.running,
            snapshot_id=None if snapshot is None else snapshot.id,
            created_at=None if snapshot is None else snapshot.created_at,
            expires_at=None if snapshot is None else snapshot.expires_at,
            restore_time=None if snapshot is None else snapshot.restore_time,
            backup_created_at=self.backup_at,
            error=error,
        )

    def _budget(self) -> float:
        """The time left for the next request; none left (or stopped): ``_Stopped``."""
        left = self.audit.remaining()
        if self.audit.stop.is_set() or left <= 0:
            raise _Stopped
        return left

    def _check(self) -> None:
        client = self.audit.client
        if self.vm.state is None and self.vm.actions_lock is None:
            with deadline(self._budget()):  # an id the account's list did not hold
                self.vm = VPSVirtualMachineApi(client).get_virtual_machine_details_v1(self.vm_id)
        if self.vm.is_locked():
            with deadline(self._budget()):
                page = VPSActionsApi(client).get_actions_v1(self.vm_id)
            self.running = next((a for a in page.data or [] if not a.is_finished()), None)
        try:
            with deadline(self._budget()):
                self.snapshot = VPSSnapshotsApi(client).get_snapshot_v1(self.vm_id)
        except NotFoundException as error:
            if snapshot_missing(error) is not True:
                raise  # the VM is gone, or a 404 that does not say "snapshot": unknown
            self.snapshot = None
        self.checked_at = datetime.now(timezone.utc)
        if self.audit.backups:
            with deadline(self._budget()):
                listed = VPSBackupsApi(client).get_backups_v1(self.vm_id)
            times = [b.created_at for b in listed.data or [] if b.created_at is not None]
            self.backup_at = max(times, default=None)
