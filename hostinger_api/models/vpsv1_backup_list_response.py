"""A page of a virtual machine's backups, newest first."""

from __future__ import annotations

from typing import Optional

from hostinger_api.models._base import HostingerModel
from hostinger_api.models.common_schema_pagination_meta_schema import (
    CommonSchemaPaginationMetaSchema,
)
from hostinger_api.models.vpsv1_backup_backup_resource import VPSV1BackupBackupResource


class VPSV1BackupListResponse(HostingerModel):
    """The body of ``get_backups_v1``: ``data`` is the page, ``meta`` says where it sits."""

    data: Optional[list[VPSV1BackupBackupResource]] = None
    meta: Optional[CommonSchemaPaginationMetaSchema] = None
