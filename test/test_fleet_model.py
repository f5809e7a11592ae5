"""A model of the fleet job: its promises hold for any fleet, fault schedule and operation.

Hypothesis draws a whole scenario (a fleet of VMs in any state, locked or not, with or without
a snapshot, listed twice or not; faults over the fake, from dropped connections to a revoked
token and VMs that vanish; an operation with its settings; sometimes a Ctrl-C), runs
``create_snapshots`` / ``restore_snapshots`` / ``delete_snapshots`` against the fake, and checks
the job's promises (docs/fleet.md) against the fake's ground truth: what it received, what it
answered, and which actions it performed.

The default run draws ``DEFAULT_EXAMPLES`` scenarios; ``pytest -m slow test/test_fleet_model.py``
draws ``HOSTINGER_MODEL_EXAMPLES`` (1000 by default), longer slow answers included. A failure
prints the scenario, and ``@reproduce_failure`` replays it.
"""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from support import TOKEN

from hostinger_api import (
    ApiClient,
    ApiException,
    FleetInterrupted,
    FleetReport,
    Outcome,
    create_snapshots,
    delete_snapshots,
    restore_snapshots,
)
from hostinger_api.fleet import INTERRUPT_GRACE, LOOKUP_SECONDS
from hostinger_api.retry import RetryPolicy
from hostinger_api.testing import FakeHostingerApi, Fault, faults

DEFAULT_EXAMPLES = 60
"""Scenarios in the default run: about a minute on a loaded two-core machine."""
SLOW_EXAMPLES = int(os.environ.get("HOSTINGER_MODEL_EXAMPLES", "1000"))
SLACK = 3.0
"""Seconds a bound in time may be overshot by on a busy machine (what it bounds is 0.1 s)."""
LATE = 0.25
"""Seconds after the job returned within which a request read by the fake was still sent before
(the fake reads a request a moment after the client wrote it)."""
FAST = {"poll_interval": 0.05, "max_poll_interval": 0.1}
FIRST_ID = 101
UNKNOWN_ID = 191
"""An id the account does not have, for ``vms=``."""
LOCK_SECONDS = 0.15
"""How long the action that locks a VM before the job runs."""
FOREVER = 10**6
"""``times`` for a fault that stays: a revoked token, a VM gone."""
SNAPSHOT = re.compile(r"/api/vps/v1/virtual-machines/([0-9]+)/snapshot(/restore)?")
VM_PATH = re.compile(r"/api/vps/v1/virtual-machines/([0-9]+)")
SETTLED = ("running", "stopped")
OPERATIONS: dict[str, tuple[Callable[..., FleetReport], str, str]] = {
    # what the job is called, its request, and the action the fake names it
    "create": (create_snapshots, "POST /snapshot", "create_snapshot"),
    "restore": (restore_snapshots, "POST /snapshot/restore", "restore_snapshot"),
    "delete": (delete_snapshots, "DELETE /snapshot", "delete_snapshot"),
}


# -- the scenario -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VmDraw:
    """One VM of the fleet, as drawn."""

    id: int
    state: str
    lock: Optional[str]  # None, "create" or "restore": an action running on it already
    snapshot_age: Optional[timedelta]
    fail_actions: bool
    action_seconds: float


@dataclass(frozen=True)
class FaultDraw:
    """One injected fault: its kind, and which requests it waits for."""

    kind: str
    vm: Optional[int]
    method: Optional[str]
    after: int
    times: int
    status: int  # for the 5xx kinds


@dataclass(frozen=True)
class Scenario:
    vms: tuple[VmDraw, ...]
    listed_twice: tuple[int, ...]  # VM ids the account's list answers twice
    faults: tuple[FaultDraw, ...]
    revoked_after: Optional[int]  # the token stops working after this many requests
    vanished: tuple[tuple[int, int], ...]  # (VM id, after how many of its requests)
    operation: str
    chosen: Optional[tuple[int, ...]]  # vms=...; None: every VM (create) or match="*"
    fresh_within: Optional[timedelta]
    concurrency: int
    wait: bool
    timeout: float
    interrupt_after: Optional[float]  # seconds into the job for a Ctrl-C


FAULT_KINDS = (
    "drop before performed",
    "drop after performed",
    "drop during the body",
    "5xx",
    "5xx after performed",
    "slow",
    "slower than the job",
    "429",
    "429 without headers",
    "429 with rate-limit headers",
)


@st.composite
def vm_draws(draw: st.DrawFn, vm_id: int) -> VmDraw:
    state = draw(st.sampled_from(["running", "running", "stopped", "suspended", "stopping"]))
    age = draw(st.sampled_from([None, timedelta(minutes=10), timedelta(days=2)]))
    locks: list[Optional[str]] = [None, None, "create"] + (["restore"] if age else [])
    return VmDraw(
        id=vm_id,
        state=state,
        lock=draw(st.sampled_from(locks)) if state in SETTLED else None,
        snapshot_age=age,
        fail_actions=draw(st.sampled_from([False, False, False, True])),
        action_seconds=draw(st.sampled_from([0.0, 0.05, 0.2])),
    )


@st.composite
def scenarios(draw: st.DrawFn, most_vms: int = 5) -> Scenario:
    count = draw(st.integers(1, most_vms))
    vms = tuple(draw(vm_draws(FIRST_ID + index)) for index in range(count))
    ids = [vm.id for vm in vms]
    operation = draw(st.sampled_from(sorted(OPERATIONS)))
    some_ids = st.lists(
        st.sampled_from([*ids, UNKNOWN_ID]), min_size=1, max_size=count + 1, unique=True
    )
    fault = st.builds(
        FaultDraw,
        kind=st.sampled_from(FAULT_KINDS),
        vm=st.one_of(st.none(), st.sampled_from(ids)),
        method=st.sampled_from([None, "GET", "POST", "DELETE"]),
        after=st.integers(0, 3),
        times=st.integers(1, 2),
        status=st.sampled_from([500, 502, 503, 504]),
    )
    vanishing = st.lists(st.tuples(st.sampled_from(ids), st.integers(0, 4)), max_size=2)
    return Scenario(
        vms=vms,
        listed_twice=tuple(draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))),
        faults=tuple(draw(st.lists(fault, max_size=4))),
        revoked_after=draw(st.one_of(st.none(), st.none(), st.integers(1, 12))),
        vanished=tuple(dict(draw(vanishing)).items()),
        operation=operation,
        chosen=draw(st.one_of(st.none(), some_ids.map(tuple))),
        fresh_within=(
            draw(st.sampled_from([None, timedelta(hours=1)])) if operation == "create" else None
        ),
        concurrency=draw(st.integers(1, 4)),
        wait=draw(st.booleans()),
        timeout=draw(st.sampled_from([1.0, 2.0])),
        interrupt_after=draw(st.sampled_from([None, None, None, 0.02, 0.1, 0.4])),
    )


# -- the fake, set up as drawn ------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A request the service (or a fault standing in for it) answered, and when it came in."""

    received: float
    method: str
    path: str
    status: int


class ModelFake(FakeHostingerApi):
    """The fake, keeping the status of every answer beside the requests it records."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.answers: list[Answer] = []
        self._answers_lock = threading.Lock()

    def handle(self, method, path, query, authorization):  # type: ignore[no-untyped-def]
        received = time.monotonic()
        response = super().handle(method, path, query, authorization)
        with self._answers_lock:
            self.answers.append(Answer(received, method, path, response.status))
        return response


def fault_for(drawn: FaultDraw, timeout: float) -> Fault:
    kind = drawn.kind
    if kind == "drop before performed":
        return faults.dropped_connection(performed=False)
    if kind == "drop after performed":
        return faults.dropped_connection()
    if kind == "drop during the body":
        return faults.dropped_connection("during")
    if kind == "5xx":
        return faults.error(drawn.status)
    if kind == "5xx after performed":
        return faults.error(drawn.status, performed=True)
    if kind == "slow":
        return faults.slow(0.3)
    if kind == "slower than the job":
        return faults.slow(timeout + SLACK + 0.5)
    if kind == "429":
        return faults.rate_limited(retry_after=0.05)
    if kind == "429 without headers":
        return faults.rate_limited(retry_after=None)
    assert kind == "429 with rate-limit headers", kind
    reset = str(int(time.time()) + 1)
    headers = {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0"}
    headers.update({"X-RateLimit-Reset": reset, "Retry-After": "1"})
    return dataclasses.replace(faults.rate_limited(retry_after=1), headers=headers)


def listed_twice(ids: tuple[int, ...]) -> Callable[[Any], Any]:
    """A rewrite of the VM list that answers these VMs twice, the copy right after each."""

    def rewrite(listed: Any) -> Any:
        return [copy for vm in listed for copy in ([vm, vm] if vm["id"] in ids else [vm])]

    return rewrite


@contextmanager
def fake_for(scenario: Scenario) -> Iterator[tuple[ModelFake, set[int]]]:
    """The fake holding the drawn fleet, its locks and faults; and the ids of the actions that
    ran before the job (the locks)."""
    specs = [
        {
            "id": vm.id,
            "hostname": f"web-{vm.id}.example.com",
            "state": vm.state,
            "fail_actions": vm.fail_actions,
            "action_seconds": LOCK_SECONDS if vm.lock else vm.action_seconds,
        }
        for vm in scenario.vms
    ]
    with ModelFake(token=TOKEN, vms=specs) as fake:
        now = datetime.now(timezone.utc)
        for vm in scenario.vms:
            if vm.snapshot_age is not None:
                fake.set_snapshot(vm.id, created_at=now - vm.snapshot_age)
        before: set[int] = set()
        for vm in scenario.vms:
            if vm.lock is not None:
                path = f"/api/vps/v1/virtual-machines/{vm.id}/snapshot"
                path += "/restore" if vm.lock == "restore" else ""
                # behind the client's back: neither in the requests nor in the answers
                started = FakeHostingerApi.handle(fake, "POST", path, {}, f"Bearer {TOKEN}")
                assert started.status == 200, started.body
                before.add(started.body["id"])  # type: ignore[call-overload,index]
                fake.add_vm(vm.id, action_seconds=vm.action_seconds)
        if scenario.listed_twice:
            twice = Fault(performed=True, rewrite=listed_twice(scenario.listed_twice))
            fake.inject(twice, method="GET")  # the job's first request: the list
        if scenario.revoked_after is not None:
            fake.inject(faults.token_revoked(), after=scenario.revoked_after, times=FOREVER)
        for vm_id, after in scenario.vanished:
            fake.inject(faults.vm_gone(), vm=vm_id, after=after, times=FOREVER)
        for drawn in scenario.faults:
            fault = fault_for(drawn, scenario.timeout)
            fake.inject(
                fault, vm=drawn.vm, method=drawn.method, after=drawn.after, times=drawn.times
            )
        yield fake, before


# -- the run ------------------------------------------------------------------------------------


@dataclass
class Run:
    """What the job did, as the test saw it from outside."""

    began: float
    began_at: datetime
    returned: float = 0.0
    report: Optional[FleetReport] = None
    raised: Optional[BaseException] = None
    interrupted_at: Optional[float] = None  # when the Ctrl-C was delivered to the job


class CtrlC:
    """A Ctrl-C from a timer thread, delivered only while the job runs in the main thread.

    The signal's handler raises KeyboardInterrupt only while ``running``: a signal that arrives
    after the job returned is dropped, so it never escapes into the test.
    """

    def __init__(self, after: Optional[float]) -> None:
        self.after = after
        self.running = False
        self.delivered_at: Optional[float] = None
        self._previous: Any = None
        self._timer: Optional[threading.Timer] = None

    def __enter__(self) -> CtrlC:
        if self.after is not None:
            self._previous = signal.signal(signal.SIGINT, self._handle)
            main = threading.main_thread().ident
            assert main is not None

            def press() -> None:
                if self.running:
                    signal.pthread_kill(main, signal.SIGINT)

            self._timer = threading.Timer(self.after, press)
        return self

    def start(self) -> None:
        self.running = True
        if self._timer is not None:
            self._timer.start()

    def _handle(self, signum: int, frame: Any) -> None:
        if self.running and self.delivered_at is None:
            self.delivered_at = time.monotonic()
            raise KeyboardInterrupt

    def __exit__(self, *exc_info: object) -> None:
        self.running = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer.join()
            signal.signal(signal.SIGINT, self._previous)


def run_job(scenario: Scenario, fake: ModelFake) -> Run:
    function = OPERATIONS[scenario.operation][0]
    arguments: dict[str, Any] = dict(FAST)
    arguments.update(concurrency=scenario.concurrency, wait=scenario.wait, timeout=scenario.timeout)
    if scenario.chosen is not None:
        arguments["vms"] = list(scenario.chosen)
    elif scenario.operation != "create":
        arguments["match"] = "*"
    if scenario.fresh_within is not None:
        arguments["fresh_within"] = scenario.fresh_within
    configuration = fake.configuration()
    configuration.retries = RetryPolicy(total=3, backoff_factor=0.02, backoff_max=0.1, max_wait=3.0)
    configuration.connect_timeout = 2.0
    configuration.read_timeout = 10.0
    threads_before = set(threading.enumerate())
    with ApiClient(configuration) as client, CtrlC(scenario.interrupt_after) as ctrl_c:
        run = Run(began=time.monotonic(), began_at=datetime.now(timezone.utc))
        returned: list[FleetReport] = []
        try:
            ctrl_c.start()
            try:
                returned.append(function(client, **arguments))
            finally:
                ctrl_c.running = False
                run.returned = time.monotonic()
        except FleetInterrupted as interrupted:
            run.report = interrupted.report
            run.raised = interrupted
        except KeyboardInterrupt as pressed:
            if not returned:  # else: the Ctrl-C came after the job returned, in this frame
                run.raised = pressed
        except Exception as error:  # checked below: only the list of VMs may fail the job
            run.raised = error
        if returned:
            run.report = returned[0]
        run.interrupted_at = ctrl_c.delivered_at
        # Let the job's threads end (a straggler would send now), then look a moment longer.
        quiet = time.monotonic() + (2.0 if run.interrupted_at is not None else 1.0)
        while time.monotonic() < quiet and any(
            thread.is_alive() and thread.name.startswith("hostinger-fleet")
            for thread in set(threading.enumerate()) - threads_before
        ):
            time.sleep(0.01)
        time.sleep(0.05)
    return run


# -- the promises -------------------------------------------------------------------------------

NOTHING_SENT = re.compile(
    r"nothing was sent|before anything was sent|not started|not sent(?! again)"
)


def expected_ids(scenario: Scenario) -> list[int]:
    """The VMs the report must list, once each, in order."""
    if scenario.chosen is not None:
        return list(scenario.chosen)
    return sorted(vm.id for vm in scenario.vms)


def true_skip_reasons(scenario: Scenario, vm_id: int) -> list[str]:
    """What may truly make the job skip this VM: its state, or its snapshot (the words a reason
    naming it holds)."""
    vm = next((vm for vm in scenario.vms if vm.id == vm_id), None)
    if vm is None:
        return []
    reasons = []
    if vm.state not in SETTLED:
        reasons.append(vm.state)
    made_one = vm.lock == "create" and not vm.fail_actions  # the running action's snapshot
    has_snapshot = vm.snapshot_age is not None or made_one
    if scenario.operation != "create" and not has_snapshot:
        reasons.append("snapshot")
    if scenario.fresh_within is not None and (
        made_one or (vm.snapshot_age is not None and vm.snapshot_age < scenario.fresh_within)
    ):
        reasons.append("snapshot")
    return reasons


def vm_of(path: str) -> Optional[int]:
    match = VM_PATH.match(path)
    return int(match[1]) if match else None


def check_promises(scenario: Scenario, fake: ModelFake, before: set[int], run: Run) -> None:
    answers = list(fake.answers)
    note(f"answers: {[(a.method, a.path, a.status) for a in answers]}")
    request, action_name = OPERATIONS[scenario.operation][1:]

    # Nothing is sent after the job returned or raised.
    late = [r for r in fake.requests if r.received > run.returned + LATE]
    assert not late, (
        f"sent {run.returned and late[0].received - run.returned:.2f} s after the job "
        f"{'raised' if run.raised else 'returned'}: {[(r.method, r.path) for r in late]}"
    )

    # At most one state-changing request per VM (a 429 refused it unperformed: not counted),
    # and only the operation's own.
    changing: dict[int, list[Answer]] = {}
    for answer in answers:
        snapshot = SNAPSHOT.fullmatch(answer.path)
        if answer.method in ("POST", "DELETE") and snapshot and answer.status != 429:
            changing.setdefault(int(snapshot[1]), []).append(answer)
            sent = f"{answer.method} /snapshot{snapshot[2] or ''}"
            assert sent == request, f"a {scenario.operation} job sent {sent}"
    for vm_id, sent_to in changing.items():
        assert len(sent_to) <= 1, (
            f"VM {vm_id} got {len(sent_to)} {request} requests: "
            f"{[(a.method, a.status) for a in sent_to]}"
        )

    # The job ends within its timeout (plus the check of a lost answer, which may outlast it,
    # and the grace for requests on the wire after a Ctrl-C).
    deadline = run.began + scenario.timeout
    allowed = scenario.timeout + SLACK
    if any(a.received > deadline and a.path.endswith("/actions") for a in answers):
        allowed += LOOKUP_SECONDS
    if run.interrupted_at is not None:
        allowed += INTERRUPT_GRACE
        assert run.returned - run.interrupted_at <= INTERRUPT_GRACE + SLACK
    assert run.returned - run.began <= allowed, (
        f"the job took {run.returned - run.began:.1f} s with a timeout of {scenario.timeout} s"
    )

    # After a 401, the job starts no more VMs.
    refused = [a.received for a in answers if a.status == 401]
    if refused:
        for vm_id in {vm_of(a.path) for a in answers} - {None}:
            first = min(a.received for a in answers if vm_of(a.path) == vm_id)
            assert first <= refused[0] + LATE, (
                f"VM {vm_id} was started {first - refused[0]:.2f} s after the token was refused"
            )

    if run.report is None:
        # Only the list of VMs may fail the whole job (or a Ctrl-C stop it while it is listed):
        # then nothing else was sent.
        assert isinstance(run.raised, (ApiException, KeyboardInterrupt)), run.raised
        assert all(vm_of(r.path) is None for r in fake.requests), f"raised {run.raised!r}"
        return
    report = run.report
    if run.interrupted_at is not None:
        assert isinstance(run.raised, FleetInterrupted), f"after Ctrl-C: {run.raised!r}"
        assert report.interrupted
    else:
        assert run.raised is None, f"the job raised {run.raised!r}"

    # Every VM exactly once in the report, in order.
    reported = [result.vm_id for result in report.results]
    assert reported == expected_ids(scenario), f"reported {reported}"

    for result in report.results:
        vm_id, outcome = result.vm_id, result.outcome
        sent_to = changing.get(vm_id, [])
        performed = [
            action
            for action in fake.actions(vm_id)
            if action["id"] not in before and action["name"] == action_name
        ]
        where = f"VM {vm_id} {outcome.value} ({result.reason})"
        if result.reason and NOTHING_SENT.search(result.reason):
            assert not sent_to, f"{where}, but the fake got its {request}"
        if outcome in (Outcome.SUCCEEDED, Outcome.STARTED, Outcome.FAILED):
            # Only where the fake performed that very operation on that VM.
            assert len(performed) == 1, f"{where}, but the fake performed {performed}"
            assert result.action is not None, f"{where} without its action"
            assert result.action.id == performed[0]["id"], (
                f"{where} with action {result.action}, but the fake performed {performed}"
            )
            state = {Outcome.SUCCEEDED: "success", Outcome.FAILED: "error"}.get(outcome)
            assert state is None or performed[0]["state"] == state, f"{where}: {performed}"
        if outcome == Outcome.SUCCEEDED and scenario.operation == "create":
            snapshot = fake.snapshot(vm_id)
            assert snapshot is not None, f"{where}, but it has no snapshot"
            taken = datetime.strptime(snapshot["created_at"], "%Y-%m-%dT%H:%M:%S%z")
            assert taken >= run.began_at - timedelta(seconds=2), f"{where}: {snapshot}"
        if outcome == Outcome.SUCCEEDED and scenario.operation == "delete":
            assert fake.snapshot(vm_id) is None, f"{where}, but its snapshot is still there"
        if outcome == Outcome.SKIPPED:
            assert not sent_to, f"{where}, but the fake got its {request}"
            truths = true_skip_reasons(scenario, vm_id)
            assert truths, f"{where}, and none of its state or snapshot says so"
            assert any(truth in (result.reason or "") for truth in truths), (
                f"{where}: the true reasons are about {truths}"
            )


# -- the tests ----------------------------------------------------------------------------------


def check(scenario: Scenario) -> None:
    with fake_for(scenario) as (fake, before):
        run = run_job(scenario, fake)
        check_promises(scenario, fake, before, run)


MODEL = settings(
    deadline=None,
    # No shrinking in the default run: a failure is reported at once, as drawn (minutes of
    # shrinking would blow the CI budget); the slow run shrinks it to a minimal scenario.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)


@settings(MODEL, max_examples=DEFAULT_EXAMPLES)
@given(scenario=scenarios())
def test_the_fleet_job_keeps_its_promises(scenario: Scenario) -> None:
    check(scenario)


@pytest.mark.slow
@settings(MODEL, max_examples=SLOW_EXAMPLES, phases=list(Phase))
@given(scenario=scenarios(most_vms=8))
def test_the_fleet_job_keeps_its_promises_in_many_more_scenarios(scenario: Scenario) -> None:
    check(scenario)
