"""What a fleet job's worker threads share: the operation, the settings, the signals that stop it.

``_job`` (the worker pool) builds it, ``_vm`` (one VM's steps) reads it; neither imports the
other's internals through it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Optional

from hostinger_api.api.vps_snapshots_api import VPSSnapshotsApi
from hostinger_api.api_client import ApiClient
from hostinger_api.fleet.report import Action
from hostinger_api.waiters import DEFAULT_MAX_POLL_INTERVAL

DEFAULT_TIMEOUT = 3600.0
"""Seconds for the whole job: snapshots take minutes each, and a fleet is many of them."""
CLOCK_SLACK = timedelta(seconds=5)
"""How much older than a lost request its action may look: whole seconds, and clocks differ."""
FIRST_POLL_SECONDS = 3.0
"""Seconds before the first poll of an action: the VMs' polls share one rate limit, and an
action takes seconds at the very least; a poll sent sooner is mostly spent for nothing."""
LOOKUP_SECONDS = 5.0
"""At least this long for the check of a lost answer, even when the job's time is up: a request
cut by the job's timeout is looked up too, so the job may end this much after its timeout."""
INTERRUPT_GRACE = 15.0
"""After Ctrl-C, how long to wait for requests already on the wire to answer (their action id)."""


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
        """Whether an action's name is this operation's (``create_snapshot``; Hostinger's names
        vary in form, so both words are looked for): only such an action can be a lost one."""
        lowered = (name or "").lower()
        return self.verb in lowered and "snapshot" in lowered


CREATE = Operation("create", "POST", needs_snapshot=False)
RESTORE = Operation("restore", "POST", needs_snapshot=True)
DELETE = Operation("delete", "DELETE", needs_snapshot=True)


@dataclass
class Shared:
    """The job's settings, and the signals every worker looks at.

    ``stop`` is set on Ctrl-C (no request of the job leaves after it), ``refused`` on the first
    401 (the token no longer works: no VM is started after it, no request leaves).
    """

    operation: Operation
    client: ApiClient
    wait: bool = True
    timeout: float = DEFAULT_TIMEOUT
    fresh_within: Optional[timedelta] = None
    poll_interval: float = FIRST_POLL_SECONDS
    max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL
    dry_run: bool = False
    stop: threading.Event = field(default_factory=threading.Event)
    refused: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ends: float = 0.0

    def remaining(self) -> float:
        """Seconds left of the job's timeout (negative once it ran out)."""
        return self.ends - time.monotonic()
