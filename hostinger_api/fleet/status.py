"""The status audit: can every VM be brought back right now?

    report = hostinger_api.snapshot_status(api_client, max_age=timedelta(hours=26))
    report.ok        # every VM protected
    report.summary   # {"protected": 48, "stale": 1, "expiring": 0, "missing": 1, "unknown": 0}

Read-only: one GET of the VM list, then per VM one GET of its snapshot and one of its backups
(``backups=False``: none), in worker threads that share the client (and so its rate gate), as
the fleet job does. A locked VM costs one more GET (its running action); a VM id the account
does not list, one more (its details). The whole audit holds to ``timeout``.

The verdict comes from the snapshot alone, at the moment its answer arrived:

- ``missing``: no snapshot (the API answers 404), or its ``expires_at`` has passed;
- ``stale``: ``max_age`` is given and the snapshot is older than it (exactly ``max_age`` old is
  not older: still protected), or its ``created_at`` is unknown;
- ``expiring``: it expires within ``expiring_within`` (exactly at that boundary counts as within);
- ``protected``: none of those;
- ``unknown``: a call for the VM failed (its snapshot, its backups or its details); the error is
  in the row, with whatever was learnt before it.

A stale snapshot that also expires soon is ``stale``. A lock does not change the verdict: the
row shows the running action, which may be about to replace or delete the snapshot.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import Enum
from html import escape
from typing import Any, Optional

from hostinger_api._checks import positive_seconds
from hostinger_api._html import cell
from hostinger_api.api.vps_actions_api import VPSActionsApi
from hostinger_api.api.vps_backups_api import VPSBackupsApi
from hostinger_api.api.vps_snapshots_api import VPSSnapshotsApi
from hostinger_api.api.vps_virtual_machine_api import VPSVirtualMachineApi
from hostinger_api.api_client import ApiClient
from hostinger_api.exceptions import ApiTypeError, ApiValueError, NotFoundException
from hostinger_api.fleet._select import (
    DEFAULT_CONCURRENCY,
    Match,
    Vm,
    VmIds,
    check_client,
    check_concurrency,
    check_match,
    check_vms,
    chosen_vms,
)
from hostinger_api.fleet.report import Action
from hostinger_api.models.vpsv1_snapshot_snapshot_resource import VPSV1SnapshotSnapshotResource
from hostinger_api.retry import deadline

Snapshot = VPSV1SnapshotSnapshotResource

DEFAULT_EXPIRING_WITHIN = timedelta(days=2)
"""A snapshot expiring sooner than this is reported ``expiring``: time to take a new one."""
DEFAULT_STATUS_TIMEOUT = 600.0
"""Seconds for the whole audit: a few GETs per VM, at the account's rate limit."""
_TICK = 0.5


class Verdict(str, Enum):
    """Whether a VM can be brought back from its snapshot. A ``str``: ``verdict == "missing"``."""

    PROTECTED = "protected"
    STALE = "stale"
    EXPIRING = "expiring"
    MISSING = "missing"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


VERDICT_COLOURS = {
    Verdict.PROTECTED: "#1b7f3b",
    Verdict.STALE: "#b35c00",
    Verdict.EXPIRING: "#9a7d00",
    Verdict.MISSING: "#c0162b",
    Verdict.UNKNOWN: "#6b6b6b",
}
"""The colour of each verdict's badge in a notebook (white text on it is readable)."""


@dataclass(frozen=True)
class StatusRow:
    """One VM's answer: what the API said of it, and the verdict drawn from it.

    ``age`` and ``expires_in`` are measured at ``checked_at``, when the snapshot's answer came.
    """

    vm_id: int
    hostname: Optional[str]
    state: Optional[str]
    actions_lock: Optional[str]
    verdict: Verdict
    checked_at: datetime
    reason: Optional[str] = None
    running_action: Optional[Action] = None
    snapshot_id: Optional[int] = None
    created_at: Optional[datetime] = None
    expires_at: Optional[datetime] = None
    restore_time: Optional[int] = None
    backup_created_at: Optional[datetime] = None
    error: Optional[BaseException] = field(default=None, compare=False)

    @property
    def age(self) -> Optional[timedelta]:
        """How old the snapshot was when checked; None without one."""
        return None if self.created_at is None else self.checked_at - self.created_at

    @property
    def expires_in(self) -> Optional[timedelta]:
        """How long the snapshot had left when checked (negative: expired); None if unknown."""
        return None if self.expires_at is None else self.expires_at - self.checked_at

    @property
    def backup_age(self) -> Optional[timedelta]:
        """How old the newest backup was when checked; None without one."""
        if self.backup_created_at is None:
            return None
        return self.checked_at - self.backup_created_at

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: times in ISO 8601, spans in seconds, the error as text."""
        action = None
        if self.running_action is not None:
            action = self.running_action.model_dump(mode="json", by_alias=True, exclude_none=True)
        return {
            "vm_id": self.vm_id,
            "hostname": self.hostname,
            "state": self.state,
            "actions_lock": self.actions_lock,
            "running_action": action,
            "snapshot_id": self.snapshot_id,
            "created_at": _iso(self.created_at),
            "age_seconds": _seconds(self.age),
            "expires_at": _iso(self.expires_at),
            "expires_in_seconds": _seconds(self.expires_in),
            "restore_time": self.restore_time,
            "newest_backup_created_at": _iso(self.backup_created_at),
            "newest_backup_age_seconds": _seconds(self.backup_age),
            "verdict": self.verdict.value,
            "reason": self.reason,
            "error": None if self.error is None else _error_text(self.error),
        }


@dataclass(frozen=True)
class StatusReport:
    """The audit's answer: one row per VM, in the order of the VMs."""

    rows: list[StatusRow]
    elapsed: float
    max_age: Optional[timedelta]
    expiring_within: timedelta

    @property
    def summary(self) -> dict[str, int]:
        """How many VMs got each verdict; every verdict is a key, zeros included."""
        counts = dict.fromkeys((verdict.value for verdict in Verdict), 0)
        for row in self.rows:
            counts[row.verdict.value] += 1
        return counts

    @property
    def ok(self) -> bool:
        """Every VM is protected (True for no VMs at all: nothing is unprotected)."""
        return all(row.verdict is Verdict.PROTECTED for row in self.rows)

    def to_dict(self) -> dict[str, Any]:
        """``{"rows": [...], "summary": {...}}``: what ``--json`` prints."""
        return {"rows": [row.to_dict() for row in self.rows], "summary": self.summary}

    def table(self) -> str:
        """The rows as a text table: id, hostname, state, snapshot age, expires in, newest
        backup age, verdict, and the reason when there is one."""
        header = ("VM_ID", "HOSTNAME", "STATE", "AGE", "EXPIRES_IN", "BACKUP_AGE", "VERDICT")
        lines = [(*header, "REASON")]
        for row in self.rows:
            lines.append(
                (
                    str(row.vm_id),
                    row.hostname or "-",
                    _state_text(row),
                    span_text(row.age),
                    span_text(row.expires_in),
                    span_text(row.backup_age),
                    row.verdict.value,
                    row.reason or "",
                )
            )
        widths = [max(len(line[index]) for line in lines) for index in range(len(header) + 1)]
        return "\n".join(
            "  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip()
            for line in lines
        )

    def __str__(self) -> str:
        return self.table()

    def summary_line(self) -> str:
        """One line: the verdicts that occur, and how long the audit took."""
        counts = ", ".join(f"{count} {name}" for name, count in self.summary.items() if count)
        noun = "virtual machine" if len(self.rows) == 1 else "virtual machines"
        return (
            f"snapshot status: {counts or 'no virtual machines'} "
            f"({len(self.rows)} {noun} in {self.elapsed:.1f} s)"
        )

    def _repr_html_(self) -> str:
        """How Jupyter shows the report: the counts, then a row per VM, each verdict a badge
        in its colour (green protected, orange stale, amber expiring, red missing, grey
        unknown)."""
        head = "".join(
            f'<th style="padding:1px 8px;text-align:left">{name}</th>'
            for name in (
                "vm_id",
                "hostname",
                "state",
                "snapshot age",
                "expires in",
                "newest backup",
                "verdict",
                "reason",
            )
        )
        body = "".join(
            "<tr>"
            + "".join(
                f'<td style="padding:1px 8px;vertical-align:top">{value}</td>'
                for value in (
                    cell(row.vm_id),
                    cell(row.hostname),
                    cell(_state_text(row)),
                    cell(span_text(row.age)),
                    cell(span_text(row.expires_in)),
                    cell(span_text(row.backup_age)),
                    badge(row.verdict.value, VERDICT_COLOURS[row.verdict]),
                    cell(row.reason),
                )
            )
            + "</tr>"
            for row in self.rows
        )
        return (
            '<table style="border-collapse:collapse;text-align:left">'
            f'<caption style="text-align:left;font-weight:bold">'
            f"{escape(self.summary_line())}</caption>"
            f"<tr>{head}</tr>{body}</table>"
        )


def badge(text: str, colour: str) -> str:
    """A word in white on a coloured background: visible at a glance in a notebook."""
    return (
        f'<span style="background:{colour};color:#fff;padding:0 6px;border-radius:3px;'
        f'font-weight:bold">{escape(text)}</span>'
    )


def verdict_of(
    snapshot: Optional[Snapshot],
    now: datetime,
    *,
    max_age: Optional[timedelta],
    expiring_within: timedelta,
) -> tuple[Verdict, Optional[str]]:
    """The verdict on a snapshot (None: there is none) at ``now``, and why when not protected."""
    if snapshot is None or (snapshot.id is None and snapshot.created_at is None):
        return Verdict.MISSING, "no snapshot"
    if snapshot.expires_at is not None and snapshot.expires_at <= now:
        return Verdict.MISSING, f"snapshot expired at {_iso(snapshot.expires_at)}"
    if max_age is not None:
        if snapshot.created_at is None:
            return Verdict.STALE, "the snapshot has no created_at: its age is unknown"
        age = now - snapshot.created_at
        if age > max_age:
            return (
                Verdict.STALE,
                f"snapshot is {span_text(age)} old, more than {span_text(max_age)}",
            )
    if snapshot.expires_at is not None and snapshot.expires_at - now <= expiring_within:
        left = snapshot.expires_at - now
        return (
            Verdict.EXPIRING,
            f"snapshot expires in {span_text(left)}, within {span_text(expiring_within)}",
        )
    return Verdict.PROTECTED, None


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
    ids: Optional[list[int]]
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
        max_age = _span("max_age", max_age, optional=True)
        expiring = _span("expiring_within", expiring_within, optional=False)
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
        for worker in workers:
            worker.start()
        ended = 0
        try:
            while ended < len(targets) and self.remaining() > 0:
                try:
                    index, row = done.get(timeout=min(_TICK, max(self.remaining(), 1e-3)))
                except queue.Empty:
                    continue
                rows[index] = row
                ended += 1
        finally:
            self.stop.set()  # no worker starts a VM, or sends a request, after this
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
            verdict, reason, error = Verdict.UNKNOWN, _error_text(failed), failed
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
        except NotFoundException:
            self.snapshot = None
        self.checked_at = datetime.now(timezone.utc)
        if self.audit.backups:
            with deadline(self._budget()):
                listed = VPSBackupsApi(client).get_backups_v1(self.vm_id)
            times = [b.created_at for b in listed.data or [] if b.created_at is not None]
            self.backup_at = max(times, default=None)


def _span(name: str, value: object, *, optional: bool) -> Optional[timedelta]:
    if value is None and optional:
        return None
    if not isinstance(value, timedelta):
        raise ApiTypeError(f"{name} must be a datetime.timedelta, not {type(value).__name__}")
    if value <= timedelta(0):
        raise ApiValueError(f"{name} must be more than 0, not {value}")
    return value


def span_text(span: Optional[timedelta]) -> str:
    """A span as a person reads it: ``2d 4h``, ``3h 12m``, ``5m 3s``, ``-1h 2m``; ``-`` for None."""
    if span is None:
        return "-"
    seconds = int(span.total_seconds())
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    for big, big_unit, small, small_unit in (
        (days, "d", hours, "h"),
        (hours, "h", minutes, "m"),
        (minutes, "m", secs, "s"),
    ):
        if big:
            return f"{sign}{big}{big_unit}" + (f" {small}{small_unit}" if small else "")
    return f"{sign}{secs}s"


def _state_text(row: StatusRow) -> str:
    state = row.state or "-"
    if row.actions_lock == "locked":
        action = row.running_action
        state += f" (locked: {action.name})" if action is not None else " (locked)"
    return state


def _error_text(error: BaseException) -> str:
    text = str(error).strip()
    first = text.splitlines()[0] if text else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def _iso(moment: Optional[datetime]) -> Optional[str]:
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _seconds(span: Optional[timedelta]) -> Optional[float]:
    return None if span is None else round(span.total_seconds(), 3)
