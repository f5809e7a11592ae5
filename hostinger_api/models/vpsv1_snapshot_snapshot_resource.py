"""A snapshot: a VM has at most one, and creating a new one overwrites it."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from hostinger_api.models._base import HostingerModel, UtcDatetime


class VPSV1SnapshotSnapshotResource(HostingerModel):
    """The snapshot of a virtual machine (``VPS.V1.Snapshot.SnapshotResource``)."""

    id: Optional[int] = Field(default=None, description="Snapshot ID")
    restore_time: Optional[int] = Field(
        default=None, description="Estimated time of restoring the snapshot, in seconds"
    )
    created_at: Optional[UtcDatetime] = None
    expires_at: Optional[UtcDatetime] = None
