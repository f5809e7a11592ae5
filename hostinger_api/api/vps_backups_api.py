"""``VPSBackupsApi``: the automatic backups Hostinger keeps of a VM, and restoring one.

Backups are Hostinger's own (weekly by default, daily as a paid option); this API lists them and
restores one. A restore only starts an action and returns it (``wait_for_action`` waits for it).
**Restoring a backup overwrites all data on the VM and deletes the VM's snapshot.**
"""

from __future__ import annotations

from typing import Any, Optional

import urllib3

from hostinger_api._checks import check_id
from hostinger_api.api._operation import ApiBase, Operation
from hostinger_api.api_client import RequestOptions
from hostinger_api.api_response import ApiResponse
from hostinger_api.configuration import RequestTimeout
from hostinger_api.models.vpsv1_action_action_resource import VPSV1ActionActionResource
from hostinger_api.models.vpsv1_backup_list_response import VPSV1BackupListResponse

_BACKUPS_PATH = "/api/vps/v1/virtual-machines/{virtualMachineId}/backups"
_LIST_BACKUPS = Operation("GET", _BACKUPS_PATH, VPSV1BackupListResponse)
_RESTORE_BACKUP = Operation(
    "POST", _BACKUPS_PATH + "/{backupId}/restore", VPSV1ActionActionResource
)


def _vm_and_page(
    virtual_machine_id: object, page: object
) -> tuple[tuple[int], list[tuple[str, Any]]]:
    ids = (check_id("virtual_machine_id", virtual_machine_id),)  # first, as its error comes
    return ids, [] if page is None else [("page", check_id("page", page))]


class VPSBackupsApi(ApiBase):
    """The backup operations, in the same three forms as ``VPSSnapshotsApi``'s."""

    def get_backups_v1(
        self,
        virtual_machine_id: int,
        page: Optional[int] = None,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> VPSV1BackupListResponse:
        """Get backups: one page (the first when ``page`` is None) of the VM's backups."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call_data(_LIST_BACKUPS, *_vm_and_page(virtual_machine_id, page), options)

    def get_backups_v1_with_http_info(
        self,
        virtual_machine_id: int,
        page: Optional[int] = None,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> ApiResponse[VPSV1BackupListResponse]:
        """``get_backups_v1``, returning the page with status and headers."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call(_LIST_BACKUPS, *_vm_and_page(virtual_machine_id, page), options)

    def get_backups_v1_without_preload_content(
        self,
        virtual_machine_id: int,
        page: Optional[int] = None,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> urllib3.BaseHTTPResponse:
        """``get_backups_v1``, returning the raw response with its body unread."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._stream(_LIST_BACKUPS, *_vm_and_page(virtual_machine_id, page), options)

    def restore_backup_v1(
        self,
        virtual_machine_id: int,
        backup_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> VPSV1ActionActionResource:
        """Restore backup: start restoring it. **All data on the VM is overwritten, and the VM's
        snapshot is deleted.**"""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call_data(
            _RESTORE_BACKUP, (virtual_machine_id, backup_id), [], options
        )

    def restore_backup_v1_with_http_info(
        self,
        virtual_machine_id: int,
        backup_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> ApiResponse[VPSV1ActionActionResource]:
        """``restore_backup_v1``, returning the action with status and headers."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call(
            _RESTORE_BACKUP, (virtual_machine_id, backup_id), [], options
        )

    def restore_backup_v1_without_preload_content(
        self,
        virtual_machine_id: int,
        backup_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> urllib3.BaseHTTPResponse:
        """``restore_backup_v1``, returning the raw response with its body unread."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._stream(
            _RESTORE_BACKUP, (virtual_machine_id, backup_id), [], options
        )
