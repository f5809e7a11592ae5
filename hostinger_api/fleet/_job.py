"""The fleet job's engine: worker threads, and each VM's way through them.

Each VM goes through the same steps, up to ``concurrency`` VMs at once in worker threads that
share the client (and so its rate limit): wait for an action already running on it (its
``actions_lock``), check its state (running or stopped), check its snapshot (``fresh_within``
for create; one to restore or delete), send one request, wait for the action. The whole job
holds to ``timeout``.

A VM's request is never sent twice in one run. When its answer is lost (no answer, a broken
body, a gateway error), the VM's newest actions tell whether it was performed: an action of
that kind created since the request was sent is followed like any other; none, and the VM is
reported ``unknown`` with what was checked.

On Ctrl-C the job stops starting VMs, waits briefly for requests already on the wire, and
reports the VMs in flight as ``interrupted``, with their action.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Optional

from hostinger_api._checks import positive_seconds
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
from hostinger_api.fleet._select import (
    Match,
    Vm,
    VmIds,
    check_client,
    check_concurrency,
    check_fresh_within,
    check_match,
    check_vms,
    chosen_vms,
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
from hostinger_api.models.vpsv1_virtual_machine_virtual_machine_resource import (
    VirtualMachineState,
)
from hostinger_api.retry import deadline
from hostinger_api.waiters import DEFAULT_MAX_POLL_INTERVAL, poll_action

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


@dataclass(frozen=True)
class Operation:
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


CREATE = Operation("create", "POST", needs_snapshot=False)
RESTORE = Operation("restore", "POST", needs_snapshot=True)
DELETE = Operation("delete", "DELETE", needs_snapshot=True)


@dataclass
class Job:
    """One run: the settings, the shared stop signal and what each worker is doing."""

    operation: Operation
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
    in_flight: dict[int, VmRun] = field(default_factory=dict)
    ends: float = 0.0

    @classmethod
    def checked(
        cls,
        operation: Operation,
        client: ApiClient,
        *,
        vms: VmIds,
        match: Match,
        concurrency: int,
        wait: bool,
        timeout: float,
        on_progress: Optional[OnProgress],
        fresh_within: Optional[timedelta],
        poll_interval: float,
        max_poll_interval: float,
    ) -> Job:
        """The job with these arguments, all checked before anything is sent.

        The checks run in one order for every operation, so that the first bad argument
        named is the same whichever function was called.
        """
        fresh_within = check_fresh_within(fresh_within)
        check_client(client)
        ids, patterns = check_vms(vms), check_match(match)
        if operation.needs_snapshot and ids is None and patterns is None:
            raise ApiValueError(
                f"{operation.verb}_snapshots needs vms or match: pass match='*' to "
                f"{operation.verb} the snapshot of every VM of the account"
            )
        if not isinstance(wait, bool):
            raise ApiTypeError(f"wait must be True or False, not {type(wait).__name__}")
        if on_progress is not None and not callable(on_progress):
            raise ApiTypeError(f"on_progress must be callable, not {type(on_progress).__name__}")
        concurrency = check_concurrency(concurrency)
        timeout = positive_seconds("timeout", timeout)
        poll_interval = positive_seconds("poll_interval", poll_interval)
        max_poll_interval = positive_seconds("max_poll_interval", max_poll_interval)
        return cls(
            operation=operation,
            client=client,
            ids=ids,
            patterns=patterns,
            concurrency=concurrency,
            wait=wait,
            timeout=timeout,
            on_progress=on_progress,
            fresh_within=fresh_within,
            poll_interval=poll_interval,
            max_poll_interval=max(poll_interval, max_poll_interval),
        )

    def remaining(self) -> float:
        return self.ends - time.monotonic()

    def run(self) -> FleetReport:
        started = time.monotonic()
        self.ends = started + self.timeout
        with deadline(self.timeout):
            targets = chosen_vms(self.client, self.ids, self.patterns)
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
            run = VmRun(self, targets[index])
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
                run = runs.get(index) or VmRun(self, target)
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


class VmRun:
    """One VM's way through the job, in a worker thread; the job reads its progress on Ctrl-C."""

    def __init__(self, job: Job, vm: Vm) -> None:
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
            stop=self.job.stop,  # after Ctrl-C, no poll goes out, failing ones included
        ):
            if self.job.stop.is_set():
                raise _Stopped
            yield seen
        if self.job.stop.is_set():
            raise _Stopped

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

