"""Waiting for an action to finish.

Create, delete and restore only start an action on Hostinger's side. ``wait_for_action`` polls
the action until it ends: it returns the action when it succeeded, raises ``ActionFailedError``
when it ended in ``error``, and ``ActionTimeoutError`` when time ran out. States it does not
know count as "still running". ``poll_action`` is the same wait as an iterator, for callers that
show progress at every poll. Ctrl-C is not caught: it stops the wait, not the action.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Callable, Optional, Union

from hostinger_api._checks import check_id, positive_seconds
from hostinger_api.api.vps_actions_api import VPSActionsApi
from hostinger_api.api_client import ApiClient
from hostinger_api.exceptions import (
    ActionFailedError,
    ActionTimeoutError,
    ApiConnectionError,
    ApiException,
)
from hostinger_api.models.vpsv1_action_action_resource import VPSV1ActionActionResource
from hostinger_api.retry import RETRIED_STATUSES, deadline

DEFAULT_TIMEOUT = 1800.0
"""Seconds to wait: Hostinger estimates restores in tens of minutes (``restore_time``)."""
DEFAULT_POLL_INTERVAL = 2.0
DEFAULT_MAX_POLL_INTERVAL = 15.0
_BACKOFF = 1.5
_NOT_POLLED_YET = object()
_NEVER = threading.Event()
"""The stop of a wait nobody stops: never set."""
_logger = logging.getLogger("hostinger_api")

OnChange = Callable[[VPSV1ActionActionResource], None]
Client = Union[ApiClient, VPSActionsApi]
Action = Union[VPSV1ActionActionResource, int]


def poll_action(
    client: Client,
    virtual_machine_id: int,
    action: Action,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
    stop: Optional[threading.Event] = None,
) -> Iterator[VPSV1ActionActionResource]:
    """Yield the action as each poll sees it, until it finishes; the last one yielded succeeded.

    An action that ends in ``error`` is yielded, then ``ActionFailedError`` is raised. Running
    out of time raises ``ActionTimeoutError``. Once ``stop`` is set (from another thread, say),
    no further poll is sent and the iterator ends without raising: the action goes on. Other
    arguments are as for ``wait_for_action``, and are checked when this is called, before the
    first poll.
    """
    actions = client if isinstance(client, VPSActionsApi) else VPSActionsApi(client)
    check_id("virtual_machine_id", virtual_machine_id)
    action_id = check_id(
        "action_id", action.id if isinstance(action, VPSV1ActionActionResource) else action
    )
    seconds = positive_seconds("timeout", timeout)
    interval = positive_seconds("poll_interval", poll_interval)
    max_interval = max(interval, positive_seconds("max_poll_interval", max_poll_interval))
    return _polls(
        actions, virtual_machine_id, action_id, seconds, interval, max_interval, stop or _NEVER
    )


def _polls(
    actions: VPSActionsApi,
    vm: int,
    action_id: int,
    timeout: float,
    interval: float,
    max_interval: float,
    stop: threading.Event,
) -> Iterator[VPSV1ActionActionResource]:
    ends = time.monotonic() + timeout
    last: Optional[VPSV1ActionActionResource] = None
    while not stop.is_set():
        try:
            with deadline(max(ends - time.monotonic(), 1e-3)):
                last = actions.get_action_details_v1(vm, action_id)
        except ApiException as error:
            out_of_time = time.monotonic() >= ends
            if out_of_time or _passing(error):
                if out_of_time:
                    raise ActionTimeoutError(_still(action_id, vm, last, timeout), last) from error
                _logger.warning(
                    "Polling action %s failed (%s); polling again until the wait's timeout",
                    action_id,
                    str(error).splitlines()[0],
                )
            else:
                raise
        else:
            yield last
            if last.failed():
                raise ActionFailedError(
                    f"Action {action_id} ({last.name}) on virtual machine {vm} "
                    "ended in state 'error'",
                    last,
                )
            if last.succeeded():
                return
        remaining = ends - time.monotonic()
        if remaining <= 0:
            raise ActionTimeoutError(_still(action_id, vm, last, timeout), last)
        if stop.wait(min(interval, remaining)):
            return
        interval = min(interval * _BACKOFF, max_interval)


def _passing(error: ApiException) -> bool:
    """A failure the retry policy would retry for a GET: no answer, 429, 502, 503 or 504."""
    return isinstance(error, ApiConnectionError) or error.status in RETRIED_STATUSES


def _still(
    action_id: int, vm: int, last: Optional[VPSV1ActionActionResource], timeout: float
) -> str:
    seen = "was never seen" if last is None else f"was still '{last.state}'"
    name = "" if last is None else f" ({last.name})"
    return f"Action {action_id}{name} on virtual machine {vm} {seen} after {timeout:g} s"


def wait_for_action(
    client: Client,
    virtual_machine_id: int,
    action: Action,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
    on_change: Optional[OnChange] = None,
) -> VPSV1ActionActionResource:
    """Poll an action until it finishes, and return it as it finished.

    :param client: an ``ApiClient``, or the ``VPSActionsApi`` to poll with.
    :param action: the action create, delete or restore returned, or its id.
    :param timeout: seconds to wait in all before raising ``ActionTimeoutError``. Polls are
        held to it too (their timeouts and retries), so the wait ends at the timeout.
    :param poll_interval: seconds between the first polls; it grows by half each poll,
        up to ``max_poll_interval``.
    :param on_change: called with the action each time its state changes, the first poll too.

    A poll that fails in a way that passes (no answer, 429, 502, 503, 504), even after the
    client's retries, does not end the wait: it is logged, and the next poll follows. Any other
    failed poll (401, 404, 500...) raises its ``ApiException``; the action goes on, and can be
    waited for again.
    """
    last_state: object = _NOT_POLLED_YET
    current: Optional[VPSV1ActionActionResource] = None
    for current in poll_action(
        client,
        virtual_machine_id,
        action,
        timeout=timeout,
        poll_interval=poll_interval,
        max_poll_interval=max_poll_interval,
    ):
        if on_change is not None and current.state != last_state:
            on_change(current)
        last_state = current.state
    assert current is not None  # the polls end only by yielding a finished action, or raising
    return current
