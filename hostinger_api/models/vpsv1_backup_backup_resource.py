"""A backup: one of the automatic (weekly by default) copies Hostinger keeps of a VM."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from hostinger_api.models._base import HostingerModel, UtcDatetime


class VPSV1BackupBackupResource(HostingerModel):
    """A backup of a virtual machine (``VPS.V1.Backup.BackupResource``).

    Restoring it overwrites all data on the VM and deletes the VM's snapshot.
    """

    id: Optional[int] = Field(default=None, description="Backup ID")
    size: Optional[int] = Field(default=None, description="Backup size in kilobytes")
    restore_time: Optional[int] = Field(
        default=None, description="Estimated backup restore time in seconds"
    )
    location: Optional[str] = Field(default=None, description="Location of the backup")
    created_at: Optional[UtcDatetime] = None
