"""A client made before ``os.fork()`` keeps working in both processes, each on its own sockets.

Prefork servers (gunicorn, Celery, multiprocessing's "fork") build a client in the parent and use
it in the children. A child that shared the parent's pooled sockets would read the parent's
answers (and the parent the child's) with no error at all; a lock some other thread held at the
moment of the fork would stay held in the child for ever.
"""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any, Callable

import pytest
from support import TOKEN

from hostinger_api import ApiClient, Configuration, VPSVirtualMachineApi
from hostinger_api.testing import FakeHostingerApi

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="this platform has no fork()")

VMS = list(range(1001, 1041))
"""Distinct ids, so that an answer meant for another request is seen: a VM's answer names it."""


@pytest.fixture
def fleet() -> Iterator[FakeHostingerApi]:
    with FakeHostingerApi(vms=VMS, token=TOKEN) as server:
        yield server


def mismatches(api_client: ApiClient, threads: int, calls: int, seed: int) -> dict[str, Any]:
    """``threads`` threads each asking for ``calls`` random VMs: the answers that were not the
    VM asked for, and the calls that failed."""
    vms = VPSVirtualMachineApi(api_client)
    wrong: list[str] = []
    failed: list[str] = []

    def work(index: int) -> None:
        draw = random.Random(seed * 1000 + index)
        for _ in range(calls):
            asked = draw.choice(VMS)
            try:
                got = vms.get_virtual_machine_details_v1(asked).id
            except Exception as error:  # counted: a crossed answer may break the framing
                failed.append(f"{type(error).__name__}: {error}")
                continue
            if got != asked:
                wrong.append(f"asked {asked}, got {got}")

    workers = [threading.Thread(target=work, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return {
        "calls": threads * calls,
        "n_wrong": len(wrong),
        "wrong": wrong[:5],
        "n_failed": len(failed),
        "failed": failed[:5],
    }


def in_child(work: Callable[[], dict[str, Any]], limit: float = 60.0) -> tuple[int, dict[str, Any]]:
    """Fork, run ``work`` in the child, and hand back its exit status and what it returned."""
    child = Child(work)
    return child.result(limit)


class Child:
    """A forked child running ``work``; its JSON result comes back through a pipe."""

    def __init__(self, work: Callable[[], dict[str, Any]]) -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            status = 1
            try:
                os.close(read_end)
                outcome = work()
                with os.fdopen(write_end, "w") as pipe:
                    pipe.write(json.dumps(outcome))
                status = 0
            except BaseException as error:  # reported to the parent through the exit status
                os.write(2, f"child failed: {error!r}\n".encode())
            finally:
                os._exit(status)
        os.close(write_end)
        self.pid = pid
        self.read_end = read_end

    def result(self, limit: float) -> tuple[int, dict[str, Any]]:
        """The child's exit status and result; a child still running after ``limit`` seconds
        is killed (it hung) and reported as status -1."""
        ends = time.monotonic() + limit
        status = None
        while time.monotonic() < ends:
            done, wait_status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(wait_status)
                break
            time.sleep(0.05)
        if status is None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            os.close(self.read_end)
            return -1, {}
        with os.fdopen(self.read_end) as pipe:
            text = pipe.read()
        return status, json.loads(text) if text else {}


def test_parent_and_child_each_get_their_own_answers(fleet: FakeHostingerApi) -> None:
    api_client = ApiClient(fleet.configuration())
    # Several pooled connections, open and idle, before the fork: what the child would inherit.
    warm = mismatches(api_client, threads=4, calls=10, seed=1)
    assert warm["n_wrong"] == warm["n_failed"] == 0

    child = Child(lambda: mismatches(api_client, threads=4, calls=100, seed=2))
    mine = mismatches(api_client, threads=4, calls=100, seed=3)
    status, theirs = child.result(limit=120)

    assert status == 0, "the child failed or hung"
    assert (theirs["n_wrong"], theirs["n_failed"]) == (0, 0), theirs
    assert (mine["n_wrong"], mine["n_failed"]) == (0, 0), mine
    # and the parent's client still works after the child is gone
    again = mismatches(api_client, threads=2, calls=10, seed=4)
    assert (again["n_wrong"], again["n_failed"]) == (0, 0)
    api_client.close()


def test_the_parents_sockets_are_not_used_in_the_child(fleet: FakeHostingerApi) -> None:
    api_client = ApiClient(fleet.configuration())
    vms = VPSVirtualMachineApi(api_client)
    assert vms.get_virtual_machine_details_v1(VMS[0]).id == VMS[0]
    pooled = _pooled_sockets(api_client)
    assert pooled, "the warm-up call left no connection in the pool"

    def work() -> dict[str, Any]:
        got = vms.get_virtual_machine_details_v1(VMS[1]).id
        return {"got": got, "pooled": sorted(_pooled_sockets(api_client))}

    status, theirs = in_child(work)
    assert status == 0
    assert theirs["got"] == VMS[1]
    assert not set(theirs["pooled"]) & pooled, "the child reused a socket it inherited"
    api_client.close()


def _pooled_sockets(api_client: ApiClient) -> set[str]:
    """The local addresses of the idle connections a client's pools hold."""
    found = set()
    manager = api_client.rest_client.pool_manager
    for key in list(manager.pools.keys()):
        pool = manager.pools.get(key)
        if pool is None or pool.pool is None:
            continue
        for connection in list(pool.pool.queue):
            sock = getattr(connection, "sock", None)
            if sock is not None and sock.fileno() >= 0:
                host, port = sock.getsockname()[:2]
                found.add(f"{host}:{port}")
    return found


def _locks_of(thing: object) -> list[Any]:
    """Every lock and condition an object keeps in its attributes, whatever they are named."""
    kinds = (type(threading.Lock()), type(threading.RLock()), threading.Condition)
    return [value for value in vars(thing).values() if isinstance(value, kinds)]


@pytest.mark.parametrize("limited", [False, True], ids=["no cap", "max_requests_per_second"])
def test_a_lock_held_at_the_fork_does_not_hang_the_child(
    fleet: FakeHostingerApi, limited: bool
) -> None:
    configuration = fleet.configuration()
    if limited:
        configuration.max_requests_per_second = 1000.0  # every request goes through the gate
    api_client = ApiClient(configuration)
    vms = VPSVirtualMachineApi(api_client)
    assert vms.get_virtual_machine_details_v1(VMS[0]).id == VMS[0]
    gate = api_client.rest_client.rate_gate
    held = _locks_of(gate)
    assert held, "the rate gate keeps no lock this test could hold"
    pool = next(iter(api_client.rest_client._pools.values()))
    held.append(pool.pool.mutex)  # the pool's queue, as a thread taking a connection holds it
    held.append(ApiClient._default_lock)
    held.append(Configuration._default_lock)
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        for lock in held:
            lock.acquire()
        holding.set()
        release.wait(30)
        for lock in reversed(held):
            lock.release()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)

        def work() -> dict[str, Any]:
            got = vms.get_virtual_machine_details_v1(VMS[2]).id
            ApiClient.get_default()  # the class-wide lock too
            Configuration.get_default()
            return {"got": got}

        status, theirs = in_child(work, limit=20)
    finally:
        release.set()
        holder.join()
    assert status == 0, "the child hung on a lock held at the fork, or failed"
    assert theirs == {"got": VMS[2]}
    assert vms.get_virtual_machine_details_v1(VMS[3]).id == VMS[3]  # the parent goes on
    api_client.close()


def test_renewing_in_place_leaves_nothing_of_the_old_pools(fleet: FakeHostingerApi) -> None:
    """What the child runs, run here where coverage and the debugger can see it."""
    api_client = ApiClient(fleet.configuration())
    vms = VPSVirtualMachineApi(api_client)
    assert vms.get_virtual_machine_details_v1(VMS[0]).id == VMS[0]
    rest = api_client.rest_client
    old_manager, old_gate = rest.pool_manager, rest.rate_gate
    old_pool = next(iter(rest._pools.values()))
    assert old_pool.pool is not None
    idle = list(old_pool.pool.queue)
    sockets = [connection.sock for connection in idle if connection and connection.sock]
    assert sockets
    old_pool.pool.mutex.acquire()  # as a thread of the parent held it at the fork
    try:
        rest._after_fork_in_child()
    finally:
        assert not old_pool.pool.mutex.locked(), "the old queue kept the lock held at the fork"
    assert rest.pool_manager is not old_manager
    assert rest.rate_gate is not old_gate
    assert rest._pools == {}
    assert all(sock.fileno() == -1 for sock in sockets), "an idle socket was left open"
    assert old_pool.pool.qsize() == 0
    old_pool.close()  # what urllib3's clean-up does: it must not hang on the old lock
    assert vms.get_virtual_machine_details_v1(VMS[1]).id == VMS[1]
    api_client.close()


def test_one_client_that_cannot_renew_does_not_stop_the_others(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import weakref

    from hostinger_api import _connections

    renewed: list[str] = []

    class Owner:
        def __init__(self, name: str, fails: bool) -> None:
            self.name, self.fails = name, fails

        def _after_fork_in_child(self) -> None:
            if self.fails:
                raise RuntimeError("cannot")
            renewed.append(self.name)

    owners = [Owner("broken", True), Owner("fine", False)]
    monkeypatch.setattr(_connections, "_RENEWED", weakref.WeakSet())
    for owner in owners:
        _connections.renew_after_fork(owner)
    _connections._renew_in_child()
    assert renewed == ["fine"]
    assert "could not renew its connections after a fork" in caplog.text
