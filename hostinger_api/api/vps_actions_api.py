"""``VPSActionsApi``: how a caller learns what became of a create, delete or restore."""

from __future__ import annotations

from typing import Any, Optional

import urllib3

from hostinger_api._checks import check_id
from hostinger_api.api._operation import ApiBase, Operation
from hostinger_api.api_client import RequestOptions
from hostinger_api.api_response import ApiResponse
from hostinger_api.configuration import RequestTimeout
from hostinger_api.models.vpsv1_action_action_resource import VPSV1ActionActionResource
from hostinger_api.models.vpsv1_action_list_response import VPSV1ActionListResponse

_ACTIONS_PATH = "/api/vps/v1/virtual-machines/{virtualMachineId}/actions"
_GET_ACTION = Operation("GET", _ACTIONS_PATH + "/{actionId}", VPSV1ActionActionResource)
_LIST_ACTIONS = Operation("GET", _ACTIONS_PATH, VPSV1ActionListResponse)


def _vm_and_page(
    virtual_machine_id: object, page: object
) -> tuple[tuple[int], list[tuple[str, Any]]]:
    ids = (check_id("virtual_machine_id", virtual_machine_id),)  # first, as its error comes
    return ids, [] if page is None else [("page", check_id("page", page))]


class VPSActionsApi(ApiBase):
    """The action operations, in the same three forms as ``VPSSnapshotsApi``'s."""

    def get_action_details_v1(
        self,
        virtual_machine_id: int,
        action_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> VPSV1ActionActionResource:
        """Get action details: one action of the VM, in its current state."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call_data(
            _GET_ACTION, (virtual_machine_id, action_id), [], options
        )

    def get_action_details_v1_with_http_info(
        self,
        virtual_machine_id: int,
        action_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> ApiResponse[VPSV1ActionActionResource]:
        """``get_action_details_v1``, returning the action with status and headers."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call(_GET_ACTION, (virtual_machine_id, action_id), [], options)

    def get_action_details_v1_without_preload_content(
        self,
        virtual_machine_id: int,
        action_id: int,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> urllib3.BaseHTTPResponse:
        """``get_action_details_v1``, returning the raw response with its body unread."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._stream(_GET_ACTION, (virtual_machine_id, action_id), [], options)

    def get_actions_v1(
        self,
        virtual_machine_id: int,
        page: Optional[int] = None,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> VPSV1ActionListResponse:
        """Get actions: one page (the first when ``page`` is None) of the VM's actions."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call_data(_LIST_ACTIONS, *_vm_and_page(virtual_machine_id, page), options)

    def get_actions_v1_with_http_info(
        self,
        virtual_machine_id: int,
        page: Optional[int] = None,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> ApiResponse[VPSV1ActionListResponse]:
        """``get_actions_v1``, returning the page with status and headers."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._call(_LIST_ACTIONS, *_vm_and_page(virtual_machine_id, page), options)

    def get_actions_v1_without_preload_content(
        self,
        virtual_machine_id: int,
        page: Optional[int] = None,
        _request_timeout: RequestTimeout = None,
        _request_auth: Optional[dict[str, Any]] = None,
        _content_type: Optional[str] = None,
        _headers: Optional[dict[str, Any]] = None,
        _host_index: int = 0,
    ) -> urllib3.BaseHTTPResponse:
        """``get_actions_v1``, returning the raw response with its body unread."""
        options: RequestOptions = (
            _request_timeout, _request_auth, _content_type, _headers, _host_index
        )
        return self._stream(_LIST_ACTIONS, *_vm_and_page(virtual_machine_id, page), options)
