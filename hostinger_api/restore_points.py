"""A restore point for risky work: snapshot first, and roll back if the work fails.

    with hostinger_api.restore_point(api_client, 1268054):
        upgrade_the_database()      # raises: the VM is restored from the snapshot, then re-raised

Taking the snapshot overwrites the VM's existing one (a VM has at most one): the state it held
is lost, whatever happens in the block.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Optional

from hostinger_api.api.vps_snapshots_api import VPSSnapshotsApi
from hostinger_api.api_client import ApiClient
from hostinger_api.models.vpsv1_action_action_resource import VPSV1ActionActionResource
from hostinger_api.waiters import (
    DEFAULT_MAX_POLL_INTERVAL,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_TIMEOUT,
    OnChange,
    wait_for_action,
)

_logger = logging.getLogger("hostinger_api")


@contextmanager
def restore_point(
    api_client: ApiClient,
    virtual_machine_id: int,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
    on_change: Optional[OnChange] = None,
) -> Iterator[VPSV1ActionActionResource]:
    """Snapshot the VM and wait; run the block; if it raises, restore the snapshot, wait, re-raise.

    Yields the finished ``create_snapshot`` action. ``timeout``, the poll intervals and
    ``on_change`` apply to each of the two waits (see ``wait_for_action``).

    Only an ``Exception`` restores: Ctrl-C (``KeyboardInterrupt``) and ``SystemExit`` leave the
    VM as the block left it, since a restore can take many minutes nobody asked to wait for.
    When the restore itself fails, its error is raised, chained to the block's exception (shown
    as "During handling of the above exception"), so neither is lost.
    """

    def wait(action: VPSV1ActionActionResource) -> VPSV1ActionActionResource:
        return wait_for_action(
            api_client,
            virtual_machine_id,
            action,
            timeout=timeout,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            on_change=on_change,
        )

    snapshots = VPSSnapshotsApi(api_client)
    taken = wait(snapshots.create_snapshot_v1(virtual_machine_id))
    try:
        yield taken
    except Exception as error:
        _logger.warning(
            "Restoring virtual machine %s from its snapshot: the block raised %s",
            virtual_machine_id,
            type(error).__name__,
        )
        wait(snapshots.restore_snapshot_v1(virtual_machine_id))
        raise
