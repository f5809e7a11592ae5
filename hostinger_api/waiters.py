"""Waiting for an action to finish.

Create, delete and restore only start an action on Hostinger's side. ``wait_for_action`` polls
the action until it ends: it returns the action when it succeeded, raises ``ActionFailedError``
when it ended in ``error``, and ``ActionTimeoutError`` when time ran out. States it does not
know count as "still running". Ctrl-C is not caught: it stops the wait, not the action.
"""

from __future__ import annotations

import time
from typing import Callable, Optional, Union

from hostinger_api._checks import check_id, positive_seconds
from hostinger_api.api.vps_actions_api import VPSActionsApi
from hostinger_api.api_client import ApiClient
from hostinger_api.exceptions import ActionFailedError, ActionTimeoutError
from hostinger_api.models.vpsv1_action_action_resource import VPSV1ActionActionResource

DEFAULT_TIMEOUT = 1800.0
"""Seconds to wait: Hostinger estimates restores in tens of minutes (``restore_time``)."""
DEFAULT_POLL_INTERVAL = 2.0
DEFAULT_MAX_POLL_INTERVAL = 15.0
_BACKOFF = 1.5
_NOT_POLLED_YET = object()

OnChange = Callable[[VPSV1ActionActionResource], None]


def wait_for_action(
    client: Union[ApiClient, VPSActionsApi],
    virtual_machine_id: int,
    action: Union[VPSV1ActionActionResource, int],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
    on_change: Optional[OnChange] = None,
) -> VPSV1ActionActionResource:
    """Poll an action until it finishes, and return it as it finished.

    :param client: an ``ApiClient``, or the ``VPSActionsApi`` to poll with.
    :param action: the action create, delete or restore returned, or its id.
    :param timeout: seconds to wait in all before raising ``ActionTimeoutError``.
    :param poll_interval: seconds between the first polls; it grows by half each poll,
        up to ``max_poll_interval``.
    :param on_change: called with the action each time its state changes, the first poll too.

    The wait ends within ``timeout`` plus one poll's request timeout (60 s to read, by default).
    """
    actions = client if isinstance(client, VPSActionsApi) else VPSActionsApi(client)
    check_id("virtual_machine_id", virtual_machine_id)
    action_id = check_id(
        "action_id", action.id if isinstance(action, VPSV1ActionActionResource) else action
    )
    deadline = time.monotonic() + positive_seconds("timeout", timeout)
    interval = positive_seconds("poll_interval", poll_interval)
    max_interval = max(interval, positive_seconds("max_poll_interval", max_poll_interval))

    last_state: object = _NOT_POLLED_YET
    while True:
        current = actions.get_action_details_v1(virtual_machine_id, action_id)
        if on_change is not None and current.state != last_state:
            on_change(current)
        last_state = current.state
        if current.failed():
            raise ActionFailedError(
                f"Action {action_id} ({current.name}) on virtual machine {virtual_machine_id} "
                "ended in state 'error'",
                current,
            )
        if current.succeeded():
            return current
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ActionTimeoutError(
                f"Action {action_id} ({current.name}) on virtual machine {virtual_machine_id} "
                f"was still '{current.state}' after {timeout:g} s",
                current,
            )
        time.sleep(min(interval, remaining))
        interval = min(interval * _BACKOFF, max_interval)
