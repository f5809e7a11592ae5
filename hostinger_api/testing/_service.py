"""The fake's in-memory Hostinger: virtual machines, their one snapshot, and actions over time.

Pure logic, no sockets: ``FakeHostinger.handle`` takes a request's method, path, query and
Authorization header, and returns the status and JSON body Hostinger would send, or what an
injected fault (``testing.faults``) makes of it. Actions move
through ``created``, ``sent`` and ``started`` to ``success`` (or ``error``) as time passes;
their effect (a snapshot appears, is overwritten or goes) happens when they succeed. While one
runs, its VM's ``actions_lock`` is ``locked`` (and a restore's VM is ``restoring``).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional, Union

from typing_extensions import Unpack

from hostinger_api.testing._backups import WEEKLY_BACKUPS, BackupShelf, default_size, page_number
from hostinger_api.testing._edge import EdgeBlockSetting
from hostinger_api.testing._edge import edge_block as make_edge_block
from hostinger_api.testing._ratelimit import limiter_for
from hostinger_api.testing._types import Body, FakeResponse, Json, error_body
from hostinger_api.testing._vms import (
    DEFAULT_PLAN,
    PLANS,
    FakeAction,
    FakeVm,
    VmAttributes,
    VmSpec,
    checked_attributes,
    ipv4_address,
    ipv6_address,
    timestamp,
)
from hostinger_api.testing.faults import Fault, error

DEFAULT_TOKEN = "test-token"
SNAPSHOT_LIFETIME = timedelta(days=20)
ACTIONABLE_STATES = ("running", "stopped")
"""The VM states in which the fake starts a snapshot action (its own rule)."""
_VMS = r"/api/vps/v1/virtual-machines"
_VM = _VMS + r"/(?P<vm>[0-9]+)"
_VM_PREFIX = re.compile(_VM)
_ROUTES: list[tuple[re.Pattern[str], dict[str, str]]] = [
    (re.compile(_VMS), {"GET": "list_vms"}),
    (re.compile(_VM), {"GET": "get_vm"}),
    (
        re.compile(_VM + r"/snapshot"),
        {"GET": "get_snapshot", "POST": "create_snapshot", "DELETE": "delete_snapshot"},
    ),
    (re.compile(_VM + r"/snapshot/restore"), {"POST": "restore_snapshot"}),
    (re.compile(_VM + r"/actions"), {"GET": "list_actions"}),
    (re.compile(_VM + r"/actions/(?P<action>[0-9]+)"), {"GET": "get_action"}),
    (re.compile(_VM + r"/backups"), {"GET": "list_backups"}),
    (re.compile(_VM + r"/backups/(?P<backup>[0-9]+)/restore"), {"POST": "restore_backup"}),
]


@dataclass
class _Injection:
    """A fault waiting for the requests it applies to."""

    fault: Fault
    remaining: int
    vm: Optional[int]
    method: Optional[str]
    every: int
    seen: int = 0
    after: int = 0

    def takes(self, method: str, vm: Optional[int]) -> bool:
        """Whether this request gets the fault (counting the requests it applies to)."""
        if (self.method is not None and method != self.method) or (
            self.vm is not None and vm != self.vm
        ):
            return False
        self.seen += 1
        return self.seen > self.after and (self.seen - self.after) % self.every == 0


def _error(
    status: int, message: str, errors: Optional[dict[str, list[str]]] = None
) -> FakeResponse:
    return FakeResponse(status, error_body(message, errors))


class FakeHostinger:
    """The service's state and rules, shared by all the requests the fake server handles.

    :param token: the bearer token requests must carry.
    :param vms: the virtual machines that exist: ids, or mappings of an ``id`` and attributes
        (``VmSpec``: the keyword arguments of ``add_vm``), or a mix of both.
    :param accept_any_vm: let every id exist, made on first use.
    :param action_seconds: how long an action takes from ``created`` to ``success``.
    :param restore_time: the ``restore_time`` snapshots report, in seconds.
    :param per_page: how many actions (and backups) a page of ``get_actions_v1`` (and
        ``get_backups_v1``) holds.
    :param weekly_backups: how many weekly backups each VM has when it is made (``_backups``).
    :param rate_limit: ``(N, SECONDS)``: at most N requests per window of SECONDS per token
        (``testing._ratelimit``); None: no limit.
    :param block_after: with a rate limit, refuse every request of a token for
        ``block_seconds`` once ``block_after`` of its requests were refused within
        ``block_span`` seconds (a model of Hostinger's warning); None: never.
    :param rate_limit_headers: how the limit shows in answers: ``"laravel"`` (``X-RateLimit-*``),
        ``"ietf"`` (the draft's ``RateLimit-*`` fields), ``"retry-after"`` (only ``Retry-After``,
        on a 429) or ``"none"`` (not even ``Retry-After``).
    :param edge_block: an ``EdgeBlock``, or ``(after, span, seconds)``: after that many 429s
        within ``span`` seconds, every request gets the edge's 429 (``text/plain``,
        ``error code: 1015``, a long ``Retry-After``) for ``seconds`` (``testing._edge``).
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        vms: Iterable[Union[int, VmSpec, Mapping[str, Any]]] = (),
        accept_any_vm: bool = False,
        action_seconds: float = 0.0,
        restore_time: int = 1800,
        per_page: int = 15,
        weekly_backups: int = WEEKLY_BACKUPS,
        rate_limit: Optional[tuple[int, float]] = None,
        block_after: Optional[int] = None,
        block_span: float = 10.0,
        block_seconds: float = 60.0,
        rate_limit_headers: str = "laravel",
        edge_block: EdgeBlockSetting = None,
    ) -> None:
        if action_seconds < 0 or per_page < 1:
            raise ValueError("action_seconds must be 0 or more, and per_page 1 or more")
        if weekly_backups < 0:
            raise ValueError(f"weekly_backups must be 0 or more, not {weekly_backups}")
        self._limiter = limiter_for(
            rate_limit, block_after, block_span, block_seconds, rate_limit_headers
        )
        self.edge_block = make_edge_block(edge_block)
        self.token = token
        self.accept_any_vm = accept_any_vm
        self.action_seconds = action_seconds
        self.restore_time = restore_time
        self.per_page = per_page
        self.weekly_backups = weekly_backups
        self._backups = BackupShelf()
        self._lock = threading.RLock()
        self._vms: dict[int, FakeVm] = {}
        self._actions: dict[int, FakeAction] = {}
        self._running: list[FakeAction] = []  # started, not finished yet: at most one per VM
        self._next_action_id = 1
        self._next_snapshot_id = 1
        self._injections: list[_Injection] = []
        for item in vms:
            if isinstance(item, Mapping):
                attributes = dict(item)
                if "id" not in attributes:
                    raise ValueError(f"A VM given as a mapping needs an 'id': {item!r}")
                vm_id = attributes.pop("id")
            else:
                vm_id, attributes = item, {}
            self.add_vm(vm_id, **attributes)

    # -- what tests set up and look at ---------------------------------------------------------

    def add_vm(self, vm_id: int, **attributes: Unpack[VmAttributes]) -> FakeVm:
        """Make a virtual machine exist, or change the attributes given of one that does.

        The attributes are ``VmAttributes``: ``hostname`` (``srv<id>.hstgr.cloud``), ``state``
        (``running``), ``plan`` (``KVM 2``), ``cpus``, ``memory``, ``disk`` and ``bandwidth``
        (the plan's, in MB), ``ipv4`` and ``ipv6`` (an address no one routes, distinct per VM;
        None: no address), ``template``, ``data_center_id``, ``subscription_id``, ``ns1``,
        ``ns2``, ``firewall_group_id``, ``created_at`` (now), ``locked`` (False),
        ``action_seconds`` (None: the fake's) and ``fail_actions`` (False).
        """
        checked_attributes(vm_id, attributes)
        with self._lock:
            vm = self._vms.get(vm_id)
            if vm is None:
                vm = self._make_vm(vm_id, attributes)
            vm.update(attributes)
            return vm

    def set_snapshot(self, vm_id: int, *, created_at: Optional[datetime] = None) -> Json:
        """Give a virtual machine a snapshot, as if one had been taken at ``created_at``."""
        with self._lock:
            vm = self._vms.get(vm_id) or self._make_vm(vm_id, {})
            return dict(self._take_snapshot(vm, created_at or datetime.now(timezone.utc)))

    def add_backup(
        self,
        vm_id: int,
        *,
        created_at: Optional[datetime] = None,
        size: Optional[int] = None,
        restore_time: Optional[int] = None,
        location: Optional[str] = None,
    ) -> Json:
        """Give a virtual machine one more backup (made at ``created_at``, now by default).

        ``size`` is in KB (a quarter of the VM's disk by default); ``restore_time`` in seconds
        (3600); ``location`` ``nl-srv-nodebackups``. Returns the backup as the API shows it.
        """
        with self._lock:
            vm = self._vms.get(vm_id) or self._make_vm(vm_id, {})
            return self._backups.add(
                vm_id,
                created_at=created_at or datetime.now(timezone.utc),
                size=default_size(vm.disk) if size is None else size,
                restore_time=restore_time,
                location=location,
            )

    def clear_backups(self, vm_id: int) -> None:
        """Take every backup of a virtual machine away."""
        with self._lock:
            self._backups.clear(vm_id)

    def backups(self, vm_id: int) -> list[Json]:
        """The virtual machine's backups as the API would list them, newest first."""
        with self._lock:
            return self._backups.newest_first(vm_id)

    def vm(self, vm_id: int) -> Optional[Json]:
        """The virtual machine as the API would show it now, or None."""
        with self._lock:
            self._settle()
            vm = self._vms.get(vm_id)
            return None if vm is None else self._vm_json(vm)

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
        after: int = 0,
    ) -> None:
        """Give the next ``times`` matching requests this fault (see ``testing.faults``).

        :param vm: only requests for this virtual machine match; by default all requests do.
        :param method: only requests with this method match (``"POST"``, say).
        :param every: only one matching request in ``every`` gets the fault, the others are
            answered normally: ``every=10`` spreads the faults thinly over a busy test.
        :param after: the first ``after`` matching requests are answered normally: a token
            revoked, or a VM deleted, half-way through a job.
        Faults injected earlier are used first.
        """
        if times < 1 or every < 1 or after < 0:
            raise ValueError("times and every must be 1 or more, and after 0 or more")
        with self._lock:
            self._injections.append(
                _Injection(
                    fault, times, vm, None if method is None else method.upper(), every, after=after
                )
            )

    @property
    def rate_limit(self) -> Optional[tuple[int, float]]:
        """``(N, SECONDS)``: the rate limit, or None."""
        limiter = self._limiter
        return None if limiter is None else (limiter.limit, limiter.seconds)

    @property
    def throttled(self) -> int:
        """How many requests the rate limit refused with 429 (blocked ones included)."""
        return 0 if self._limiter is None else self._limiter.throttled

    @property
    def blocks(self) -> int:
        """How many times a token's block began."""
        return 0 if self._limiter is None else self._limiter.blocks

    @property
    def allowed(self) -> int:
        """How many requests the rate limit let through (to the service or to a fault)."""
        return 0 if self._limiter is None else self._limiter.allowed

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
        body: Union[Body, bytes, None] = None,
        *,
        headers: Optional[dict[str, str]] = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests with this, whatever they ask, and change nothing.

        ``body`` is JSON, or bytes sent as they are (an HTML page, broken JSON); by default an
        error body with ``message`` and ``correlation_id``. Short for ``inject(faults.error())``.
        """
        self.inject(error(status, body, headers), times=times)

    # -- the API -----------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], authorization: Optional[str]
    ) -> FakeResponse:
        """Answer one request as Hostinger would, or as an injected fault makes it.

        The rate limit comes first, as a gateway in front of the service: a request it refuses
        uses no fault, and every answer it lets through carries its headers. The edge block, if
        any, is in front of both.
        """
        edge = self.edge_block
        if edge is None:
            return self._limited(method, path, query, authorization)
        refusal = edge.refusal()
        if refusal is not None:
            return refusal
        response = self._limited(method, path, query, authorization)
        edge.saw(response.status)
        return response

    def _limited(
        self, method: str, path: str, query: dict[str, list[str]], authorization: Optional[str]
    ) -> FakeResponse:
        limiter = self._limiter
        if limiter is None:
            return self._serve(method, path, query, authorization)
        verdict = limiter.check(authorization)
        if not verdict.allowed:
            return FakeResponse(429, error_body(verdict.message), dict(verdict.headers))
        response = self._serve(method, path, query, authorization)
        present = {name.lower() for name in response.headers}
        for name, value in verdict.headers.items():
            if name.lower() not in present:  # a fault's own headers win
                response.headers[name] = value
        return response

    def _serve(
        self, method: str, path: str, query: dict[str, list[str]], authorization: Optional[str]
    ) -> FakeResponse:
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
            handler: Callable[..., FakeResponse] = getattr(self, "_" + operation)
            arguments = match.groupdict()
            with self._lock:
                self._settle()
                if "vm" not in arguments:
                    return handler(query, **arguments)
                vm = self._vm(int(arguments.pop("vm")))
                if vm is None:
                    return _error(404, "Virtual machine not found")
                return handler(vm, query, **arguments)
        return _error(404, f"The route {path} could not be found")

    def _list_vms(self, query: dict[str, list[str]]) -> FakeResponse:
        return FakeResponse(200, [self._vm_json(self._vms[key]) for key in sorted(self._vms)])

    def _get_vm(self, vm: FakeVm, query: dict[str, list[str]]) -> FakeResponse:
        return FakeResponse(200, self._vm_json(vm))

    def _get_snapshot(self, vm: FakeVm, query: dict[str, list[str]]) -> FakeResponse:
        if vm.snapshot is None:
            return _error(404, "Snapshot not found")
        return FakeResponse(200, dict(vm.snapshot))

    def _create_snapshot(self, vm: FakeVm, query: dict[str, list[str]]) -> FakeResponse:
        return self._start(vm, "create_snapshot", lambda at: self._take_snapshot(vm, at))

    def _delete_snapshot(self, vm: FakeVm, query: dict[str, list[str]]) -> FakeResponse:
        return self._start(
            vm, "delete_snapshot", lambda at: setattr(vm, "snapshot", None), needs_snapshot=True
        )

    def _restore_snapshot(self, vm: FakeVm, query: dict[str, list[str]]) -> FakeResponse:
        return self._start(vm, "restore_snapshot", lambda at: None, needs_snapshot=True)

    def _list_backups(self, vm: FakeVm, query: dict[str, list[str]]) -> FakeResponse:
        page = page_number(query)
        if page is None:
            return _error(
                422, "The given data was invalid.", {"page": ["The page must be at least 1."]}
            )
        return FakeResponse(200, self._backups.page(vm.id, page, self.per_page))

    def _restore_backup(self, vm: FakeVm, query: dict[str, list[str]], backup: str) -> FakeResponse:
        """Restore a backup: the VM's snapshot is deleted when the restore succeeds."""
        if self._backups.find(vm.id, int(backup)) is None:
            return _error(404, "Backup not found")
        return self._start(vm, "restore_backup", lambda at: setattr(vm, "snapshot", None))

    def _get_action(self, vm: FakeVm, query: dict[str, list[str]], action: str) -> FakeResponse:
        found = self._actions.get(int(action))
        if found is None or found.vm is not vm:
            return _error(404, "Action not found")
        return FakeResponse(200, found.to_json(time.monotonic()))

    def _list_actions(self, vm: FakeVm, query: dict[str, list[str]]) -> FakeResponse:
        raw_page = query.get("page", ["1"])[-1]
        if not (raw_page.isascii() and raw_page.isdigit()) or int(raw_page) < 1:
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
            vm = self._make_vm(vm_id, {})
        return vm

    def _make_vm(self, vm_id: int, attributes: Mapping[str, Any]) -> FakeVm:
        """A new VM: sizes from its plan unless given, addresses of its own."""
        serial = len(self._vms)
        plan = attributes.get("plan", DEFAULT_PLAN)
        cpus, memory, disk, bandwidth = PLANS.get(plan or DEFAULT_PLAN, PLANS[DEFAULT_PLAN])
        vm = self._vms[vm_id] = FakeVm(
            vm_id,
            cpus=cpus,
            memory=memory,
            disk=disk,
            bandwidth=bandwidth,
            ipv4=ipv4_address(serial),
            ipv6=ipv6_address(serial),
            serial=serial,
        )
        self._backups.add_weekly(
            vm_id, count=self.weekly_backups, size=default_size(disk), now=vm.created_at
        )
        return vm

    def _vm_json(self, vm: FakeVm) -> Json:
        return vm.to_json(locked=self._busy(vm))

    def _busy(self, vm: FakeVm) -> bool:
        return any(a.vm is vm for a in self._running)

    def _start(
        self,
        vm: FakeVm,
        name: str,
        on_success: Callable[[datetime], object],
        *,
        needs_snapshot: bool = False,
    ) -> FakeResponse:
        """Start an action on ``vm``, unless it is locked, in the wrong state, or has no snapshot.

        The checks go from the most to the least transient: a lock passes by itself.
        """
        if vm.locked or self._busy(vm):
            return _error(409, f"Virtual machine {vm.id} has an action in progress")
        if vm.state not in ACTIONABLE_STATES:
            return _error(
                422,
                f"Virtual machine {vm.id} is in state {vm.state}: it must be running or stopped",
                {"state": ["The virtual machine must be running or stopped."]},
            )
        if needs_snapshot and vm.snapshot is None:
            return _no_snapshot(vm, "restore" if name == "restore_snapshot" else "delete")
        on_finish: Optional[Callable[[], object]] = None
        if name in ("restore_snapshot", "restore_backup"):
            on_finish = _restoring(vm)
        action = FakeAction(
            id=self._next_action_id,
            vm=vm,
            name=name,
            began=time.monotonic(),
            began_at=datetime.now(timezone.utc),
            seconds=self.action_seconds if vm.action_seconds is None else vm.action_seconds,
            fails=vm.fail_actions,
            on_success=on_success,
            on_finish=on_finish,
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
            if action.on_finish is not None:
                action.on_finish()
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


def _restoring(vm: FakeVm) -> Callable[[], None]:
    """Put ``vm`` in ``restoring``; what puts it back in its state when the restore ends."""
    before, vm.state = vm.state, "restoring"

    def finish() -> None:
        if vm.state == "restoring":  # unless a test changed it meanwhile
            vm.state = before

    return finish


def _no_snapshot(vm: FakeVm, verb: str) -> FakeResponse:
    return _error(
        422,
        f"Virtual machine {vm.id} has no snapshot to {verb}",
        {"snapshot": ["The virtual machine has no snapshot."]},
    )
