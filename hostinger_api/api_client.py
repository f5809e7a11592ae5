"""Builds requests, authenticates them, and turns responses into models or exceptions.

With ``_generated_helpers`` (the generated package's helpers it keeps), the only module that
knows about JSON. One ``ApiClient`` may be shared by many threads: its pool manager is
thread-safe, and a call changes no state of the client. A client made before ``os.fork()``
works in the parent and the child alike: the child gets its own connections and rate gate,
never the parent's sockets.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, ClassVar, Optional, Protocol
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from hostinger_api import rest
from hostinger_api._generated_helpers import (
    MODEL_CLASS,
    GeneratedHelpers,
    ResponseType,
    describe,
    is_json,
    is_model,
)
from hostinger_api._version import __version__
from hostinger_api.api_response import ApiResponse, ResponseHeaders
from hostinger_api.configuration import Configuration, RequestTimeout
from hostinger_api.exceptions import ApiException, ApiValueError, ResponseDecodeError

USER_AGENT = f"hostinger_api-python/{__version__}"

RequestOptions = tuple[
    RequestTimeout, Optional[dict[str, Any]], Optional[str], Optional[dict[str, Any]], int
]
"""The keyword parameters every form of every operation takes, passed on as one value:
``(_request_timeout, _request_auth, _content_type, _headers, _host_index)``."""


class PlainOperation(Protocol):
    """What ``_send_operation`` needs of an operation (``hostinger_api.api._operation``'s)."""

    method: str

    def fill(self, ids: tuple[object, ...]) -> str:
        """The path, with ``ids`` in place."""


def _error_model(status: int) -> type[BaseModel]:
    """The model of an error body with this status, for any operation."""
    from hostinger_api import models

    if status == 401:
        return models.CommonSchemaUnauthorizedResponseSchema
    if status == 422:
        return models.CommonSchemaUnprocessableContentResponseSchema
    return models.CommonSchemaErrorResponseSchema


def _content_type(headers: Mapping[str, str]) -> str | None:
    """The Content-Type of an answer; from urllib3's lowercased names directly when they are
    there, as this runs for every answer (``headers.get`` goes through two Python calls)."""
    names = getattr(headers, "_container", None)
    if type(names) is not dict:
        return headers.get("content-type")
    found = names.get("content-type")
    if found is None:
        return None
    return found[1] if len(found) == 2 else ", ".join(found[1:])


_PLAIN_JSON = ["Content-Type", "application/json"]
"""How urllib3 keeps the usual ``Content-Type: application/json`` (its name as sent, its value)."""


class ApiClient(GeneratedHelpers):
    """Sends requests for the API classes and deserializes what comes back.

    :param configuration: host, token and transport settings; the default configuration when None.
    :param header_name, header_value: one header sent with every request.
    :param cookie: a ``Cookie`` header sent with every request.
    """

    _default: ClassVar[Optional[ApiClient]] = None
    _default_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        configuration: Configuration | None = None,
        header_name: str | None = None,
        header_value: str | None = None,
        cookie: str | None = None,
    ) -> None:
        self.configuration = Configuration.get_default() if configuration is None else configuration
        self.rest_client = rest.RESTClientObject(self.configuration)
        self.default_headers: dict[str, str] = {"User-Agent": USER_AGENT}
        if header_name is not None and header_value is not None:
            self.default_headers[header_name] = header_value
        self.cookie = cookie
        self.client_side_validation = self.configuration.client_side_validation

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections; the client opens new ones if it is used again."""
        self.rest_client.close()

    @property
    def user_agent(self) -> str:
        """The User-Agent header: ``hostinger_api-python/<version>`` unless changed."""
        return self.default_headers["User-Agent"]

    @user_agent.setter
    def user_agent(self, value: str) -> None:
        self.default_headers["User-Agent"] = value

    def set_default_header(self, header_name: str, header_value: str) -> None:
        """Send this header with every request of this client."""
        self.default_headers[header_name] = header_value

    @classmethod
    def get_default(cls) -> ApiClient:
        """The client API classes use when given none, created on first use."""
        with cls._default_lock:
            if cls._default is None:
                cls._default = ApiClient()
            return cls._default

    @classmethod
    def set_default(cls, default: ApiClient | None) -> None:
        """Make ``default`` the client API classes use when given none."""
        with cls._default_lock:
            cls._default = default

    # -- requests ----------------------------------------------------------------------------

    def param_serialize(
        self,
        method: str,
        resource_path: str,
        path_params: Mapping[str, Any] | None = None,
        query_params: Sequence[tuple[str, Any]] | None = None,
        header_params: Mapping[str, Any] | None = None,
        body: Any = None,
        post_params: Sequence[tuple[str, Any]] | None = None,
        files: Mapping[str, Any] | None = None,
        auth_settings: Sequence[str] | None = None,
        collection_formats: Mapping[str, str] | None = None,
        _host: str | None = None,
        _request_auth: Mapping[str, Any] | None = None,
    ) -> tuple[str, str, dict[str, str], Any, list[tuple[str, Any]]]:
        """Build a request: returns ``(method, url, headers, body, post_params)``."""
        if files:
            raise ApiValueError("This API takes no file uploads")
        configuration = self.configuration
        if path_params:
            for name, value in path_params.items():
                if type(value) is int:  # every id of this API: nothing to quote
                    text = str(value)
                else:
                    safe = configuration.safe_chars_for_path_param
                    text = quote(str(self.sanitize_for_serialization(value)), safe=safe)
                resource_path = resource_path.replace("{" + name + "}", text)

        queries = list(query_params) if query_params else []
        headers = self._headers(
            header_params, queries, auth_settings, resource_path, method, body, _request_auth
        )
        form = self.parameters_to_tuples(post_params, collection_formats) if post_params else []
        if body is not None:
            body = self.sanitize_for_serialization(body)

        url = (_host or configuration.host).rstrip("/") + resource_path
        if queries:
            url += "?" + self.parameters_to_url_query(queries, collection_formats)
        return method, url, headers, body, form

    def _headers(
        self,
        header_params: Mapping[str, Any] | None,
        queries: list[tuple[str, Any]],
        auth_settings: Sequence[str] | None,
        resource_path: str,
        method: str,
        body: Any,
        request_auth: Mapping[str, Any] | None,
        accept_json: bool = False,
        own_auth: bool = False,
    ) -> dict[str, str]:
        """The headers of a request: the client's, ``Accept: application/json`` if asked,
        ``header_params``, and the credentials (which may go into ``queries`` instead, when an
        auth setting says so). ``own_auth``: the caller knows that no credential hook was
        replaced (``_send_operation`` looked)."""
        headers = self.default_headers.copy()
        if self.cookie:
            headers["Cookie"] = self.cookie
        if accept_json:
            headers["Accept"] = "application/json"
        if header_params:
            for name, value in header_params.items():
                if value is not None:
                    headers[name] = value if type(value) is str else str(value)
        if auth_settings:
            if request_auth is None and (own_auth or not auth_replaced(self)):
                # the bearer header, as the credential hooks give it, without their settings
                token = self.configuration.access_token
                if token is not None and "apiToken" in auth_settings:
                    headers["Authorization"] = "Bearer " + token
            else:
                self.update_params_for_auth(
                    headers, queries, auth_settings, resource_path, method, body, request_auth
                )
        return headers

    def _send_operation(
        self,
        operation: PlainOperation,
        ids: tuple[object, ...],
        queries: list[tuple[str, Any]],
        options: RequestOptions,
        preload: bool,
    ) -> rest.RESTResponse | None:
        """What ``param_serialize`` and then ``call_api`` do for an operation of the API classes
        (JSON accepted, no body, no form, the bearer token), by position: this runs on every call.

        None, with nothing sent, when a subclass or the instance replaced ``param_serialize``,
        ``call_api``, ``response_deserialize``, the transport's ``request``, a credential hook
        or how the configuration gives its host: the API classes then call the three steps,
        as generated code does.
        ``queries`` is the caller's own new list (an auth setting may add to it).
        """
        configuration = self.configuration
        rest_client = self.rest_client
        settings = type(configuration)
        cls = type(self)
        if (  # one comparison of the class attributes, and three lookups
            (
                cls.param_serialize,
                cls.call_api,
                cls.response_deserialize,
                cls.update_params_for_auth,
                settings.auth_settings,
                settings.host,
                settings.get_host_from_settings,
                type(rest_client).request,
            )
            != _OWN_STEPS
            or "request" in rest_client.__dict__
            or "auth_settings" in configuration.__dict__
            or not _STEP_NAMES.isdisjoint(self.__dict__)
        ):
            return None
        method = operation.method
        path = operation.fill(ids)
        if options == _NO_OPTIONS and type(options[4]) is int:  # no underscore parameter
            request_timeout = None
            # what ``_headers`` gives for it, without its frame: this is every plain call
            headers = self.default_headers.copy()
            if self.cookie:
                headers["Cookie"] = self.cookie
            headers["Accept"] = "application/json"
            token = configuration.access_token
            if token is not None:
                headers["Authorization"] = "Bearer " + token
        else:
            request_timeout, request_auth, content_type, extra, host_index = options
            check_host_index(host_index)
            if content_type is not None:
                extra = {"Content-Type": content_type, **(extra or {})}
            headers = self._headers(
                extra, queries, _API_TOKEN, path, method, None, request_auth, True, True
            )
        # ``configuration.host`` without its frame (its class was checked above)
        host = (
            configuration._base_path if configuration.server_index is None else configuration.host
        )
        url = host.rstrip("/") + path
        if queries:
            url += "?" + self.parameters_to_url_query(queries, None)
        return rest_client.request(
            method, url, headers, None, None, request_timeout, _preload_content=preload
        )

    def call_api(
        self,
        method: str,
        url: str,
        header_params: dict[str, str] | None = None,
        body: Any = None,
        post_params: list[tuple[str, Any]] | None = None,
        _request_timeout: RequestTimeout = None,
        *,
        _preload_content: bool = False,
    ) -> rest.RESTResponse:
        """Send a request built by ``param_serialize``, retrying as ``Configuration.retries`` says.

        The body of the response is not read yet, unless ``_preload_content`` asks for it to be
        read as part of each attempt (so that a connection dropped mid-body can be retried).
        A ``rest_client.request`` replaced by user code is called as 4.3.1 calls it.
        """
        rest_client = self.rest_client
        if not own_request(rest_client):
            return rest_client.request(
                method,
                url,
                headers=header_params,
                body=body,
                post_params=post_params,
                _request_timeout=_request_timeout,
            )
        return rest_client.request(  # positional: this runs on every call
            method,
            url,
            header_params,
            body,
            post_params,
            _request_timeout,
            _preload_content=_preload_content,
        )

    def update_params_for_auth(
        self,
        headers: dict[str, str],
        queries: list[tuple[str, Any]],
        auth_settings: Sequence[str] | None,
        resource_path: str,
        method: str,
        body: Any,
        request_auth: Mapping[str, Any] | None = None,
    ) -> None:
        """Add credentials: ``request_auth`` when given, else the configuration's."""
        if not auth_settings:
            return
        if request_auth:
            self._apply_auth(headers, queries, request_auth)
            return
        configured: Mapping[str, Any] = self.configuration.auth_settings()
        for name in auth_settings:
            setting = configured.get(name)
            if setting:
                self._apply_auth(headers, queries, setting)

    @staticmethod
    def _apply_auth(
        headers: dict[str, str], queries: list[tuple[str, Any]], setting: Mapping[str, Any]
    ) -> None:
        where = setting.get("in")
        if where == "header":
            headers[setting["key"]] = setting["value"]
        elif where == "cookie":
            headers["Cookie"] = setting["value"]
        elif where == "query":
            queries.append((setting["key"], setting["value"]))
        else:
            raise ApiValueError("An auth setting must go in the header, a cookie or the query")

    # -- responses ---------------------------------------------------------------------------

    def response_deserialize(
        self,
        response_data: rest.RESTResponse,
        response_types_map: Mapping[str, ResponseType] | None = None,
    ) -> ApiResponse[Any]:
        """Turn a read response into an ``ApiResponse``, or raise the exception its status means."""
        return ApiResponse.model_construct(
            status_code=response_data.status,
            data=self._data_of(response_data, response_types_map),
            headers=ResponseHeaders(response_data.headers),
            raw_data=response_data.data,
        )

    def _data_of(
        self,
        response_data: rest.RESTResponse,
        response_types_map: Mapping[str, ResponseType] | None = None,
    ) -> Any:
        """The deserialized body of a read response, or the exception its status means.

        What ``response_deserialize`` puts in ``data``; the plain form of an operation returns
        it as it is, without building an ``ApiResponse`` nobody will see.
        """
        raw = response_data.data
        if raw is None:
            raise ApiValueError("Call read() on the response before deserializing it")
        status = response_data.status
        types = response_types_map or {}
        if status == 200:  # the usual answer, a JSON model: the general path below says why
            model = types.get("200")
            if isinstance(model, MODEL_CLASS):
                headers = response_data.headers
                names = getattr(headers, "_container", None)  # see _content_type
                if (type(names) is dict and names.get("content-type") == _PLAIN_JSON) or (
                    is_json(_content_type(headers))
                ):
                    try:  # model_validate_json, without its frame: nothing else to pass it
                        return model.__pydantic_validator__.validate_json(raw)
                    except ValidationError as error:
                        raise self._decode_error(response_data, describe(error)) from None
        key = str(status)
        response_type = types.get(key)
        if response_type is None:
            response_type = types.get(key[0] + "XX")
        content_type = response_data.headers.get("content-type")

        if not 200 <= status <= 299:
            data = self._error_data(response_data, response_type or _error_model(status))
            text = raw.decode("utf-8", "replace")
            raise ApiException.from_response(http_resp=response_data, body=text, data=data)
        if response_type is None and key not in types:
            # Another 2xx than the documented 200 still carries the operation's result.
            response_type = types.get("200")

        if response_type == "bytearray":
            return_data: Any = raw
        elif response_type is None:
            return_data = None
        elif not is_json(content_type):
            raise self._decode_error(response_data, f"expected JSON, got {content_type}")
        elif is_model(response_type):
            try:
                return_data = response_type.model_validate_json(raw)
            except ValidationError as error:
                raise self._decode_error(response_data, describe(error)) from None
        else:
            try:
                text = raw.decode("utf-8")
                return_data = self.deserialize(text, response_type, content_type)
            except (ValueError, ValidationError) as error:
                raise self._decode_error(response_data, str(error)) from None
        return return_data

    def _error_data(self, response_data: rest.RESTResponse, model: ResponseType) -> Any:
        """The error body as its model, or None when it is not that model (an HTML page, say)."""
        if isinstance(model, str):
            try:
                model = self._resolve_type(model)
            except ApiValueError:
                return None
        if not is_model(model):
            return None
        try:
            return model.model_validate_json(response_data.data or b"")
        except ValidationError:
            return None

    @staticmethod
    def _decode_error(response_data: rest.RESTResponse, why: str) -> ResponseDecodeError:
        raw = response_data.data or b""
        return ResponseDecodeError(
            http_resp=response_data,
            reason=f"The response body could not be read: {why}",
            body=raw.decode("utf-8", "replace"),
        )


_UPDATE_PARAMS_FOR_AUTH = ApiClient.update_params_for_auth
_AUTH_SETTINGS = Configuration.auth_settings
_PARAM_SERIALIZE = ApiClient.param_serialize
_CALL_API = ApiClient.call_api
_RESPONSE_DESERIALIZE = ApiClient.response_deserialize
_REST_REQUEST = rest.RESTClientObject.request
_API_TOKEN = ("apiToken",)
"""The one auth setting of every operation of this API (the bearer token)."""
_NO_OPTIONS = (None, None, None, None, 0)
"""``RequestOptions`` of a call that gives none of the underscore parameters."""


def check_host_index(value: object) -> None:
    """Refuse a ``_host_index`` other than 0: this API has one server."""
    if not isinstance(value, int) or isinstance(value, bool) or value != 0:
        raise ApiValueError(f"_host_index must be 0: this API has one server, not {value!r}")


_STEP_NAMES = frozenset(
    ("param_serialize", "call_api", "response_deserialize", "update_params_for_auth")
)
_OWN_STEPS = (
    _PARAM_SERIALIZE,
    _CALL_API,
    _RESPONSE_DESERIALIZE,
    _UPDATE_PARAMS_FOR_AUTH,
    _AUTH_SETTINGS,
    Configuration.host,
    Configuration.get_host_from_settings,
    _REST_REQUEST,
)


def auth_replaced(client: ApiClient) -> bool:
    """Whether a subclass or the instance replaced ``update_params_for_auth`` or the
    configuration's ``auth_settings``."""
    configuration = client.configuration
    return (
        type(client).update_params_for_auth is not _UPDATE_PARAMS_FOR_AUTH
        or type(configuration).auth_settings is not _AUTH_SETTINGS
        or "update_params_for_auth" in client.__dict__
        or "auth_settings" in configuration.__dict__
    )


def own_request(rest_client: rest.RESTClientObject) -> bool:
    """Whether ``rest_client.request`` is this package's (which takes ``_preload_content``)."""
    return type(rest_client).request is _REST_REQUEST and "request" not in rest_client.__dict__


def own_call_api(client: ApiClient) -> bool:
    """Whether ``client.call_api`` is this package's (which takes ``_preload_content``)."""
    return type(client).call_api is _CALL_API and "call_api" not in client.__dict__


def _new_default_lock() -> None:
    """In a child of ``os.fork()``: a thread the child does not have may hold the old lock.

    The client's own connections and rate gate are renewed by its transport
    (``hostinger_api._connections.renew_after_fork``).
    """
    ApiClient._default_lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_new_default_lock)
