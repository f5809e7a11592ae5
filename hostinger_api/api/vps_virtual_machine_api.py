"""``VPSVirtualMachineApi``: how a job finds the virtual machines it works on.

Hostinger's generated class has 13 more operations (start, stop, recreate, set passwords, ...);
they are out of this package's scope: it covers what snapshot jobs need.
"""

from __future__ import annotations

from typing import Any, Optional

import urllib3

from hostinger_api.api._operation import ApiBase, Operation
from hostinger_api.api_client import RequestOptions
from hostinger_api.api_response import ApiResponse
from hostinger_api.configuration import RequestTimeout
from hostinger_api.models.vpsv1_virtual_machine_virtual_machine_resource import (
    VPSV1VirtualMachineVirtualMachineResource,
)

_VMS_PATH = "/api/vps/v1/virtual-machines"
# The body is a bare JSON array, not a page: ApiClient deserializes it item by item, and an item
# that is not a virtual machine makes the whole answer a ResponseDecodeError naming the item.
_LIST_VMS = Operation("GET", _VMS_PATH, list[VPSV1VirtualMachineVirtualMachineResource])
_GET_VM = Operation(
    "GET", _VMS_PATH + "/{virtualMachineId}", VPSV1VirtualMachineVirtualMachineResource
)


class VPSVirtualMachineApi(ApiBase):
    """The virtual-machine operations, in the same three forms as ``VPSSnapshotsApi``'s."""

    def get_virtual_machines_v1(
        self,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> list[VPSV1VirtualMachineVirtualMachineResource]:
        """Get virtual machines: every VM of the account, in one list (the API does not page it)."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call_data(_LIST_VMS, (), [], options)

    def get_virtual_machines_v1_with_http_info(
        self,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> ApiResponse[list[VPSV1VirtualMachineVirtualMachineResource]]:
        """``get_virtual_machines_v1``, returning the list with status and headers."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call(_LIST_VMS, (), [], options)

    def get_virtual_machines_v1_without_preload_content(
        self,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> urllib3.BaseHTTPResponse:
        """``get_virtual_machines_v1``, returning the raw response with its body unread."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._stream(_LIST_VMS, (), [], options)

    def get_virtual_machine_details_v1(
        self,
        virtual_machine_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> VPSV1VirtualMachineVirtualMachineResource:
        """Get virtual machine details: one VM, with its state and whether an action runs on it."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call_data(_GET_VM, (virtual_machine_id,), [], options)

    def get_virtual_machine_details_v1_with_http_info(
        self,
        virtual_machine_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> ApiResponse[VPSV1VirtualMachineVirtualMachineResource]:
        """``get_virtual_machine_details_v1``, returning the VM with status and headers."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call(_GET_VM, (virtual_machine_id,), [], options)

    def get_virtual_machine_details_v1_without_preload_content(
        self,
        virtual_machine_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> urllib3.BaseHTTPResponse:
        """``get_virtual_machine_details_v1``, returning the raw response with its body unread."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._stream(_GET_VM, (virtual_machine_id,), [], options)
