"""One VM's way through a fleet job, in a worker thread.

The steps: wait for an action already running on it (its ``actions_lock``), check its state
(running or stopped), check its snapshot (``fresh_within`` for create; one to restore or
delete), list its actions, send one request, wait for the action. A dry run stops before the
listing: the VM is ``planned``.

The request is sent once (``sent_at_most_once``), cut to the job's remaining time. When its
answer is lost (no answer, a broken body, a gateway error, the job's timeout), the VM's newest
actions tell whether it was performed: only an action of that operation, created since the
request was sent and not listed just before it, is taken for it; none, and the VM is
``unknown``. A 401 anywhere sets the job's ``refused``: no VM starts after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Optional

from hostinger_api.api.vps_actions_api import VPSActionsApi
from hostinger_api.api.vps_snapshots_api import VPSSnapshotsApi
from hostinger_api.api.vps_virtual_machine_api import VPSVirtualMachineApi
from hostinger_api.exceptions import (
    ActionFailedError,
    ActionTimeoutError,
    ApiException,
    ApiTimeoutError,
    NotFoundException,
    RequestNotSent,
    UnauthorizedException,
)
from hostinger_api.fleet._lookup import (
    Before,
    lost_action,
    maybe_performed,
    since,
    snapshot_missing,
)
from hostinger_api.fleet._select import Vm
from hostinger_api.fleet._shared import CLOCK_SLACK, LOOKUP_SECONDS, Shared
from hostinger_api.fleet.report import Action, Outcome, VmResult, duration_text, error_text
from hostinger_api.models.vpsv1_virtual_machine_virtual_machine_resource import (
    VirtualMachineState,
)
from hostinger_api.retry import deadline, sent_at_most_once
from hostinger_api.waiters import poll_action

REFUSED = "the token was refused"


class _Stopped(Exception):
    """The job was interrupted: this VM stops where it is."""


class _Ended(Exception):
    """This VM is done before its request: the result says why."""

    def __init__(self, result: VmResult) -> None:
        super().__init__(result.reason)
        self.result = result


class VmRun:
    """One VM's way through the job, in a worker thread; the job reads its progress on Ctrl-C."""

    def __init__(self, job: Shared, vm: Vm) -> None:
        assert vm.id is not None
        self.job = job
        self.vm = vm
        self.vm_id: int = vm.id
        self.op = job.operation
        self.snapshots = VPSSnapshotsApi(job.client)
        self.actions = VPSActionsApi(job.client)
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
        except UnauthorizedException as error:
            self.job.refused.set()  # the token no longer works: start no more VMs
            return self._refused(error)
        except RequestNotSent as error:
            if self.job.stop.is_set():
                return self.interrupted()
            if self.job.refused.is_set():
                return self._refused(error)
            return self._error(error)
        except ApiTimeoutError as error:
            if self.job.remaining() > 0 or self.sent or self.action is not None:
                return self._error(error)
            return self.ended(  # a check cut by the job's timeout: nothing was sent
                Outcome.TIMED_OUT,
                f"the job's timeout of {self.job.timeout:g} s ran out before the "
                f"{self.op.method} was sent; nothing was sent",
                error=error,
            )
        except ApiException as error:
            return self._error(error)
        except Exception as error:  # a result, not a dead worker: the job must report every VM
            return self.ended(Outcome.ERROR, f"{type(error).__name__}: {error}", error=error)

    def _error(self, error: ApiException) -> VmResult:
        return self.ended(Outcome.ERROR, error_text(error), error=error)

    def _refused(self, error: ApiException) -> VmResult:
        """After a 401 (here, or in another VM): how far this VM got."""
        if self.action is not None and self.action.id is not None:
            reason = (
                f"{REFUSED} (401) while following action {self.action.id}, which goes on at "
                f"Hostinger: hostinger-api action wait {self.vm_id} {self.action.id}"
            )
        elif self.sent:
            reason = (
                f"{REFUSED} (401) after the {self.op.method} was sent: it may have been "
                f"performed (hostinger-api action list {self.vm_id})"
            )
        else:
            reason = f"{REFUSED} (401); nothing was sent"
        return self.ended(Outcome.ERROR, reason, error=error)

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
        if self.job.refused.is_set():
            return self.ended(Outcome.ERROR, f"not started: {REFUSED}")
        if self.vm.state is None and self.vm.actions_lock is None:
            self.vm = self._details()  # an id the account's list did not hold
        if self.vm.is_locked():
            if self.job.dry_run:
                return self._locked()
            self._wait_until_unlocked()
        if self.vm.state not in VirtualMachineState.SETTLED:
            return self.ended(
                Outcome.SKIPPED,
                f"state is '{self.vm.state}': snapshots are for running or stopped VMs only",
            )
        self._check_snapshot()
        if self.job.dry_run:
            return self.ended(Outcome.PLANNED, f"would {self.op.verb}")
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

    def _locked(self) -> VmResult:
        """A dry run does not wait for a locked VM: it names what runs on it."""
        running = self._running_action()
        if running is None:
            return self.ended(Outcome.SKIPPED, "locked: no running action found")
        return self.ended(
            Outcome.SKIPPED, f"locked: action {running.id} running", action=running
        )

    def _wait_until_unlocked(self) -> None:
        """Wait for the action running on the VM (whatever its outcome), then look again."""
        interval = self.job.poll_interval
        while self.vm.is_locked():
            running = self._running_action()
            if running is not None and running.id is not None:
                self.waiting_for = running
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

    def _list_actions(self, seconds: float) -> list[Action]:
        with deadline(seconds):
            page = self.actions.get_actions_v1(self.vm_id)
        return list(page.data or [])

    def _running_action(self) -> Optional[Action]:
        listed = self._list_actions(max(self.job.remaining(), 1e-3))
        return next((a for a in listed if not a.is_finished()), None)

    def _check_snapshot(self) -> None:
        """Skip the VM when its snapshot is fresh enough (create), or missing (restore, delete).

        A 404 is read by its message: a missing snapshot is no snapshot, a missing VM is the
        VM's error; when the message does not say, the VM's details tell.
        """
        if not self.op.needs_snapshot and self.job.fresh_within is None:
            return
        try:
            with deadline(max(self.job.remaining(), 1e-3)):
                snapshot = self.snapshots.get_snapshot_v1(self.vm_id)
        except NotFoundException as error:
            missing = snapshot_missing(error)
            if missing is False:
                raise
            if missing is None:
                self.vm = self._details()  # a 404 here: the VM is gone, the VM's error
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
        """The one request of this run: its action, found again if its answer was lost.

        The VM's actions are listed first, so that none of them can be taken for its action.
        """
        before = Before.of(self._list_actions(max(self.job.remaining(), 1e-3)))
        with self.job.lock:
            if self.job.stop.is_set():
                raise _Stopped
            if self.job.refused.is_set():
                raise _Ended(self.ended(Outcome.ERROR, f"not sent: {REFUSED}"))
            self.sending = True
        try:
            if self.job.remaining() <= 0:
                raise _Ended(
                    self.ended(
                        Outcome.TIMED_OUT,
                        f"not sent: the job's timeout of {self.job.timeout:g} s ran out",
                    )
                )
            sent_at = datetime.now(timezone.utc)
            try:
                with deadline(max(self.job.remaining(), 1e-3)), sent_at_most_once():
                    action = self.op.send(self.snapshots, self.vm_id)
            except ApiException as error:
                # an answer that refused it (401, 422, 429...) says it was not performed
                self.sent = maybe_performed(error)
                if not self.sent:
                    raise
                action = self._find_lost(before, sent_at, error)
            self.sent = True
            self.action = action  # before `sending` ends: on Ctrl-C the job reads them in turn
        finally:
            self.sending = False
        return action

    def _find_lost(self, before: Before, sent_at: datetime, lost: ApiException) -> Action:
        """After a lost answer: the action the request started, from the VM's newest actions."""
        what = f"the answer to the {self.op.method} was lost ({type(lost).__name__})"
        try:
            listed = self._list_actions(max(self.job.remaining(), LOOKUP_SECONDS))
        except RequestNotSent:
            if self.job.stop.is_set():
                raise _Stopped from None
            raise
        except UnauthorizedException:
            raise
        except ApiException as error:
            raise _Ended(
                self.ended(
                    Outcome.UNKNOWN,
                    f"{what}, and listing its actions to check failed ({type(error).__name__}); "
                    f"not sent again: see hostinger-api action list {self.vm_id}",
                    error=lost,
                )
            ) from None
        found = lost_action(listed, before, sent_at, self.op)
        if found is None:
            earliest = since(sent_at, before).strftime("%Y-%m-%dT%H:%M:%SZ")
            raise _Ended(
                self.ended(
                    Outcome.UNKNOWN,
                    f"{what}, and none of the VM's {len(listed)} newest actions is a new "
                    f"{self.op.verb} action created since {earliest} (the request's time less "
                    f"{CLOCK_SLACK.seconds} s): probably not performed; not sent again: "
                    f"see hostinger-api action list {self.vm_id}",
                    error=lost,
                )
            )
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
            if self.job.remaining() <= 0:
                raise ActionTimeoutError("the job's time ran out before the first poll", action)
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
