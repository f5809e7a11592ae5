"""The one code path every operation's three forms share.

An operation is declared once, as an ``Operation``: method, path and the model of its 200
body. ``ApiBase`` checks the arguments (before anything is sent), builds and sends the request,
and deserializes the response; the public methods of the API classes only name the operation
and pass their arguments on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, NamedTuple, Optional, TypeVar

import urllib3

from hostinger_api.api_client import ApiClient
from hostinger_api.api_response import ApiResponse
from hostinger_api.configuration import RequestTimeout
from hostinger_api.exceptions import ApiValueError
from hostinger_api.rest import RESTResponse

T = TypeVar("T")

_AUTH_SETTINGS = ("apiToken",)
_ACCEPT_JSON = "application/json"


class Operation(Generic[T]):
    """One endpoint: ``path`` holds ``{placeholders}`` that the path parameters fill in."""

    def __init__(self, method: str, path: str, response_type: type[T]) -> None:
        self.method = method
        self.path = path
        self.response_type = response_type
        self.response_types_map: Mapping[str, Any] = {"200": response_type}


def _check_host_index(value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value != 0:
        raise ApiValueError(f"_host_index must be 0: this API has one server, not {value!r}")


class RequestOptions(NamedTuple):
    """The keyword parameters every form of every operation takes, passed on as one value."""

    request_timeout: RequestTimeout
    request_auth: Optional[dict[str, Any]]
    content_type: Optional[str]
    headers: Optional[dict[str, Any]]
    host_index: int


class ApiBase:
    """What every API class is: a client, and the shared path that sends an operation."""

    def __init__(self, api_client: Optional[ApiClient] = None) -> None:
        self.api_client = ApiClient.get_default() if api_client is None else api_client

    def _send(
        self,
        operation: Operation[Any],
        path_params: Mapping[str, int],
        query_params: list[tuple[str, Any]],
        options: RequestOptions,
        *,
        preload: bool = False,
    ) -> RESTResponse:
        """Send the operation; with ``preload``, the body is read as part of each attempt."""
        _check_host_index(options.host_index)
        headers: dict[str, Any] = {"Accept": _ACCEPT_JSON}
        if options.content_type is not None:
            headers["Content-Type"] = options.content_type
        if options.headers:
            headers.update(options.headers)
        client = self.api_client
        method, url, header_params, body, post_params = client.param_serialize(
            method=operation.method,
            resource_path=operation.path,
            path_params=path_params,
            query_params=query_params,
            header_params=headers,
            auth_settings=_AUTH_SETTINGS,
            _request_auth=options.request_auth,
        )
        return client.call_api(
            method,
            url,
            header_params=header_params,
            body=body,
            post_params=post_params,
            _request_timeout=options.request_timeout,
            _preload_content=preload,
        )

    def _call(
        self,
        operation: Operation[T],
        path_params: Mapping[str, int],
        query_params: list[tuple[str, Any]],
        options: RequestOptions,
    ) -> ApiResponse[T]:
        """Send the operation, read the whole response and deserialize it (or raise)."""
        response = self._send(operation, path_params, query_params, options, preload=True)
        response.read()
        return self.api_client.response_deserialize(response, operation.response_types_map)

    def _call_data(
        self,
        operation: Operation[T],
        path_params: Mapping[str, int],
        query_params: list[tuple[str, Any]],
        options: RequestOptions,
    ) -> T:
        """``_call``'s ``data`` alone, for the plain form: no ``ApiResponse`` is built."""
        response = self._send(operation, path_params, query_params, options, preload=True)
        response.read()
        data: T = self.api_client._data_of(response, operation.response_types_map)
        return data

    def _stream(
        self,
        operation: Operation[Any],
        path_params: Mapping[str, int],
        query_params: list[tuple[str, Any]],
        options: RequestOptions,
    ) -> urllib3.BaseHTTPResponse:
        """Send the operation and hand back the raw response, body unread, status unchecked."""
        return self._send(operation, path_params, query_params, options).response
