"""One snapshot operation across many VMs: the nightly job, and the restore after a bad rollout.

    report = hostinger_api.create_snapshots(api_client, fresh_within=timedelta(hours=20))
    report.summary        # {"succeeded": 48, "skipped": 2, "failed": 0, ...}

Each VM goes through the same steps, up to ``concurrency`` VMs at once in worker threads that
share the client (and so its rate limit): wait for an action already running on it (its
``actions_lock``), check its state (running or stopped), check its snapshot (``fresh_within``
for create; one to restore or delete), send one request, wait for the action. The whole job
holds to ``timeout``.

A VM's request is never sent twice in one run. When its answer is lost (no answer, a broken
body, a gateway error), the VM's newest actions tell whether it was performed: an action of
that kind created since the request was sent is followed like any other; none, and the VM is
reported ``unknown`` with what was checked.

Ctrl-C stops starting VMs and raises ``FleetInterrupted`` (a ``KeyboardInterrupt``) carrying the
report: the VMs in flight are in it as ``interrupted``, with their action, which goes on at
Hostinger.
"""

from __future__ import annotations

import fnmatch
import math
import queue
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import Enum
from html import escape
from typing import Any, Callable, Optional, Union

from hostinger_api._checks import check_id, positive_seconds
from hostinger_api._html import cell
from hostinger_api.api.vps_actions_api import VPSActionsApi
from hostinger_api.api.vps_snapshots_api import VPSSnapshotsApi
from hostinger_api.api.vps_virtual_machine_api import VPSVirtualMachineApi
from hostinger_api.api_client import ApiClient
from hostinger_api.exceptions import (
    ActionFailedError,
    ActionTimeoutError,
    ApiConnectionError,
    ApiException,
    ApiTypeError,
    ApiValueError,
    NotFoundException,
    ResponseDecodeError,
)
from hostinger_api.models.vpsv1_action_action_resource import VPSV1ActionActionResource
from hostinger_api.models.vpsv1_virtual_machine_virtual_machine_resource import (
    VirtualMachineState,
    VPSV1VirtualMachineVirtualMachineResource,
)
from hostinger_api.retry import deadline
from hostinger_api.waiters import DEFAULT_MAX_POLL_INTERVAL, poll_action

DEFAULT_CONCURRENCY = 8
"""VMs worked on at once: each costs a poll every few seconds, which the rate limit can carry."""
MAX_CONCURRENCY = 64
DEFAULT_TIMEOUT = 3600.0
"""Seconds for the whole job: snapshots take minutes each, and a fleet is many of them."""
CLOCK_SLACK = timedelta(seconds=5)
"""How much older than a lost request its action may look: whole seconds, and clocks differ."""
FIRST_POLL_SECONDS = 3.0
"""Seconds before the first poll of an action: the VMs' polls share one rate limit, and an
action takes seconds at the very least; a poll sent sooner is mostly spent for nothing."""
LOOKUP_SECONDS = 15.0
"""At least this long for the check of a lost answer, even when the job's time is nearly up."""
INTERRUPT_GRACE = 15.0
"""After Ctrl-C, how long to wait for requests already on the wire to answer (their action id)."""
_TICK = 1.0
_GATEWAY_STATUSES = frozenset({502, 503, 504})

Action = VPSV1ActionActionResource
Vm = VPSV1VirtualMachineVirtualMachineResource


class Outcome(str, Enum):
    """What became of one VM. A ``str``: ``outcome == "succeeded"`` holds."""

    SUCCEEDED = "succeeded"
    """The action ended in ``success``."""
    FAILED = "failed"
    """The action ended in ``error``."""
    TIMED_OUT = "timed_out"
    """The job's timeout ran out first (the action, if any, goes on)."""
    ERROR = "error"
    """The API refused or failed a request; the exception is kept."""
    SKIPPED = "skipped"
    """Nothing to do, or not doable: the reason says which (state, fresh snapshot, none)."""
    STARTED = "started"
    """Without waiting: the action was accepted."""
    UNKNOWN = "unknown"
    """The answer to the request was lost, and no action shows that it was performed."""
    INTERRUPTED = "interrupted"
    """Ctrl-C came first; the reason says how far the VM got."""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class VmResult:
    """The outcome for one VM, with the last action seen and the exception, if any."""

    vm_id: int
    hostname: Optional[str]
    outcome: Outcome
    reason: Optional[str] = None
    action: Optional[Action] = None
    error: Optional[BaseException] = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the exception is not in it, its text is the reason."""
        action = None
        if self.action is not None:
            action = self.action.model_dump(mode="json", by_alias=True, exclude_none=True)
        return {
            "vm_id": self.vm_id,
            "hostname": self.hostname,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "action": action,
        }


@dataclass(frozen=True)
class FleetReport:
    """What a fleet job did: one result per VM, in the order of the VMs."""

    operation: str
    results: list[VmResult]
    elapsed: float
    interrupted: bool = False

    @property
    def summary(self) -> dict[str, int]:
        """How many VMs ended in each outcome; every outcome is a key, zeros included."""
        counts = dict.fromkeys((outcome.value for outcome in Outcome), 0)
        for result in self.results:
            counts[result.outcome.value] += 1
        return counts

    def with_outcome(self, *outcomes: Union[Outcome, str]) -> list[VmResult]:
        """The results that ended in any of these outcomes."""
        wanted = {Outcome(outcome) for outcome in outcomes}
        return [result for result in self.results if result.outcome in wanted]

    def to_dict(self) -> dict[str, Any]:
        """``{"results": [...], "summary": {...}}``: what ``--json`` prints."""
        return {
            "results": [result.to_dict() for result in self.results],
            "summary": self.summary,
        }

    def _repr_html_(self) -> str:
        """How Jupyter shows the report: the counts, then a row per VM."""
        counts = ", ".join(f"{count} {name}" for name, count in self.summary.items() if count)
        title = f"{self.operation} snapshots: {counts or 'no virtual machines'}"
        if self.interrupted:
            title += " (interrupted)"
        head = "".join(
            f'<th style="padding:1px 8px;text-align:left">{name}</th>'
            for name in ("vm_id", "hostname", "outcome", "action", "reason")
        )
        rows = "".join(
            "<tr>"
            + "".join(
                f'<td style="padding:1px 8px;vertical-align:top">{value}</td>'
                for value in (
                    cell(result.vm_id),
                    cell(result.hostname),
                    f"<b>{escape(result.outcome.value)}</b>",
                    cell(_action_text(result.action)),
                    cell(result.reason),
                )
            )
            + "</tr>"
            for result in self.results
        )
        return (
            '<table style="border-collapse:collapse;text-align:left">'
            f'<caption style="text-align:left;font-weight:bold">{escape(title)}</caption>'
            f"<tr>{head}</tr>{rows}</table>"
        )


@dataclass(frozen=True)
class FleetProgress:
    """What ``on_progress`` is given: after each VM ends, and about once a second in between."""

    result: Optional[VmResult]
    """The VM that just ended; None on the once-a-second call."""
    summary: dict[str, int]
    """The outcomes so far, as ``FleetReport.summary``."""
    in_flight: int
    left: int
    """VMs not started yet."""
    total: int
    elapsed: float


class FleetInterrupted(KeyboardInterrupt):
    """Ctrl-C during a fleet job; ``report`` says what was done, and what is in flight."""

    def __init__(self, report: FleetReport) -> None:
        super().__init__(f"interrupted: {report.summary}")
        self.report = report


OnProgress = Callable[[FleetProgress], None]
VmIds = Optional[Iterable[int]]
Match = Union[str, Iterable[str], None]


@dataclass(frozen=True)
class _Operation:
    """What differs between create, restore and delete."""

    verb: str
    method: str
    needs_snapshot: bool

    def send(self, snapshots: VPSSnapshotsApi, vm_id: int) -> Action:
        if self.verb == "create":
            return snapshots.create_snapshot_v1(vm_id)
        if self.verb == "restore":
            return snapshots.restore_snapshot_v1(vm_id)
        return snapshots.delete_snapshot_v1(vm_id)

    def fits(self, name: Optional[str]) -> bool:
        """Whether an action's name looks like this operation's (Hostinger's names vary)."""
        lowered = (name or "").lower()
        return self.verb in lowered and "snapshot" in lowered


_CREATE = _Operation("create", "POST", needs_snapshot=False)
_RESTORE = _Operation("restore", "POST", needs_snapshot=True)
_DELETE = _Operation("delete", "DELETE", needs_snapshot=True)


# -- the public functions ------------------------------------------------------------------------


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
) -> FleetReport:
    """Snapshot many VMs (each new snapshot overwrites the VM's existing one).

    :param vms: VM ids, in the order the report lists them; None: every VM of the account.
    :param match: hostname globs (``"web-*"``, case-insensitive): only VMs matching one of them.
    :param concurrency: VMs worked on at once, 1 to 64.
    :param wait: wait for each action to end; False: report ``started`` once accepted.
    :param timeout: seconds for the whole job, waits and requests included.
    :param on_progress: called in the calling thread with a ``FleetProgress``.
    :param fresh_within: skip a VM whose snapshot is younger than this: a rerun after a partial
        failure redoes only what is missing.
    :param poll_interval: seconds before the first poll of an action (3), and between the first
        polls: the wait grows by half each poll, up to ``max_poll_interval`` (15).

    Arguments are checked before anything is sent. Listing the VMs is the one failure that
    raises (nothing was done yet); every other failure is a VM's result.
    """
    if fresh_within is not None and not isinstance(fresh_within, timedelta):
        raise ApiTypeError(
            f"fresh_within must be a datetime.timedelta, not {type(fresh_within).__name__}"
        )
    if fresh_within is not None and fresh_within <= timedelta(0):
        raise ApiValueError(f"fresh_within must be more than 0, not {fresh_within}")
    job = _Job.checked(_CREATE, client, vms, match, concurrency, wait, timeout, on_progress)
    return job.tuned(fresh_within, poll_interval, max_poll_interval).run()


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
) -> FleetReport:
    """Restore many VMs from their snapshots; a VM without one is skipped.

    Everything written to a VM since its snapshot is lost. So that no call restores a whole
    account by accident, ``vms`` or ``match`` is required: ``match="*"`` means every VM.
    Other arguments are as for ``create_snapshots``.
    """
    job = _Job.checked(_RESTORE, client, vms, match, concurrency, wait, timeout, on_progress)
    return job.tuned(None, poll_interval, max_poll_interval).run()


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
) -> FleetReport:
    """Delete the snapshots of many VMs; a VM without one is skipped.

    As for ``restore_snapshots``, ``vms`` or ``match`` is required (``match="*"``: every VM).
    """
    job = _Job.checked(_DELETE, client, vms, match, concurrency, wait, timeout, on_progress)
    return job.tuned(None, poll_interval, max_poll_interval).run()


def select_vms(client: ApiClient, *, vms: VmIds = None, match: Match = None) -> list[Vm]:
    """The VMs a job with these ``vms`` and ``match`` works on, in its order (one request).

    An id the account does not list is kept as a VM with only its id: the job reports the
    API's answer for it.
    """
    if not isinstance(client, ApiClient):
        raise ApiTypeError(f"client must be an ApiClient, not {type(client).__name__}")
    return _select(client, _check_vms(vms), _check_match(match))


# -- checking the arguments ----------------------------------------------------------------------


def _check_vms(vms: VmIds) -> Optional[list[int]]:
    if vms is None:
        return None
    if isinstance(vms, (str, bytes)) or not isinstance(vms, Iterable):
        raise ApiTypeError(f"vms must be a list of VM ids or None, not {type(vms).__name__}")
    ids = [check_id("vms[]", vm) for vm in vms]
    if not ids:
        raise ApiValueError("vms is empty: pass None for every VM of the account")
    repeated = sorted({vm for vm in ids if ids.count(vm) > 1})
    if repeated:
        raise ApiValueError(f"vms lists {', '.join(map(str, repeated))} more than once")
    return ids


def _check_match(match: Match) -> Optional[list[str]]:
    if match is None:
        return None
    patterns = [match] if isinstance(match, str) else match
    if not isinstance(patterns, Iterable):
        raise ApiTypeError(f"match must be a glob or a list of globs, not {type(match).__name__}")
    checked = list(patterns)
    for pattern in checked:
        if not isinstance(pattern, str):
            raise ApiTypeError(f"match must hold strings, not {type(pattern).__name__}")
        if not pattern.strip():
            raise ApiValueError("match holds an empty glob, which no hostname matches")
    if not checked:
        raise ApiValueError("match is empty: pass None to match every hostname")
    return checked


def _check_concurrency(concurrency: object) -> int:
    if not isinstance(concurrency, int) or isinstance(concurrency, bool):
        raise ApiTypeError(f"concurrency must be an int, not {type(concurrency).__name__}")
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise ApiValueError(f"concurrency must be 1 to {MAX_CONCURRENCY}, not {concurrency}")
    return concurrency


def _select(client: ApiClient, ids: Optional[list[int]], patterns: Optional[list[str]]) -> list[Vm]:
    listed = VPSVirtualMachineApi(client).get_virtual_machines_v1()
    chosen: Sequence[Vm]
    if ids is None:
        chosen = [vm for vm in listed if vm.id is not None]
    else:
        by_id = {vm.id: vm for vm in listed}
        chosen = [by_id.get(vm_id) or Vm(id=vm_id) for vm_id in ids]
    if patterns is None:
        return list(chosen)
    # An id the account does not list has no hostname to match: kept, so that it is reported.
    unlisted = ids is not None
    return [vm for vm in chosen if (unlisted and vm.hostname is None) or _matches(vm, patterns)]


def _matches(vm: Vm, patterns: list[str]) -> bool:
    hostname = (vm.hostname or "").lower()
    return any(fnmatch.fnmatchcase(hostname, pattern.lower()) for pattern in patterns)


# -- the job -------------------------------------------------------------------------------------


@dataclass
class _Job:
    """One run: the settings, the shared stop signal and what each worker is doing."""

    operation: _Operation
    client: ApiClient
    ids: Optional[list[int]]
    patterns: Optional[list[str]]
    concurrency: int
    wait: bool
    timeout: float
    on_progress: Optional[OnProgress]
    fresh_within: Optional[timedelta] = None
    poll_interval: float = FIRST_POLL_SECONDS
    max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: dict[int, _VmRun] = field(default_factory=dict)
    ends: float = 0.0

    @classmethod
    def checked(
        cls,
        operation: _Operation,
        client: ApiClient,
        vms: VmIds,
        match: Match,
        concurrency: int,
        wait: bool,
        timeout: float,
        on_progress: Optional[OnProgress],
    ) -> _Job:
        """The arguments every operation takes, checked before anything is sent."""
        if not isinstance(client, ApiClient):
            raise ApiTypeError(f"client must be an ApiClient, not {type(client).__name__}")
        ids, patterns = _check_vms(vms), _check_match(match)
        if operation.needs_snapshot and ids is None and patterns is None:
            raise ApiValueError(
                f"{operation.verb}_snapshots needs vms or match: pass match='*' to "
                f"{operation.verb} the snapshot of every VM of the account"
            )
        if not isinstance(wait, bool):
            raise ApiTypeError(f"wait must be True or False, not {type(wait).__name__}")
        if on_progress is not None and not callable(on_progress):
            raise ApiTypeError(f"on_progress must be callable, not {type(on_progress).__name__}")
        return cls(
            operation=operation,
            client=client,
            ids=ids,
            patterns=patterns,
            concurrency=_check_concurrency(concurrency),
            wait=wait,
            timeout=positive_seconds("timeout", timeout),
            on_progress=on_progress,
        )

    def tuned(
        self, fresh_within: Optional[timedelta], poll_interval: float, max_poll_interval: float
    ) -> _Job:
        """The rest of the arguments, checked."""
        self.fresh_within = fresh_within
        self.poll_interval = positive_seconds("poll_interval", poll_interval)
        self.max_poll_interval = max(
            self.poll_interval, positive_seconds("max_poll_interval", max_poll_interval)
        )
        return self

    def remaining(self) -> float:
        return self.ends - time.monotonic()

    def run(self) -> FleetReport:
        started = time.monotonic()
        self.ends = started + self.timeout
        with deadline(self.timeout):
            targets = _select(self.client, self.ids, self.patterns)
        results: list[Optional[VmResult]] = [None] * len(targets)
        work: queue.SimpleQueue[int] = queue.SimpleQueue()
        for index in range(len(targets)):
            work.put(index)
        done: queue.SimpleQueue[tuple[int, VmResult]] = queue.SimpleQueue()
        workers = [
            threading.Thread(
                target=self._work,
                args=(targets, work, done),
                name=f"hostinger-fleet-{number}",
                daemon=True,  # after Ctrl-C a worker may sleep out a poll: never wait for it
            )
            for number in range(min(self.concurrency, len(targets)))
        ]
        for worker in workers:
            worker.start()
        ended = 0
        try:
            while ended < len(targets):
                try:
                    index, result = done.get(timeout=_TICK)
                except queue.Empty:
                    self._progress(None, results, started)
                    continue
                results[index] = result
                ended += 1
                self._progress(result, results, started)
        except BaseException as stopped:
            report = self._interrupted(targets, results, done, started)
            if isinstance(stopped, KeyboardInterrupt):
                raise FleetInterrupted(report) from None
            raise
        return FleetReport(
            self.operation.verb,
            [result for result in results if result is not None],
            time.monotonic() - started,
        )

    def _work(
        self,
        targets: list[Vm],
        work: queue.SimpleQueue[int],
        done: queue.SimpleQueue[tuple[int, VmResult]],
    ) -> None:
        while not self.stop.is_set():
            try:
                index = work.get_nowait()
            except queue.Empty:
                return
            run = _VmRun(self, targets[index])
            with self.lock:
                if self.stop.is_set():
                    return
                self.in_flight[index] = run
            result = run.result()
            with self.lock:  # both at once: on Ctrl-C the job sees the VM in flight, or done
                self.in_flight.pop(index, None)
                done.put((index, result))

    def _progress(
        self, result: Optional[VmResult], results: list[Optional[VmResult]], started: float
    ) -> None:
        if self.on_progress is None:
            return
        ended = [r for r in results if r is not None]
        with self.lock:
            in_flight = len(self.in_flight)
        self.on_progress(
            FleetProgress(
                result=result,
                summary=FleetReport(self.operation.verb, ended, 0.0).summary,
                in_flight=in_flight,
                left=max(len(results) - len(ended) - in_flight, 0),
                total=len(results),
                elapsed=time.monotonic() - started,
            )
        )

    def _interrupted(
        self,
        targets: list[Vm],
        results: list[Optional[VmResult]],
        done: queue.SimpleQueue[tuple[int, VmResult]],
        started: float,
    ) -> FleetReport:
        """Stop starting VMs; let requests on the wire answer; report the rest ``interrupted``."""
        with self.lock:
            self.stop.set()
        grace_ends = time.monotonic() + INTERRUPT_GRACE
        try:
            while self._sending() and time.monotonic() < grace_ends:
                try:
                    index, result = done.get(timeout=0.05)
                except queue.Empty:
                    continue
                results[index] = result
        except KeyboardInterrupt:
            pass  # a second Ctrl-C: report at once
        with self.lock:
            runs = dict(self.in_flight)
            while True:
                try:
                    index, result = done.get_nowait()
                except queue.Empty:
                    break
                results[index] = result
        final = []
        for index, target in enumerate(targets):
            ended = results[index]
            if ended is None:
                run = runs.get(index) or _VmRun(self, target)
                ended = run.interrupted()
            final.append(ended)
        return FleetReport(self.operation.verb, final, time.monotonic() - started, interrupted=True)

    def _sending(self) -> bool:
        with self.lock:
            return any(run.sending for run in self.in_flight.values())


class _Stopped(Exception):
    """The job was interrupted: this VM stops where it is."""


class _Ended(Exception):
    """This VM is done before its request: the result says why."""

    def __init__(self, result: VmResult) -> None:
        super().__init__(result.reason)
        self.result = result


class _VmRun:
    """One VM's way through the job, in a worker thread; the job reads its progress on Ctrl-C."""

    def __init__(self, job: _Job, vm: Vm) -> None:
        assert vm.id is not None
        self.job = job
        self.vm = vm
        self.vm_id: int = vm.id
        self.op = job.operation
        self.snapshots = VPSSnapshotsApi(job.client)
        self.actions = VPSActionsApi(job.client)
        self.seen: set[int] = set()
        self.sending = False
        self.sent = False
        self.action: Optional[Action] = None  # the one this run started
        self.waiting_for: Optional[Action] = None  # one that was running on the VM already
        self.note: Optional[str] = None

    def ended(
        self,
        outcome: Outcome,
        reason: Optional[str] = None,
        action: Optional[Action] = None,
        error: Optional[BaseException] = None,
    ) -> VmResult:
        if self.note is not None:
            reason = self.note if reason is None else f"{self.note}; {reason}"
        return VmResult(
            self.vm_id, self.vm.hostname, outcome, reason, action or self.action, error
        )

    def result(self) -> VmResult:
        """The VM's result, ``interrupted`` when the job was."""
        try:
            return self._run()
        except _Stopped:
            return self.interrupted()
        except _Ended as ended:
            return ended.result
        except ApiException as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            return self.ended(Outcome.ERROR, f"{type(error).__name__}: {first}", error=error)
        except Exception as error:  # a result, not a dead worker: the job must report every VM
            return self.ended(Outcome.ERROR, f"{type(error).__name__}: {error}", error=error)

    def interrupted(self) -> VmResult:
        """This VM's result when the job was interrupted, from how far it got."""
        if self.action is not None and self.action.id is not None:
            return self.ended(
                Outcome.INTERRUPTED,
                f"interrupted while waiting for action {self.action.id}, which goes on at "
                f"Hostinger: hostinger-api action wait {self.vm_id} {self.action.id}",
            )
        if self.sending or self.sent:
            return self.ended(
                Outcome.INTERRUPTED,
                f"interrupted while the {self.op.method} to {self.op.verb} the snapshot had no "
                f"answer yet: it may have been performed (hostinger-api action list {self.vm_id})",
            )
        if self.waiting_for is not None:
            return self.ended(
                Outcome.INTERRUPTED,
                f"interrupted while waiting for action {self.waiting_for.id}, which was running "
                "on it already; nothing was sent",
                action=self.waiting_for,
            )
        return self.ended(Outcome.INTERRUPTED, "interrupted before anything was sent")

    # -- the steps ------------------------------------------------------------------------------

    def _run(self) -> VmResult:
        if self.job.remaining() <= 0:
            return self.ended(
                Outcome.TIMED_OUT,
                f"not started: the job's timeout of {self.job.timeout:g} s ran out",
            )
        if self.vm.state is None and self.vm.actions_lock is None:
            self.vm = self._details()  # an id the account's list did not hold
        if self.vm.is_locked():
            self._wait_until_unlocked()
        if self.vm.state not in VirtualMachineState.SETTLED:
            return self.ended(
                Outcome.SKIPPED,
                f"state is '{self.vm.state}': snapshots are for running or stopped VMs only",
            )
        self._check_snapshot()
        action = self._send()
        if not self.job.wait or action.is_finished():
            return self._finished(action)
        return self._follow(action)

    def _details(self) -> Vm:
        with deadline(max(self.job.remaining(), 1e-3)):
            return VPSVirtualMachineApi(self.job.client).get_virtual_machine_details_v1(
                self.vm_id
            )

    def _sleep(self, seconds: float) -> None:
        if self.job.stop.wait(seconds):
            raise _Stopped

    def _wait_until_unlocked(self) -> None:
        """Wait for the action running on the VM (whatever its outcome), then look again."""
        interval = self.job.poll_interval
        while self.vm.is_locked():
            running = self._running_action()
            if running is not None and running.id is not None:
                self.waiting_for = running
                self.seen.add(running.id)
                try:
                    for seen in self._polls(running.id):
                        self.waiting_for = seen
                except ActionFailedError:
                    pass
                except ActionTimeoutError as timed_out:
                    raise _Ended(
                        self.ended(
                            Outcome.TIMED_OUT,
                            f"action {running.id} ({running.name}), running on it already, did "
                            "not end within the job's timeout; nothing was sent",
                            action=timed_out.action or running,
                        )
                    ) from None
            else:
                if self.job.remaining() <= interval:
                    raise _Ended(
                        self.ended(
                            Outcome.TIMED_OUT,
                            "its actions_lock stayed 'locked' (no running action found) until "
                            "the job's timeout; nothing was sent",
                        )
                    )
                self._sleep(interval)
                interval = min(interval * 1.5, self.job.max_poll_interval)
            self.vm = self._details()

    def _running_action(self) -> Optional[Action]:
        with deadline(max(self.job.remaining(), 1e-3)):
            page = self.actions.get_actions_v1(self.vm_id)
        for action in page.data or []:
            if action.id is not None:
                self.seen.add(action.id)
        return next((a for a in page.data or [] if not a.is_finished()), None)

    def _check_snapshot(self) -> None:
        """Skip the VM when its snapshot is fresh enough (create), or missing (restore, delete)."""
        if not self.op.needs_snapshot and self.job.fresh_within is None:
            return
        try:
            with deadline(max(self.job.remaining(), 1e-3)):
                snapshot = self.snapshots.get_snapshot_v1(self.vm_id)
        except NotFoundException:
            snapshot = None
        if self.op.needs_snapshot:
            if snapshot is None or (snapshot.id is None and snapshot.created_at is None):
                raise _Ended(self.ended(Outcome.SKIPPED, f"no snapshot to {self.op.verb}"))
            return
        assert self.job.fresh_within is not None
        if snapshot is None or snapshot.created_at is None:
            return
        if snapshot.created_at > datetime.now(timezone.utc) - self.job.fresh_within:
            raise _Ended(
                self.ended(
                    Outcome.SKIPPED,
                    f"snapshot from {snapshot.created_at.isoformat()} is newer than "
                    f"{duration_text(self.job.fresh_within)}",
                )
            )

    def _send(self) -> Action:
        """The one request of this run: its action, found again if its answer was lost."""
        with self.job.lock:
            if self.job.stop.is_set():
                raise _Stopped
            self.sending = True
        if self.job.remaining() <= 0:
            raise _Ended(
                self.ended(
                    Outcome.TIMED_OUT,
                    f"not sent: the job's timeout of {self.job.timeout:g} s ran out",
                )
            )
        sent_at = datetime.now(timezone.utc)
        try:
            try:
                action = self.op.send(self.snapshots, self.vm_id)
            except ApiException as error:
                if not _maybe_performed(error):
                    raise
                action = self._find_lost(sent_at, error)
            self.action = action  # before `sending` ends: on Ctrl-C the job reads them in turn
        finally:
            self.sent = True
            self.sending = False
        return action

    def _find_lost(self, sent_at: datetime, lost: ApiException) -> Action:
        """After a lost answer: the action the request started, from the VM's newest actions."""
        what = f"the answer to the {self.op.method} was lost ({type(lost).__name__})"
        since = sent_at.replace(microsecond=0) - CLOCK_SLACK
        try:
            with deadline(max(self.job.remaining(), LOOKUP_SECONDS)):
                page = self.actions.get_actions_v1(self.vm_id)
        except ApiException as error:
            raise _Ended(
                self.ended(
                    Outcome.UNKNOWN,
                    f"{what}, and listing its actions to check failed ({type(error).__name__}); "
                    f"not sent again: see hostinger-api action list {self.vm_id}",
                    error=lost,
                )
            ) from None
        listed = page.data or []
        new = [
            action
            for action in listed
            if action.id is not None
            and action.id not in self.seen
            and action.created_at is not None
            and action.created_at >= since
        ]
        fitting = [action for action in new if self.op.fits(action.name)]
        if not new:
            raise _Ended(
                self.ended(
                    Outcome.UNKNOWN,
                    f"{what}, and none of the VM's {len(listed)} newest actions is a new one "
                    f"created since {since.strftime('%Y-%m-%dT%H:%M:%SZ')} (the request's time "
                    f"less {CLOCK_SLACK.seconds} s): probably not performed; not sent again: "
                    f"see hostinger-api action list {self.vm_id}",
                    error=lost,
                )
            )
        found = (fitting or new)[0]
        self.note = f"{what}; found its action {found.id} ({found.name}) among the VM's actions"
        return found

    def _polls(self, action_id: int) -> Iterable[Action]:
        """The polls of an action until it ends, held to the job's time and its Ctrl-C."""
        self._sleep(min(self.job.poll_interval, max(self.job.remaining(), 0.0)))
        for seen in poll_action(
            self.actions,
            self.vm_id,
            action_id,
            timeout=max(self.job.remaining(), 1e-3),
            poll_interval=self.job.poll_interval,
            max_poll_interval=self.job.max_poll_interval,
        ):
            if self.job.stop.is_set():
                raise _Stopped
            yield seen

    def _follow(self, action: Action) -> VmResult:
        if action.id is None:
            return self.ended(Outcome.ERROR, "the service started an action but sent no id")
        try:
            for seen in self._polls(action.id):
                self.action = seen
        except ActionFailedError as failed:
            return self._finished(failed.action or self.action or action)
        except ActionTimeoutError as timed_out:
            self.action = timed_out.action or self.action
            return self.ended(
                Outcome.TIMED_OUT,
                f"still '{self.action.state if self.action else action.state}' at the job's "
                f"timeout of {self.job.timeout:g} s; the action goes on: hostinger-api action "
                f"wait {self.vm_id} {action.id}",
            )
        assert self.action is not None
        return self._finished(self.action)

    def _finished(self, action: Action) -> VmResult:
        self.action = action
        if action.failed():
            return self.ended(Outcome.FAILED, f"action {action.id} ended in state 'error'")
        if action.succeeded():
            return self.ended(Outcome.SUCCEEDED)
        return self.ended(Outcome.STARTED)


def _maybe_performed(error: ApiException) -> bool:
    """A failure after which the request may have been performed: no answer, or no usable one."""
    return isinstance(error, (ApiConnectionError, ResponseDecodeError)) or (
        error.status in _GATEWAY_STATUSES
    )


def _action_text(action: Optional[Action]) -> Optional[str]:
    if action is None:
        return None
    return f"{action.id} {action.name or ''} {action.state or ''}".replace("  ", " ").strip()


def duration_text(span: timedelta) -> str:
    """A duration the way the command line takes it: ``20h``, ``90m``, ``2d``, ``45s``."""
    seconds = span.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and math.isclose(seconds % size, 0, abs_tol=1e-9):
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"
