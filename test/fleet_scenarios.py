"""The fleet job's model, its scenarios: how one is drawn, and how the fake is set up as drawn.
``fleet_runs`` runs the job in it, and ``test_fleet_model`` checks the promises."""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional

from hypothesis import strategies as st
from support import TOKEN

from hostinger_api import (
    ApiClient,
    FleetReport,
    create_snapshots,
    delete_snapshots,
    restore_snapshots,
)
from hostinger_api.fleet import Vm, select_vms
from hostinger_api.testing import FakeHostingerApi, Fault, faults

SLACK = 3.0
"""Seconds a bound in time may be overshot by on a busy machine (what it bounds is 0.1 s)."""
LOOKUP_GRACE = 5.0
"""docs/fleet.md: the check of a lost answer may take the job to its timeout plus 5 s."""
INTERRUPT_GRACE = 15.0
"""docs/fleet.md: after Ctrl-C, requests already on the wire get up to 15 s to answer."""
FAST = {"poll_interval": 0.05, "max_poll_interval": 0.1}
FIRST_ID = 101
UNKNOWN_ID = 191
"""An id the account does not have, for ``vms=``."""
NEWCOMER_ID = 192
"""A VM that appears after the VMs were listed for a confirmation: the job must not touch it."""
LOCK_SECONDS = 0.15
"""How long the action that locks a VM before the job runs."""
FOREVER = 10**6
"""``times`` for a fault that stays: a revoked token, a VM gone."""
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
    snapshot_age: Optional[timedelta]
    recent: Optional[str]  # None, "create", "restore" or "delete": an action that just ended
    lock: Optional[str]  # None, "create" or "restore": an action running on it still
    fail_actions: bool
    action_seconds: float

    def snapshot_at_start(self, fresh_within: Optional[timedelta]) -> tuple[bool, bool]:
        """Whether it has a snapshot once the actions before the job ended, and a fresh one."""
        present = self.snapshot_age is not None
        fresh = present and fresh_within is not None and self.snapshot_age < fresh_within
        for before in (self.recent, self.lock):
            if before == "create" and not self.fail_actions:
                present = fresh = True
            elif before == "delete" and not self.fail_actions:
                present = fresh = False
        return present, fresh


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
    rate_limit: Optional[tuple[int, str]] = None  # the fake's limit: N a second, its headers
    confirmed: bool = False  # the VMs listed first (as shown for a confirmation), then passed


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
    "429 asking for a long pause",  # longer than any job: the gate holds every worker
    "the edge's block",  # Cloudflare's text/plain "error code: 1015", Retry-After 2272
)
LONG_PAUSE = 2.5
"""Seconds a "long pause" 429 asks for: beyond any drawn job's timeout (the gate refuses to
wait), within the model client's ``max_wait`` (a longer job waits it out in the gate)."""


@st.composite
def vm_draws(draw: st.DrawFn, vm_id: int, endless: bool = False) -> VmDraw:
    state = draw(st.sampled_from(["running"] * 3 + ["stopped", "suspended", "stopping"]))
    age = draw(st.sampled_from([None, timedelta(minutes=10), timedelta(days=2)]))
    fail_actions = draw(st.sampled_from([False, False, False, True]))
    recent = lock = None
    if state in SETTLED:  # the fake starts actions on running and stopped VMs only
        recents: list[Optional[str]] = [None, None, "create"] + (["restore", "delete"] * bool(age))
        recent = draw(st.sampled_from(recents))
        has = age is not None if recent in (None, "restore") or fail_actions else recent == "create"
        lock = draw(st.sampled_from([None, None, "create"] + ["restore"] * has))
    return VmDraw(
        id=vm_id,
        state=state,
        snapshot_age=age,
        recent=recent,
        lock=lock,
        fail_actions=fail_actions,
        action_seconds=draw(st.sampled_from([0.0, 0.05, 0.2] + [math.inf] * endless)),
    )


@st.composite
def scenarios(draw: st.DrawFn, most_vms: int = 5, endless: bool = False) -> Scenario:
    """A scenario of up to ``most_vms`` VMs; ``endless``: some actions never end (each costs
    the job its whole timeout)."""
    count = draw(st.integers(1, most_vms))
    vms = tuple(draw(vm_draws(FIRST_ID + index, endless)) for index in range(count))
    ids = [vm.id for vm in vms]
    operation = draw(st.sampled_from(sorted(OPERATIONS)))
    some_ids = st.lists(
        st.sampled_from([*ids, UNKNOWN_ID]), min_size=1, max_size=count + 1, unique=True
    )
    sends = "DELETE" if operation == "delete" else "POST"  # the request a lost answer hurts most
    fault = st.builds(
        FaultDraw,
        kind=st.sampled_from(FAULT_KINDS),
        vm=st.one_of(st.none(), st.sampled_from(ids)),
        method=st.sampled_from([None, "GET", sends, sends]),
        after=st.integers(0, 3),
        times=st.integers(1, 2),
        status=st.sampled_from([500, 502, 503, 504]),
    )
    vanishing = st.lists(st.tuples(st.sampled_from(ids), st.integers(0, 4)), max_size=1)
    return Scenario(
        vms=vms,
        listed_twice=tuple(draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))),
        faults=tuple(draw(st.one_of(st.just([]), st.lists(fault, max_size=3)))),
        revoked_after=draw(st.sampled_from([None] * 10 + [3, 10, 30, 60])),
        vanished=draw(st.one_of(st.just(()), st.just(()), vanishing.map(tuple))),
        operation=operation,
        chosen=draw(st.one_of(st.none(), some_ids.map(tuple))),
        fresh_within=(
            draw(st.sampled_from([None, timedelta(hours=1)])) if operation == "create" else None
        ),
        concurrency=draw(st.integers(1, 4)),
        wait=draw(st.booleans()),
        timeout=draw(st.sampled_from([1.0, 2.0])),
        # the job takes 0.05 to 2 s: most Ctrl-C come early
        interrupt_after=draw(st.sampled_from([None] * 18 + [0.002, 0.005, 0.01, 0.02, 0.05, 0.2])),
        rate_limit=draw(
            st.sampled_from([None] * 9 + [(20, mode) for mode in ("laravel", "ietf", "none")])
        ),
        confirmed=draw(st.sampled_from([False, False, False, True])),
    )


# -- the fake, set up as drawn ------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A request the service (or a fault standing in for it) answered: when it came in, and
    when its answer went out (or the connection was dropped)."""

    received: float
    method: str
    path: str
    status: int
    answered: float


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
            answered = time.monotonic() + response.delay  # a slow fault waits in the server
            self.answers.append(Answer(received, method, path, response.status, answered))
        return response

    def clear_requests(self) -> None:
        super().clear_requests()
        with self._answers_lock:
            self.answers.clear()


@dataclass(frozen=True)
class Setup:
    """The fake as drawn, the ids of the actions that ran before the job (recent ones, and
    those that lock their VM), and the VMs listed for a confirmation (None: not confirmed)."""

    fake: ModelFake
    before: set[int]
    confirmed: Optional[list[Vm]]


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
    if kind == "slower than the job":  # even with the check of a lost answer after it
        return faults.slow(timeout + LOOKUP_GRACE + SLACK + 1.0)
    if kind == "429":
        return faults.rate_limited(retry_after=0.05)
    if kind == "429 without headers":
        return faults.rate_limited(retry_after=None)
    if kind == "429 asking for a long pause":
        return faults.rate_limited(retry_after=LONG_PAUSE)
    if kind == "the edge's block":
        headers = {"Content-Type": "text/plain; charset=UTF-8", "Retry-After": "2272"}
        return Fault(status=429, body=b"error code: 1015", headers=headers)
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


def start_action(fake: ModelFake, vm_id: int, operation: str) -> int:
    """Start an action behind the client's back (neither in the requests nor the answers)."""
    path = f"/api/vps/v1/virtual-machines/{vm_id}/snapshot"
    path += "/restore" if operation == "restore" else ""
    method = "DELETE" if operation == "delete" else "POST"
    started = FakeHostingerApi.handle(fake, method, path, {}, f"Bearer {TOKEN}")
    assert started.status == 200, started.body
    assert isinstance(started.body, dict)
    return int(started.body["id"])


def selection(scenario: Scenario) -> dict[str, Any]:
    """``vms`` or ``match``, as drawn."""
    if scenario.chosen is not None:
        return {"vms": list(scenario.chosen)}
    return {} if scenario.operation == "create" else {"match": "*"}


@contextmanager
def fake_for(scenario: Scenario) -> Iterator[Setup]:
    """The fake holding the drawn fleet, its actions and faults, and what was confirmed."""
    specs = [
        {
            "id": vm.id,
            "hostname": f"web-{vm.id}.example.com",
            "state": vm.state,
            "fail_actions": vm.fail_actions,
            "action_seconds": 0,
        }
        for vm in scenario.vms
    ]
    limit: dict[str, Any] = {}
    if scenario.rate_limit is not None:
        # 20 a second: enough for the actions set up below (two a VM at most), not for the job
        limit = {"rate_limit": (scenario.rate_limit[0], 1.0)}
        limit.update(rate_limit_headers=scenario.rate_limit[1])
    with ModelFake(token=TOKEN, vms=specs, **limit) as fake:
        now = datetime.now(timezone.utc)
        for vm in scenario.vms:
            if vm.snapshot_age is not None:
                fake.set_snapshot(vm.id, created_at=now - vm.snapshot_age)
        before: set[int] = set()
        for vm in scenario.vms:
            if vm.recent is not None:  # takes no time: it has ended when the job starts
                before.add(start_action(fake, vm.id, vm.recent))
            if vm.lock is not None:
                fake.add_vm(vm.id, action_seconds=LOCK_SECONDS)
                before.add(start_action(fake, vm.id, vm.lock))
            fake.add_vm(vm.id, action_seconds=vm.action_seconds)
        if scenario.listed_twice:
            twice = Fault(performed=True, rewrite=listed_twice(scenario.listed_twice))
            fake.inject(twice, method="GET")  # the first request: the list
        confirmed = None
        if scenario.confirmed:  # listed as the command line does, to show them for a yes
            with ApiClient(fake.configuration()) as client:
                confirmed = select_vms(client, **selection(scenario))
            fake.add_vm(NEWCOMER_ID, hostname="web-new.example.com")  # and one more appears
            fake.set_snapshot(NEWCOMER_ID)
            fake.clear_requests()
        if scenario.revoked_after is not None:
            fake.inject(faults.token_revoked(), after=scenario.revoked_after, times=FOREVER)
        for vm_id, after in scenario.vanished:
            fake.inject(faults.vm_gone(), vm=vm_id, after=after, times=FOREVER)
        for drawn in scenario.faults:
            fault = fault_for(drawn, scenario.timeout)
            fake.inject(
                fault, vm=drawn.vm, method=drawn.method, after=drawn.after, times=drawn.times
            )
        yield Setup(fake, before, confirmed)
