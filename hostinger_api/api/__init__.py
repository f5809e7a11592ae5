"""One class per API tag."""

from hostinger_api.api.vps_actions_api import VPSActionsApi
from hostinger_api.api.vps_backups_api import VPSBackupsApi
from hostinger_api.api.vps_snapshots_api import VPSSnapshotsApi
from hostinger_api.api.vps_virtual_machine_api import VPSVirtualMachineApi

__all__ = ["VPSActionsApi", "VPSBackupsApi", "VPSSnapshotsApi", "VPSVirtualMachineApi"]
