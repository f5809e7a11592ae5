"""A virtual machine: what a job that works on every VM of the account iterates over."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from hostinger_api.models._base import HostingerModel, UtcDatetime
from hostinger_api.models.vpsv1_ip_address_ip_address_resource import (
    VPSV1IPAddressIPAddressResource,
)
from hostinger_api.models.vpsv1_template_template_resource import VPSV1TemplateTemplateResource

_LOCKED = "locked"


class VirtualMachineState:
    """The states Hostinger documents for a virtual machine.

    The service may send others: the model loads them as they are, so compare with these
    names rather than expecting one of them.
    """

    RUNNING = "running"
    STARTING = "starting"
    STOPPING = "stopping"
    STOPPED = "stopped"
    CREATING = "creating"
    INITIAL = "initial"
    ERROR = "error"
    SUSPENDING = "suspending"
    UNSUSPENDING = "unsuspending"
    SUSPENDED = "suspended"
    DESTROYING = "destroying"
    DESTROYED = "destroyed"
    RECREATING = "recreating"
    RESTORING = "restoring"
    RECOVERY = "recovery"
    STOPPING_RECOVERY = "stopping_recovery"
    SETTLED = frozenset({RUNNING, STOPPED})
    """Running or stopped: in no transition and not out of service.

    In every other state the VM is on its way somewhere, or unusable; the fake API refuses
    snapshot operations on it then (Hostinger does not document what it does).
    """


class VPSV1VirtualMachineVirtualMachineResource(HostingerModel):
    """A virtual machine of the account (``VPS.V1.VirtualMachine.VirtualMachineResource``).

    ``state`` and ``actions_lock`` are plain strings: a value the service adds later loads.
    """

    id: Optional[int] = Field(default=None, description="Virtual machine ID")
    firewall_group_id: Optional[int] = Field(
        default=None, description="Active firewall ID, `null` if disabled"
    )
    subscription_id: Optional[str] = Field(default=None, description="Subscription ID")
    data_center_id: Optional[int] = Field(default=None, description="Data center ID")
    plan: Optional[str] = Field(default=None, description="VPS plan name")
    hostname: Optional[str] = None
    state: Optional[str] = None
    actions_lock: Optional[str] = None
    cpus: Optional[int] = Field(default=None, description="CPUs count assigned to virtual machine")
    memory: Optional[int] = Field(
        default=None, description="Memory available to virtual machine (in megabytes)"
    )
    disk: Optional[int] = Field(
        default=None, description="Virtual machine disk size (in megabytes)"
    )
    bandwidth: Optional[int] = Field(
        default=None,
        description="Monthly internet traffic available to virtual machine (in megabytes)",
    )
    ns1: Optional[str] = Field(default=None, description="Primary DNS resolver")
    ns2: Optional[str] = Field(default=None, description="Secondary DNS resolver")
    ipv4: Optional[list[VPSV1IPAddressIPAddressResource]] = None
    ipv6: Optional[list[VPSV1IPAddressIPAddressResource]] = None
    template: Optional[VPSV1TemplateTemplateResource] = None
    created_at: Optional[UtcDatetime] = None

    def is_locked(self) -> bool:
        """True while an action runs on the VM (``actions_lock`` is ``locked``).

        Any other value, unknown ones and None included, counts as unlocked.
        """
        return self.actions_lock == _LOCKED

    def first_ipv4(self) -> Optional[str]:
        """The first IPv4 address the VM has, as the service spells it; None when it has none."""
        for entry in self.ipv4 or ():
            if entry.address is not None:
                return entry.address
        return None
