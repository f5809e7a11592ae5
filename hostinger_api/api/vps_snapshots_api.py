"""``VPSSnapshotsApi``: create, delete, get and restore the snapshot of a virtual machine.

A virtual machine has at most one snapshot. Create, delete and restore only start an action on
Hostinger's side and return it; ``hostinger_api.wait_for_action`` waits for it to finish.
"""

from __future__ import annotations

from typing import Any, Optional

import urllib3

from hostinger_api.api._operation import ApiBase, Operation
from hostinger_api.api_client import RequestOptions
from hostinger_api.api_response import ApiResponse
from hostinger_api.configuration import RequestTimeout
from hostinger_api.models.vpsv1_action_action_resource import VPSV1ActionActionResource
from hostinger_api.models.vpsv1_snapshot_snapshot_resource import VPSV1SnapshotSnapshotResource

_SNAPSHOT_PATH = "/api/vps/v1/virtual-machines/{virtualMachineId}/snapshot"
_CREATE = Operation("POST", _SNAPSHOT_PATH, VPSV1ActionActionResource)
_DELETE = Operation("DELETE", _SNAPSHOT_PATH, VPSV1ActionActionResource)
_GET = Operation("GET", _SNAPSHOT_PATH, VPSV1SnapshotSnapshotResource)
_RESTORE = Operation("POST", _SNAPSHOT_PATH + "/restore", VPSV1ActionActionResource)


class VPSSnapshotsApi(ApiBase):
    """The snapshot operations. Each comes in three forms:

    ``X(...)`` returns the model, ``X_with_http_info(...)`` an ``ApiResponse`` with status and
    headers, ``X_without_preload_content(...)`` the raw urllib3 response, body unread.
    Every form takes ``_request_timeout`` (seconds, or a (connect, read) pair),
    ``_request_auth``, ``_content_type``, ``_headers`` and ``_host_index`` (0, the only server).
    """

    def create_snapshot_v1(
        self,
        virtual_machine_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> VPSV1ActionActionResource:
        """Create snapshot: start snapshotting the VM. **It overwrites its existing snapshot.**"""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call_data(_CREATE, (virtual_machine_id,), [], options)

    def create_snapshot_v1_with_http_info(
        self,
        virtual_machine_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> ApiResponse[VPSV1ActionActionResource]:
        """``create_snapshot_v1``, returning the action with status and headers."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call(_CREATE, (virtual_machine_id,), [], options)

    def create_snapshot_v1_without_preload_content(
        self,
        virtual_machine_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> urllib3.BaseHTTPResponse:
        """``create_snapshot_v1``, returning the raw response with its body unread."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._stream(_CREATE, (virtual_machine_id,), [], options)

    def delete_snapshot_v1(
        self,
        virtual_machine_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> VPSV1ActionActionResource:
        """Delete snapshot: start deleting the VM's snapshot."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call_data(_DELETE, (virtual_machine_id,), [], options)

    def delete_snapshot_v1_with_http_info(
        self,
        virtual_machine_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> ApiResponse[VPSV1ActionActionResource]:
        """``delete_snapshot_v1``, returning the action with status and headers."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call(_DELETE, (virtual_machine_id,), [], options)

    def delete_snapshot_v1_without_preload_content(
        self,
        virtual_machine_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> urllib3.BaseHTTPResponse:
        """``delete_snapshot_v1``, returning the raw response with its body unread."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._stream(_DELETE, (virtual_machine_id,), [], options)

    def get_snapshot_v1(
        self,
        virtual_machine_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> VPSV1SnapshotSnapshotResource:
        """Get snapshot: the VM's current snapshot."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call_data(_GET, (virtual_machine_id,), [], options)

    def get_snapshot_v1_with_http_info(
        self,
        virtual_machine_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> ApiResponse[VPSV1SnapshotSnapshotResource]:
        """``get_snapshot_v1``, returning the snapshot with status and headers."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call(_GET, (virtual_machine_id,), [], options)

    def get_snapshot_v1_without_preload_content(
        self,
        virtual_machine_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> urllib3.BaseHTTPResponse:
        """``get_snapshot_v1``, returning the raw response with its body unread."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._stream(_GET, (virtual_machine_id,), [], options)

    def restore_snapshot_v1(
        self,
        virtual_machine_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> VPSV1ActionActionResource:
        """Restore snapshot: start reverting the VM to its snapshot."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call_data(_RESTORE, (virtual_machine_id,), [], options)

    def restore_snapshot_v1_with_http_info(
        self,
        virtual_machine_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> ApiResponse[VPSV1ActionActionResource]:
        """``restore_snapshot_v1``, returning the action with status and headers."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call(_RESTORE, (virtual_machine_id,), [], options)

    def restore_snapshot_v1_without_preload_content(
        self,
        virtual_machine_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> urllib3.BaseHTTPResponse:
        """``restore_snapshot_v1``, returning the raw response with its body unread."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._stream(_RESTORE, (virtual_machine_id,), [], options)
