"""Reading the API's answers where a wrong reading does harm: a lost answer's action, a 404.

Pure functions of what the API answered, so that each rule is stated, and tested, once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from hostinger_api.exceptions import (
    ApiConnectionError,
    ApiException,
    NotFoundException,
    RequestNotSent,
    ResponseDecodeError,
)
from hostinger_api.fleet._shared import CLOCK_SLACK, Operation
from hostinger_api.fleet.report import Action

_GATEWAY_STATUSES = frozenset({502, 503, 504})


@dataclass(frozen=True)
class Before:
    """The VM's actions as listed just before its request was sent: none of them is ours."""

    ids: frozenset[int]
    newest: Optional[datetime]
    """The newest one's ``created_at``: an action created before it cannot be ours either."""

    @classmethod
    def of(cls, listed: Iterable[Action]) -> Before:
        actions = list(listed)
        times = [a.created_at for a in actions if a.created_at is not None]
        return cls(
            frozenset(a.id for a in actions if a.id is not None), max(times) if times else None
        )


def since(sent_at: datetime, before: Before) -> datetime:
    """The earliest ``created_at`` the action of a request sent at ``sent_at`` can have: the
    request's time less the clock slack (whole seconds, clocks differ), and never before the
    newest action listed before it."""
    earliest = sent_at.replace(microsecond=0) - CLOCK_SLACK
    if before.newest is not None and before.newest > earliest:
        return before.newest
    return earliest


def lost_action(
    listed: Iterable[Action], before: Before, sent_at: datetime, operation: Operation
) -> Optional[Action]:
    """The action a request whose answer was lost started, among the VM's newest actions.

    Only an action of the operation sent (its name), created since ``since(...)``, and not
    listed before the request was sent can be it; the earliest such one is taken. None: nothing
    fits, and no other action is ever taken in its place.
    """
    earliest = since(sent_at, before)
    fitting = [
        action
        for action in listed
        if action.id is not None
        and action.id not in before.ids
        and action.created_at is not None
        and action.created_at >= earliest
        and operation.fits(action.name)
    ]
    return min(fitting, key=lambda a: (a.created_at, a.id)) if fitting else None


def maybe_performed(error: ApiException) -> bool:
    """A failure after which the request may have been performed: no answer, or no usable one.

    ``RequestNotSent`` is the one failure without an answer that surely was not."""
    if isinstance(error, RequestNotSent):
        return False
    return isinstance(error, (ApiConnectionError, ResponseDecodeError)) or (
        error.status in _GATEWAY_STATUSES
    )


def snapshot_missing(error: NotFoundException) -> Optional[bool]:
    """What a 404 on a VM's snapshot says: True, the snapshot is missing (``Snapshot not
    found``); False, the VM is (``Virtual machine not found``); None, the message does not say
    (then the VM's details tell)."""
    message = (error.message or "").lower()
    if "virtual machine" in message:
        return False
    if "snapshot" in message:
        return True
    return None
