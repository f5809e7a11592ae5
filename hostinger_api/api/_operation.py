"""The one code path every operation's three forms share.

An operation is declared once, as an ``Operation``: method, path and the model of its 200
body. ``ApiBase`` checks the arguments (before anything is sent), builds and sends the request,
and deserializes the response; the public methods of the API classes only name the operation
and pass their arguments on. This runs on every call, so it does its work by position and
fills the path from pieces split once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Generic, Optional, TypeVar

import urllib3

from hostinger_api._checks import check_id
from hostinger_api.api_client import (
    ApiClient,
    RequestOptions,
    check_host_index,
    own_call_api,
)
from hostinger_api.api_response import ApiResponse
from hostinger_api.exceptions import ApiValueError
from hostinger_api.rest import RESTResponse

T = TypeVar("T")

_AUTH_SETTINGS = ("apiToken",)
_ACCEPT_JSON = "application/json"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_CAMEL = re.compile(r"([A-Z])")


class Operation(Generic[T]):
    """One endpoint: ``path`` holds ``{placeholders}`` that the ids fill in, in order."""

    def __init__(self, method: str, path: str, response_type: type[T]) -> None:
        self.method = method
        self.path = path
        self.response_type = response_type
        self.response_types_map: Mapping[str, Any] = {"200": response_type}
        pieces = _PLACEHOLDER.split(path)  # text, name, text, name, ..., text
        self._texts: tuple[str, ...] = tuple(pieces[0::2])
        # the path around its one id, for the operations that have one: most of them
        self._around_id = (pieces[0], pieces[2]) if len(pieces) == 3 else None
        self._names: tuple[str, ...] = tuple(pieces[1::2])
        # the Python names of the ids, for the errors: virtualMachineId -> virtual_machine_id
        self._arguments = tuple(_CAMEL.sub(r"_\1", name).lower() for name in self._names)

    def fill(self, ids: tuple[object, ...]) -> str:
        """The path with ``ids`` in place, each refused (before anything is sent) unless it is a
        positive int; ids need no quoting."""
        around = self._around_id
        if around is not None and len(ids) == 1:
            value = ids[0]
            if type(value) is not int or value < 1:
                value = check_id(self._arguments[0], value)
            return f"{around[0]}{value}{around[1]}"
        texts = self._texts
        filled = [texts[0]]
        for value, text in zip(self.path_params(ids).values(), texts[1:]):
            filled += (str(value), text)
        return "".join(filled)

    def path_params(self, ids: tuple[object, ...]) -> dict[str, int]:
        """The ids by placeholder, each checked, for ``ApiClient.param_serialize``."""
        if len(ids) != len(self._names):
            raise ApiValueError(f"{self.path} takes {len(self._names)} ids, not {len(ids)}")
        return {
            name: check_id(argument, value)
            for name, argument, value in zip(self._names, self._arguments, ids)
        }


_SEND_OPERATION = ApiClient._send_operation


class ApiBase:
    """What every API class is: a client, and the shared path that sends an operation."""

    def __init__(self, api_client: Optional[ApiClient] = None) -> None:
        self.api_client = ApiClient.get_default() if api_client is None else api_client

    def _send(
        self,
        operation: Operation[Any],
        ids: tuple[object, ...],
        query_params: list[tuple[str, Any]],
        options: RequestOptions,
        preload: bool = False,
    ) -> RESTResponse:
        """Send the operation; with ``preload``, the body is read as part of each attempt.

        ``query_params`` is a new list of the caller's (an auth setting may add to it).
        """
        client = self.api_client
        response = (
            client._send_operation(operation, ids, query_params, options, preload)
            if getattr(type(client), "_send_operation", None) is _SEND_OPERATION
            else None  # not an ApiClient (a wrapper of its steps, a mock): by the steps
        )
        if response is None:  # a step was replaced
            response = self._send_by_steps(operation, ids, query_params, options, preload)
        return response

    def _send_by_steps(
        self,
        operation: Operation[Any],
        ids: tuple[object, ...],
        query_params: list[tuple[str, Any]],
        options: RequestOptions,
        preload: bool,
    ) -> RESTResponse:
        """``_send`` through ``param_serialize`` and ``call_api``, as generated code does: one
        of them (or ``response_deserialize``) was replaced by a subclass or on the instance."""
        request_timeout, request_auth, content_type, extra, host_index = options
        check_host_index(host_index)
        if content_type is not None:
            extra = {"Content-Type": content_type, **(extra or {})}
        headers: dict[str, Any] = {"Accept": _ACCEPT_JSON, **(extra or {})}
        client = self.api_client
        method, url, header_params, body, post_params = client.param_serialize(
            method=operation.method,
            resource_path=operation.path,
            path_params=operation.path_params(ids),
            query_params=query_params,
            header_params=headers,
            auth_settings=_AUTH_SETTINGS,
            _request_auth=request_auth,
        )
        # a call_api written for 4.3.1's takes no _preload_content (the body is read after it)
        preloading = {"_preload_content": preload} if own_call_api(client) else {}
        return client.call_api(
            method,
            url,
            header_params=header_params,
            body=body,
            post_params=post_params,
            _request_timeout=request_timeout,
            **preloading,
        )

    def _call(
        self,
        operation: Operation[T],
        ids: tuple[object, ...],
        query_params: list[tuple[str, Any]],
        options: RequestOptions,
    ) -> ApiResponse[T]:
        """Send the operation, read the whole response and deserialize it (or raise)."""
        response = self._send(operation, ids, query_params, options, True)
        response.read()
        return self.api_client.response_deserialize(response, operation.response_types_map)

    def _call_data(
        self,
        operation: Operation[T],
        ids: tuple[object, ...],
        query_params: list[tuple[str, Any]],
        options: RequestOptions,
    ) -> T:
        """``_call``'s ``data`` alone, for the plain form: no ``ApiResponse`` is built, unless
        ``response_deserialize`` was replaced (then its ``data``, as generated code takes it).

        ``_send``, inline: this runs on every call of the plain form.
        """
        client = self.api_client
        response = (
            client._send_operation(operation, ids, query_params, options, True)
            if getattr(type(client), "_send_operation", None) is _SEND_OPERATION
            else None  # not an ApiClient (a wrapper of its steps, a mock): by the steps
        )
        if response is None:  # a step was replaced: all three are called, as generated code does
            response = self._send_by_steps(operation, ids, query_params, options, True)
            if response.data is None:  # read with the attempt, unless call_api was replaced
                response.read()
            answer = client.response_deserialize(response, operation.response_types_map)
            return answer.data  # type: ignore[no-any-return]
        data: T = client._data_of(response, operation.response_types_map)
        return data

    def _stream(
        self,
        operation: Operation[Any],
        ids: tuple[object, ...],
        query_params: list[tuple[str, Any]],
        options: RequestOptions,
    ) -> urllib3.BaseHTTPResponse:
        """Send the operation and hand back the raw response, body unread, status unchecked."""
        return self._send(operation, ids, query_params, options).response
