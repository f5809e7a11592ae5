"""``snapshot get|create|delete|restore``: one VM here; many VMs through ``cli.fleet``."""

from __future__ import annotations

from hostinger_api.api.vps_snapshots_api import VPSSnapshotsApi
from hostinger_api.cli import fleet
from hostinger_api.cli._session import EXIT_OK, Session, confirm
from hostinger_api.cli.action import wait
from hostinger_api.exceptions import OpenApiException
from hostinger_api.models.vpsv1_action_action_resource import VPSV1ActionActionResource


def snapshot_get(session: Session) -> int:
    session.show(VPSSnapshotsApi(session.api_client).get_snapshot_v1(session.vm))
    return EXIT_OK


def snapshot_create(session: Session) -> int:
    if fleet.is_fleet(session.options):
        return _fleet(session, "create")
    return _started(session, VPSSnapshotsApi(session.api_client).create_snapshot_v1(session.vm))


def snapshot_delete(session: Session) -> int:
    if fleet.is_fleet(session.options):
        return _fleet(session, "delete")
    confirm(session, f"Delete the snapshot of virtual machine {session.vm}? It cannot be undone.")
    return _started(session, VPSSnapshotsApi(session.api_client).delete_snapshot_v1(session.vm))


def snapshot_restore(session: Session) -> int:
    if fleet.is_fleet(session.options):
        return _fleet(session, "restore")
    confirm(
        session,
        f"Restore virtual machine {session.vm} from its snapshot? "
        "Everything written to it since the snapshot is lost.",
    )
    return _started(session, VPSSnapshotsApi(session.api_client).restore_snapshot_v1(session.vm))


def _started(session: Session, action: VPSV1ActionActionResource) -> int:
    """An action was started: show it, or wait for it with ``--wait``."""
    if not session.options.wait:
        session.show(action)
        return EXIT_OK
    if action.id is None:
        raise OpenApiException("The service started an action but sent no id to wait for")
    return wait(session, action.id)


def _fleet(session: Session, operation: str) -> int:
    """Many VMs in one job; the exit code says the worst that happened."""
    confirmed = operation == "create" or session.options.yes
    report = fleet.run(
        operation,
        session.options,
        session.api_client,
        out=session.out,
        err=session.err,
        stdin=session.stdin,
        ask=None if confirmed else lambda question: confirm(session, question),
    )
    return fleet.exit_code(report)
