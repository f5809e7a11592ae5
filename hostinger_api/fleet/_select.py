"""A fleet job's arguments, checked before anything is sent, and the VMs it works on."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Optional, Union

from hostinger_api._checks import check_id
from hostinger_api.api.vps_virtual_machine_api import VPSVirtualMachineApi
from hostinger_api.api_client import ApiClient
from hostinger_api.exceptions import ApiTypeError, ApiValueError
from hostinger_api.models.vpsv1_virtual_machine_virtual_machine_resource import (
    VPSV1VirtualMachineVirtualMachineResource,
)

DEFAULT_CONCURRENCY = 8
"""VMs worked on at once: each costs a poll every few seconds, which the rate limit can carry."""
MAX_CONCURRENCY = 64
MAX_SPAN = timedelta(days=3650)
"""The longest span a job or an audit takes (10 years): no snapshot lives that long, and dates
computed from a far longer one fall outside what ``datetime`` holds."""

Vm = VPSV1VirtualMachineVirtualMachineResource
VmIds = Optional[Iterable[Union[int, Vm]]]
"""VM ids, or VMs as listed (``select_vms``), or a mix; None: every VM of the account."""
VmEntries = Optional[list[Union[int, Vm]]]
Match = Union[str, Iterable[str], None]


def select_vms(client: ApiClient, *, vms: VmIds = None, match: Match = None) -> list[Vm]:
    """The VMs a job with these ``vms`` and ``match`` works on, in its order (one request).

    An id the account does not list is kept as a VM with only its id: the job reports the
    API's answer for it. A VM the list answers twice is kept once, where it came first. Pass
    the result as ``vms=`` to act on exactly these VMs (after showing them, say): the job
    then does not list the account again.
    """
    check_client(client)
    return chosen_vms(client, check_vms(vms), check_match(match))


def check_client(client: object) -> None:
    if not isinstance(client, ApiClient):
        raise ApiTypeError(f"client must be an ApiClient, not {type(client).__name__}")


def check_span(name: str, value: object, *, optional: bool) -> Optional[timedelta]:
    """A span argument (``fresh_within``, ``max_age``, ``expiring_within``): a timedelta above 0
    and at most ``MAX_SPAN``; None where ``optional``."""
    if value is None and optional:
        return None
    if not isinstance(value, timedelta):
        raise ApiTypeError(f"{name} must be a datetime.timedelta, not {type(value).__name__}")
    if value <= timedelta(0):
        raise ApiValueError(f"{name} must be more than 0, not {value}")
    if value > MAX_SPAN:
        raise ApiValueError(f"{name} must be at most {MAX_SPAN.days} days (10 years), not {value}")
    return value


def check_fresh_within(fresh_within: object) -> Optional[timedelta]:
    return check_span("fresh_within", fresh_within, optional=True)


def check_vms(vms: VmIds) -> VmEntries:
    """The ids and VMs of ``vms``, each checked; a VM (the model) must have its id."""
    if vms is None:
        return None
    if isinstance(vms, (str, bytes)) or not isinstance(vms, Iterable):
        raise ApiTypeError(f"vms must be a list of VM ids or None, not {type(vms).__name__}")
    entries: list[Union[int, Vm]] = []
    for vm in vms:
        if isinstance(vm, Vm):
            if vm.id is None:
                raise ApiTypeError("vms holds a VM without an id")
            check_id("vms[].id", vm.id)
            entries.append(vm)
        else:
            entries.append(check_id("vms[]", vm))
    if not entries:
        raise ApiValueError("vms is empty: pass None for every VM of the account")
    ids = [_id_of(entry) for entry in entries]
    repeated = sorted({vm for vm in ids if ids.count(vm) > 1})
    if repeated:
        raise ApiValueError(f"vms lists {', '.join(map(str, repeated))} more than once")
    return entries


def check_match(match: Match) -> Optional[list[str]]:
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


def check_concurrency(concurrency: object) -> int:
    if not isinstance(concurrency, int) or isinstance(concurrency, bool):
        raise ApiTypeError(f"concurrency must be an int, not {type(concurrency).__name__}")
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise ApiValueError(f"concurrency must be 1 to {MAX_CONCURRENCY}, not {concurrency}")
    return concurrency


def chosen_vms(client: ApiClient, entries: VmEntries, patterns: Optional[list[str]]) -> list[Vm]:
    """The VMs of these entries (every listed VM for None) whose hostname fits a pattern.

    The account is listed unless every entry is a VM already (then no request is made).
    """
    chosen: Sequence[Vm]
    if entries is not None and all(isinstance(entry, Vm) for entry in entries):
        chosen = [entry for entry in entries if isinstance(entry, Vm)]
    else:
        listed = _once_each(VPSVirtualMachineApi(client).get_virtual_machines_v1())
        if entries is None:
            chosen = listed
        else:
            by_id = {vm.id: vm for vm in listed}
            chosen = [
                entry if isinstance(entry, Vm) else (by_id.get(entry) or Vm(id=entry))
                for entry in entries
            ]
    if patterns is None:
        return list(chosen)
    # An id the account does not list has no hostname to match: kept, so that it is reported.
    unlisted = entries is not None
    return [vm for vm in chosen if (unlisted and vm.hostname is None) or _matches(vm, patterns)]


def _once_each(listed: Iterable[Vm]) -> list[Vm]:
    """The listed VMs with an id, each once (the first entry kept): a list that answers a VM
    twice must not get it acted on twice."""
    seen: set[int] = set()
    unique = []
    for vm in listed:
        if vm.id is not None and vm.id not in seen:
            seen.add(vm.id)
            unique.append(vm)
    return unique


def _id_of(entry: Union[int, Vm]) -> int:
    if isinstance(entry, Vm):
        assert entry.id is not None
        return entry.id
    return entry


def _matches(vm: Vm, patterns: list[str]) -> bool:
    hostname = (vm.hostname or "").lower()
    return any(fnmatch.fnmatchcase(hostname, pattern.lower()) for pattern in patterns)
