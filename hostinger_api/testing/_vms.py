"""The fake's virtual machines and the actions that run on them, as Hostinger renders them.

``FakeVm`` holds a VM's attributes (checked as Hostinger would type them) and its snapshot;
``FakeAction`` moves through ``created``, ``sent`` and ``started`` to ``success`` or ``error`` as
time passes. ``hostinger_api.testing._service`` keeps them and answers the API's requests.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional

from typing_extensions import Required, TypedDict

from hostinger_api.models.vpsv1_action_action_resource import ActionState
from hostinger_api.testing._types import Json

RUNNING_STATES = (ActionState.CREATED, ActionState.SENT, ActionState.STARTED)


def timestamp(moment: datetime) -> str:
    """Hostinger's date-time format: ``2025-02-27T11:54:22Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


PLANS: dict[str, tuple[int, int, int, int]] = {
    # plan: cpus, memory (MB), disk (MB), bandwidth (MB), as Hostinger sells its KVM plans
    "KVM 1": (1, 4096, 51200, 4194304),
    "KVM 2": (2, 8192, 102400, 8388608),
    "KVM 4": (4, 16384, 204800, 16777216),
    "KVM 8": (8, 32768, 409600, 33554432),
}
DEFAULT_PLAN = "KVM 2"
_DEFAULT_TEMPLATE: Json = {
    "id": 1077,
    "name": "Ubuntu 24.04 LTS",
    "description": "Ubuntu 24.04 LTS 64bit",
    "documentation": None,
}
# Addresses no one routes: TEST-NET-3 and TEST-NET-2 (RFC 5737), then the benchmarking range
# (RFC 2544) for fleets of more than 508 VMs.
_ADDRESS_BLOCKS = (
    (ipaddress.IPv4Address("203.0.113.0"), 254),
    (ipaddress.IPv4Address("198.51.100.0"), 254),
    (ipaddress.IPv4Address("198.18.0.0"), 2**17 - 2),
)
_IPV6_PREFIX = int(ipaddress.IPv6Address("2001:db8::"))  # the documentation prefix, RFC 3849


def ipv4_address(serial: int) -> str:
    """The ``serial``-th VM's IPv4 address: distinct for the first 131,578 VMs."""
    serial %= sum(size for _, size in _ADDRESS_BLOCKS)
    for network, size in _ADDRESS_BLOCKS:
        if serial < size:
            return str(network + serial + 1)
        serial -= size
    raise AssertionError("unreachable: the serial was reduced modulo the blocks' size")


def ipv6_address(serial: int) -> str:
    return str(ipaddress.IPv6Address(_IPV6_PREFIX + serial + 1))


class VmAttributes(TypedDict, total=False):
    """What ``add_vm`` and ``vms=`` can set on a virtual machine; all of them are optional."""

    hostname: str
    state: str
    plan: Optional[str]
    cpus: int
    memory: int
    disk: int
    bandwidth: int
    ipv4: Optional[str]
    ipv6: Optional[str]
    template: Optional[Mapping[str, Any]]
    data_center_id: Optional[int]
    subscription_id: Optional[str]
    ns1: Optional[str]
    ns2: Optional[str]
    firewall_group_id: Optional[int]
    created_at: datetime
    locked: bool
    action_seconds: Optional[float]
    fail_actions: bool


class VmSpec(VmAttributes, total=False):
    """One item of ``vms=``: a VM's ``id`` and any of its attributes."""

    id: Required[int]


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _optional(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or check(value)


# Each attribute, the check its value must pass, and what the error says when it does not.
_ATTRIBUTE_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "hostname": (_text, "a non-empty string"),
    "state": (_text, "a non-empty string"),
    "plan": (_optional(_text), "a non-empty string or None"),
    "cpus": (_integer, "an int, 0 or more"),
    "memory": (_integer, "an int, 0 or more (MB)"),
    "disk": (_integer, "an int, 0 or more (MB)"),
    "bandwidth": (_integer, "an int, 0 or more (MB)"),
    "ipv4": (_optional(_text), "an address as a string, or None"),
    "ipv6": (_optional(_text), "an address as a string, or None"),
    "template": (
        lambda value: value is None or isinstance(value, Mapping),
        "a mapping (id, name, description, documentation) or None",
    ),
    "data_center_id": (_optional(_integer), "an int or None"),
    "subscription_id": (_optional(_text), "a non-empty string or None"),
    "ns1": (_optional(_text), "a non-empty string or None"),
    "ns2": (_optional(_text), "a non-empty string or None"),
    "firewall_group_id": (_optional(_integer), "an int or None"),
    "created_at": (
        lambda value: isinstance(value, datetime) and value.utcoffset() is not None,
        "a timezone-aware datetime",
    ),
    "locked": (lambda value: isinstance(value, bool), "True or False"),
    "action_seconds": (
        _optional(
            lambda value: (
                isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
            )
        ),
        "a number of seconds, 0 or more (math.inf: never finishes), or None",
    ),
    "fail_actions": (lambda value: isinstance(value, bool), "True or False"),
}


def checked_attributes(vm_id: Any, attributes: Mapping[str, Any]) -> None:
    """Refuse a VM id or attribute the fake cannot hold, with a message that says why."""
    if not _integer(vm_id):
        raise ValueError(f"A VM id must be an int, 0 or more, not {vm_id!r}")
    for name, value in attributes.items():
        if name not in _ATTRIBUTE_CHECKS:
            raise ValueError(
                f"Unknown VM attribute {name!r}: expected some of {', '.join(_ATTRIBUTE_CHECKS)}"
            )
        check, expected = _ATTRIBUTE_CHECKS[name]
        if not check(value):
            raise ValueError(f"VM {vm_id}: {name} must be {expected}, not {value!r}")


@dataclass
class FakeVm:
    """A virtual machine of the fake: what the API shows of it, its snapshot, how its actions go.

    ``locked`` holds the VM's ``actions_lock`` at ``locked`` as if something outside the API ran
    on it: create, delete and restore get 409 as while an action runs. ``action_seconds``
    overrides the fake's default duration (``math.inf``: never finishes); ``fail_actions`` makes
    its actions end in ``error`` with no effect. ``serial`` is the order the fake made it in,
    from 0: its addresses come from it.
    """

    id: int
    hostname: str = ""
    state: str = "running"
    plan: Optional[str] = DEFAULT_PLAN
    cpus: int = PLANS[DEFAULT_PLAN][0]
    memory: int = PLANS[DEFAULT_PLAN][1]
    disk: int = PLANS[DEFAULT_PLAN][2]
    bandwidth: int = PLANS[DEFAULT_PLAN][3]
    ipv4: Optional[str] = None
    ipv6: Optional[str] = None
    template: Optional[Json] = field(default_factory=lambda: dict(_DEFAULT_TEMPLATE))
    data_center_id: Optional[int] = 17
    subscription_id: Optional[str] = None
    ns1: Optional[str] = "192.0.2.53"
    ns2: Optional[str] = "192.0.2.54"
    firewall_group_id: Optional[int] = None
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    locked: bool = False
    action_seconds: Optional[float] = None
    fail_actions: bool = False
    snapshot: Optional[Json] = None
    serial: int = 0

    def __post_init__(self) -> None:
        self.hostname = self.hostname or f"srv{self.id}.hstgr.cloud"
        if self.subscription_id is None:
            self.subscription_id = f"AzZ{self.id:08x}"

    def update(self, attributes: Mapping[str, Any]) -> None:
        """Set the attributes given (checked by ``checked_attributes`` first)."""
        for name, value in attributes.items():
            if name == "template" and value is not None:
                value = dict(value)
            setattr(self, name, value)

    def to_json(self, *, locked: bool) -> Json:
        """The VirtualMachine resource; ``locked``: an action runs on it."""
        return {
            "id": self.id,
            "firewall_group_id": self.firewall_group_id,
            "subscription_id": self.subscription_id,
            "data_center_id": self.data_center_id,
            "plan": self.plan,
            "hostname": self.hostname,
            "state": self.state,
            "actions_lock": "locked" if locked or self.locked else "unlocked",
            "cpus": self.cpus,
            "memory": self.memory,
            "disk": self.disk,
            "bandwidth": self.bandwidth,
            "ns1": self.ns1,
            "ns2": self.ns2,
            "ipv4": _addresses(2 * self.serial + 1, self.ipv4, self.hostname),
            "ipv6": _addresses(2 * self.serial + 2, self.ipv6, None),
            "template": None if self.template is None else dict(self.template),
            "created_at": timestamp(self.created_at),
        }


def _addresses(address_id: int, address: Optional[str], ptr: Optional[str]) -> Optional[list[Json]]:
    return None if address is None else [{"id": address_id, "address": address, "ptr": ptr}]


@dataclass
class FakeAction:
    id: int
    vm: FakeVm
    name: str
    began: float
    began_at: datetime
    seconds: float
    fails: bool
    on_success: Callable[[datetime], object]
    on_finish: Optional[Callable[[], object]] = None

    def state(self, now: float) -> tuple[str, float]:
        """The state at monotonic time ``now``, and how many seconds in it began."""
        elapsed = now - self.began
        if elapsed >= self.seconds:
            return (ActionState.ERROR if self.fails else ActionState.SUCCESS), self.seconds
        stage = min(int(elapsed / self.seconds * len(RUNNING_STATES)), len(RUNNING_STATES) - 1)
        offset = self.seconds * stage / len(RUNNING_STATES) if stage else 0.0
        return RUNNING_STATES[stage], offset

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
