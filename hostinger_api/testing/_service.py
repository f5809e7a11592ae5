"""The fake's in-memory Hostinger: virtual machines, their one snapshot, and actions over time.

Pure logic, no sockets: ``FakeHostinger.handle`` takes a request's method, path, query and
Authorization header, and returns the status and JSON body Hostinger would send, or what an
injected fault (``testing.faults``) makes of it. Actions move
through ``created``, ``sent`` and ``started`` to ``success`` (or ``error``) as time passes;
their effect (a snapshot appears, is overwritten or goes) happens when they succeed.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from hostinger_api.models.vpsv1_action_action_resource import ActionState

if TYPE_CHECKING:
    from hostinger_api.testing.faults import Fault

DEFAULT_TOKEN = "test-token"
SNAPSHOT_LIFETIME = timedelta(days=20)
_RUNNING_STATES = (ActionState.CREATED, ActionState.SENT, ActionState.STARTED)
_VM = r"/api/vps/v1/virtual-machines/(?P<vm>\d+)"
_VM_PREFIX = re.compile(_VM)
_ROUTES: list[tuple[re.Pattern[str], dict[str, str]]] = [
    (
        re.compile(_VM + r"/snapshot"),
        {"GET": "get_snapshot", "POST": "create_snapshot", "DELETE": "delete_snapshot"},
    ),
    (re.compile(_VM + r"/snapshot/restore"), {"POST": "restore_snapshot"}),
    (re.compile(_VM + r"/actions"), {"GET": "list_actions"}),
    (re.compile(_VM + r"/actions/(?P<action>\d+)"), {"GET": "get_action"}),
]

Json = dict[str, Any]


@dataclass
class FakeResponse:
    """What the fake answers: a status, a body (JSON, or raw bytes sent as they are) and headers.

    ``delay`` and ``drop`` come from an injected fault: wait that many seconds first, and hang
    up ``"before"`` answering or ``"during"`` the body.
    """

    status: int
    body: Union[Json, bytes]
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: Optional[str] = None


@dataclass
class _Injection:
    """A fault waiting for the requests it applies to."""

    fault: Fault
    remaining: int
    vm: Optional[int]
    method: Optional[str]
    every: int
    seen: int = 0

    def takes(self, method: str, vm: Optional[int]) -> bool:
        """Whether this request gets the fault (counting the requests it applies to)."""
        if (self.method is not None and method != self.method) or (
            self.vm is not None and vm != self.vm
        ):
            return False
        self.seen += 1
        return self.seen % self.every == 0


def timestamp(moment: datetime) -> str:
    """Hostinger's date-time format: ``2025-02-27T11:54:22Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FakeVm:
    """A virtual machine of the fake: its snapshot, and how its actions behave.

    ``action_seconds`` overrides the fake's default duration (``math.inf``: never finishes);
    ``fail_actions`` makes its actions end in ``error`` with no effect.
    """

    id: int
    action_seconds: Optional[float] = None
    fail_actions: bool = False
    snapshot: Optional[Json] = None


@dataclass
class _Action:
    id: int
    vm: FakeVm
    name: str
    began: float
    began_at: datetime
    seconds: float
    fails: bool
    on_success: Callable[[datetime], object]

    def state(self, now: float) -> tuple[str, float]:
        """The state at monotonic time ``now``, and how many seconds in it began."""
        elapsed = now - self.began
        if elapsed >= self.seconds:
            return (ActionState.ERROR if self.fails else ActionState.SUCCESS), self.seconds
        stage = min(int(elapsed / self.seconds * len(_RUNNING_STATES)), len(_RUNNING_STATES) - 1)
        offset = self.seconds * stage / len(_RUNNING_STATES) if stage else 0.0
        return _RUNNING_STATES[stage], offset

    def to_json(self, now: float) -> Json:
        state, offset = self.state(now)
        return self._render(state, offset)

    def render_created(self) -> Json:
        return self._render(ActionState.CREATED, 0.0)

    def _render(self, state: str, offset: float) -> Json:
        updated_at = self.began_at + timedelta(seconds=offset)
        return {
            "id": self.id,
            "name": self.name,
            "state": state,
            "created_at": timestamp(self.began_at),
            "updated_at": timestamp(updated_at),
        }


def error_body(message: str, errors: Optional[dict[str, list[str]]] = None) -> Json:
    """An error body as Hostinger sends it: ``message``, maybe ``errors``, ``correlation_id``."""
    body: Json = {"message": message}
    if errors is not None:
        body["errors"] = errors
    body["correlation_id"] = str(uuid.uuid4())
    return body


def _error(
    status: int, message: str, errors: Optional[dict[str, list[str]]] = None
) -> FakeResponse:
    return FakeResponse(status, error_body(message, errors))


class FakeHostinger:
    """The service's state and rules, shared by all the requests the fake server handles.

    :param token: the bearer token requests must carry.
    :param vms: ids of the virtual machines that exist.
    :param accept_any_vm: let every id exist, made on first use.
    :param action_seconds: how long an action takes from ``created`` to ``success``.
    :param restore_time: the ``restore_time`` snapshots report, in seconds.
    :param per_page: how many actions a page of ``get_actions_v1`` holds.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        vms: tuple[int, ...] | list[int] = (),
        accept_any_vm: bool = False,
        action_seconds: float = 0.0,
        restore_time: int = 1800,
        per_page: int = 15,
    ) -> None:
        if action_seconds < 0 or per_page < 1:
            raise ValueError("action_seconds must be 0 or more, and per_page 1 or more")
        self.token = token
        self.accept_any_vm = accept_any_vm
        self.action_seconds = action_seconds
        self.restore_time = restore_time
        self.per_page = per_page
        self._lock = threading.RLock()
        self._vms: dict[int, FakeVm] = {}
        self._actions: dict[int, _Action] = {}
        self._running: list[_Action] = []  # started, not finished yet: at most one per VM
        self._next_action_id = 1
        self._next_snapshot_id = 1
        self._injections: list[_Injection] = []
        for vm_id in vms:
            self.add_vm(vm_id)

    # -- what tests set up and look at ---------------------------------------------------------

    def add_vm(
        self, vm_id: int, *, action_seconds: Optional[float] = None, fail_actions: bool = False
    ) -> FakeVm:
        """Make a virtual machine exist (or change how its actions behave)."""
        with self._lock:
            vm = self._vms.setdefault(vm_id, FakeVm(vm_id))
            vm.action_seconds = action_seconds
            vm.fail_actions = fail_actions
            return vm

    def set_snapshot(self, vm_id: int, *, created_at: Optional[datetime] = None) -> Json:
        """Give a virtual machine a snapshot, as if one had been taken at ``created_at``."""
        with self._lock:
            vm = self._vms.setdefault(vm_id, FakeVm(vm_id))
            return dict(self._take_snapshot(vm, created_at or datetime.now(timezone.utc)))

    def snapshot(self, vm_id: int) -> Optional[Json]:
        """The virtual machine's snapshot as the API would show it now, or None."""
        with self._lock:
            self._settle()
            vm = self._vms.get(vm_id)
            return None if vm is None or vm.snapshot is None else dict(vm.snapshot)

    def actions(self, vm_id: int) -> list[Json]:
        """The virtual machine's actions as the API would show them now, oldest first."""
        with self._lock:
            self._settle()
            now = time.monotonic()
            return [a.to_json(now) for a in self._actions.values() if a.vm.id == vm_id]

    def inject(
        self,
        fault: Fault,
        *,
        times: int = 1,
        vm: Optional[int] = None,
        method: Optional[str] = None,
        every: int = 1,
    ) -> None:
        """Give the next ``times`` matching requests this fault (see ``testing.faults``).

        :param vm: only requests for this virtual machine match; by default all requests do.
        :param method: only requests with this method match (``"POST"``, say).
        :param every: only one matching request in ``every`` gets the fault, the others are
            answered normally: ``every=10`` spreads the faults thinly over a busy test.
        Faults injected earlier are used first.
        """
        if times < 1 or every < 1:
            raise ValueError("times and every must be 1 or more")
        with self._lock:
            self._injections.append(
                _Injection(fault, times, vm, None if method is None else method.upper(), every)
            )

    def pending_faults(self) -> int:
        """How many injected faults have not been used yet."""
        with self._lock:
            return sum(injection.remaining for injection in self._injections)

    def clear_faults(self) -> None:
        """Forget the injected faults that have not been used yet."""
        with self._lock:
            self._injections.clear()

    def respond_with(
        self,
        status: int,
        body: Union[Json, bytes, None] = None,
        *,
        headers: Optional[dict[str, str]] = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests with this, whatever they ask, and change nothing.

        ``body`` is JSON, or bytes sent as they are (an HTML page, broken JSON); by default an
        error body with ``message`` and ``correlation_id``. Short for ``inject(faults.error())``.
        """
        from hostinger_api.testing.faults import error

        self.inject(error(status, body, headers), times=times)

    # -- the API -----------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], authorization: Optional[str]
    ) -> FakeResponse:
        """Answer one request as Hostinger would, or as an injected fault makes it."""
        fault = self._take_fault(method, path)
        if fault is None:
            return self._answer(method, path, query, authorization)
        answer = self._answer(method, path, query, authorization) if fault.performed else None
        return fault.apply(answer)

    def _take_fault(self, method: str, path: str) -> Optional[Fault]:
        with self._lock:
            if not self._injections:
                return None
            match = _VM_PREFIX.match(path)
            vm = int(match["vm"]) if match else None
            for injection in self._injections:
                if injection.takes(method, vm):
                    injection.remaining -= 1
                    if injection.remaining == 0:
                        self._injections.remove(injection)
                    return injection.fault
            return None

    def _answer(
        self, method: str, path: str, query: dict[str, list[str]], authorization: Optional[str]
    ) -> FakeResponse:
        if authorization != f"Bearer {self.token}":
            return _error(401, "Unauthenticated")
        for pattern, operations in _ROUTES:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            operation = operations.get(method)
            if operation is None:
                response = _error(405, f"The {method} method is not supported for this route")
                response.headers["Allow"] = ", ".join(sorted(operations))
                return response
            with self._lock:
                self._settle()
                vm = self._vm(int(match["vm"]))
                if vm is None:
                    return _error(404, "Virtual machine not found")
                handler: Callable[..., FakeResponse] = getattr(self, "_" + operation)
                arguments = {
                    name: value for name, value in match.groupdict().items() if name != "vm"
                }
                return handler(vm, query, **arguments)
        return _error(404, f"The route {path} could not be found")

    def _get_snapshot(self, vm: FakeVm, query: dict[str, list[str]]) -> FakeResponse:
        if vm.snapshot is None:
            return _error(404, "Snapshot not found")
        return FakeResponse(200, dict(vm.snapshot))

    def _create_snapshot(self, vm: FakeVm, query: dict[str, list[str]]) -> FakeResponse:
        return self._start(vm, "create_snapshot", lambda at: self._take_snapshot(vm, at))

    def _delete_snapshot(self, vm: FakeVm, query: dict[str, list[str]]) -> FakeResponse:
        if vm.snapshot is None:
            return _no_snapshot(vm, "delete")
        return self._start(vm, "delete_snapshot", lambda at: setattr(vm, "snapshot", None))

    def _restore_snapshot(self, vm: FakeVm, query: dict[str, list[str]]) -> FakeResponse:
        if vm.snapshot is None:
            return _no_snapshot(vm, "restore")
        return self._start(vm, "restore_snapshot", lambda at: None)

    def _get_action(self, vm: FakeVm, query: dict[str, list[str]], action: str) -> FakeResponse:
        found = self._actions.get(int(action))
        if found is None or found.vm is not vm:
            return _error(404, "Action not found")
        return FakeResponse(200, found.to_json(time.monotonic()))

    def _list_actions(self, vm: FakeVm, query: dict[str, list[str]]) -> FakeResponse:
        raw_page = query.get("page", ["1"])[-1]
        if not raw_page.isdigit() or int(raw_page) < 1:
            return _error(
                422, "The given data was invalid.", {"page": ["The page must be at least 1."]}
            )
        page = int(raw_page)
        now = time.monotonic()
        newest_first = [a for a in reversed(self._actions.values()) if a.vm is vm]
        start = (page - 1) * self.per_page
        return FakeResponse(
            200,
            {
                "data": [a.to_json(now) for a in newest_first[start : start + self.per_page]],
                "meta": {
                    "current_page": page,
                    "per_page": self.per_page,
                    "total": len(newest_first),
                },
            },
        )

    # -- the rules -----------------------------------------------------------------------------

    def _vm(self, vm_id: int) -> Optional[FakeVm]:
        vm = self._vms.get(vm_id)
        if vm is None and self.accept_any_vm:
            vm = self._vms[vm_id] = FakeVm(vm_id)
        return vm

    def _start(
        self, vm: FakeVm, name: str, on_success: Callable[[datetime], object]
    ) -> FakeResponse:
        """Start an action on ``vm``, unless one is still running there."""
        if any(a.vm is vm for a in self._running):
            return _error(409, f"Virtual machine {vm.id} has an action in progress")
        action = _Action(
            id=self._next_action_id,
            vm=vm,
            name=name,
            began=time.monotonic(),
            began_at=datetime.now(timezone.utc),
            seconds=self.action_seconds if vm.action_seconds is None else vm.action_seconds,
            fails=vm.fail_actions,
            on_success=on_success,
        )
        self._next_action_id += 1
        self._actions[action.id] = action
        self._running.append(action)
        return FakeResponse(200, action.render_created())

    def _settle(self) -> None:
        """Finish the actions whose time has come, applying the effects of those that succeeded."""
        now = time.monotonic()
        finished = [a for a in self._running if now - a.began >= a.seconds]
        for action in finished:
            self._running.remove(action)
            if not action.fails:
                action.on_success(action.began_at + timedelta(seconds=action.seconds))

    def _take_snapshot(self, vm: FakeVm, at: datetime) -> Json:
        vm.snapshot = {
            "id": self._next_snapshot_id,
            "restore_time": self.restore_time,
            "created_at": timestamp(at),
            "expires_at": timestamp(at + SNAPSHOT_LIFETIME),
        }
        self._next_snapshot_id += 1
        return vm.snapshot


def _no_snapshot(vm: FakeVm, verb: str) -> FakeResponse:
    return _error(
        422,
        f"Virtual machine {vm.id} has no snapshot to {verb}",
        {"snapshot": ["The virtual machine has no snapshot."]},
    )
