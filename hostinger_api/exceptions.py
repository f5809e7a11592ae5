"""Every failure a caller of this package can see.

The tree::

    OpenApiException
    ├── ApiTypeError (also TypeError)           an argument of the wrong type, not sent
    ├── ApiValueError (also ValueError)         an argument with a bad value, not sent
    ├── ApiAttributeError (also AttributeError)
    ├── ApiKeyError (also KeyError)
    ├── ApiException                            the request was sent; carries status, reason,
    │   │                                       body, data, headers and correlation_id
    │   ├── BadRequestException                 400
    │   ├── UnauthorizedException               401
    │   ├── ForbiddenException                  403
    │   ├── NotFoundException                   404
    │   ├── ConflictException                   409
    │   ├── UnprocessableEntityException        422
    │   ├── TooManyRequestsException            429, still refused after the retries the
    │   │                                       policy allows, or held back by the client;
    │   │                                       carries retry_after
    │   ├── ProxyAuthenticationError            407: the proxy refused the credentials
    │   │                                       (or asked for some); never retried
    │   ├── ServiceException                    5xx
    │   ├── ResponseDecodeError                 a 2xx whose body is not the documented JSON;
    │   │                                       carries raw_body, the bytes as they came
    │   ├── ApiConnectionError                  no HTTP response at all (status 0)
    │   │   └── ApiTimeoutError                 ... because a connect or read timed out
    │   └── RequestNotSent                      not sent at all (status 0): the job was
    │                                           stopped (``retry.stop_on``) before it left
    ├── ActionFailedError                       a waited-for action ended in state "error"
    └── ActionTimeoutError                      a waited-for action did not finish in time

Nothing here ever includes the bearer token: requests are not kept, only responses.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional, Union

from hostinger_api._headers import retry_after_seconds

if TYPE_CHECKING:
    from hostinger_api.models.vpsv1_action_action_resource import VPSV1ActionActionResource

_PathToItem = Optional[Sequence[Union[str, int]]]
_MAX_BODY_IN_MESSAGE = 500


def body_field(body: str | bytes | None, name: str) -> str | None:
    """A top-level field of a JSON object body, as text; None when there is none.

    Whatever the body is (not JSON, not an object, nested deeper than Python can parse), this
    returns rather than raises: it is used while reporting another failure.
    """
    if not body:
        return None
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return None
    value = parsed.get(name) if isinstance(parsed, dict) else None
    return None if value is None else str(value)


def render_path(path_to_item: Sequence[str | int]) -> str:
    """Render a path such as ``['data', 0, 'id']`` as ``['data'][0]['id']``."""
    return "".join(f"[{item}]" if isinstance(item, int) else f"['{item}']" for item in path_to_item)


def _with_path(msg: str, path_to_item: _PathToItem) -> str:
    return f"{msg} at {render_path(path_to_item)}" if path_to_item else msg


class OpenApiException(Exception):
    """The base of every exception this package raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from args and attributes rather than by calling __init__ again, so that every
        # exception (status, body, data, headers, action...) crosses a process pool intact.
        return _rebuild, (type(self), self.args, self.__dict__)


def _rebuild(
    cls: type[OpenApiException], args: tuple[Any, ...], state: dict[str, Any]
) -> OpenApiException:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class ApiTypeError(OpenApiException, TypeError):
    """An argument has the wrong type; nothing was sent."""

    def __init__(
        self,
        msg: str,
        path_to_item: _PathToItem = None,
        valid_classes: tuple[type, ...] | None = None,
        key_type: bool | None = None,
    ) -> None:
        self.path_to_item = path_to_item
        self.valid_classes = valid_classes
        self.key_type = key_type
        super().__init__(_with_path(msg, path_to_item))


class ApiValueError(OpenApiException, ValueError):
    """An argument has a value the API cannot take; nothing was sent."""

    def __init__(self, msg: str, path_to_item: _PathToItem = None) -> None:
        self.path_to_item = path_to_item
        super().__init__(_with_path(msg, path_to_item))


class ApiAttributeError(OpenApiException, AttributeError):
    """An attribute that does not exist was asked for."""

    def __init__(self, msg: str, path_to_item: _PathToItem = None) -> None:
        self.path_to_item = path_to_item
        super().__init__(_with_path(msg, path_to_item))


class ApiKeyError(OpenApiException, KeyError):
    """A key that does not exist was asked for."""

    def __init__(self, msg: str, path_to_item: _PathToItem = None) -> None:
        self.path_to_item = path_to_item
        super().__init__(_with_path(msg, path_to_item))


class ApiException(OpenApiException):
    """The request was sent and failed: an error status, an unreadable body, or no response.

    ``status`` is the HTTP status (0 when no response arrived), ``body`` the raw body as text,
    ``data`` the error body parsed into its model (None when it could not be), ``headers`` the
    response headers, ``correlation_id`` the id Hostinger gives each failure, when it gave one.
    """

    def __init__(
        self,
        status: int | None = None,
        reason: str | None = None,
        http_resp: Any = None,
        *,
        body: str | None = None,
        data: Any = None,
    ) -> None:
        self.status = status
        self.reason = reason
        self.body = body
        self.data = data
        self.headers: Mapping[str, str] | None = None
        if http_resp is not None:
            if self.status is None:
                self.status = http_resp.status
            if self.reason is None:
                self.reason = http_resp.reason
            if self.body is None:
                raw = http_resp.data
                self.body = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
            self.headers = http_resp.headers
        self._keep(http_resp)
        super().__init__(status, reason)

    def _keep(self, http_resp: Any) -> None:
        """Keep what a subclass needs from the response (None when built without one)."""

    @classmethod
    def from_response(cls, *, http_resp: Any, body: str | None, data: Any) -> ApiException:
        """Build the exception class that matches the response's status."""
        status = http_resp.status
        exception_class = _CLASS_BY_STATUS.get(status)
        if exception_class is None:
            exception_class = ServiceException if 500 <= status <= 599 else ApiException
        reason = None
        location = http_resp.headers.get("Location") if 300 <= status <= 399 else None
        if location:  # the transport follows only same-origin redirects it may repeat
            reason = f"{http_resp.reason}: a redirect to {location}, not followed"
        return exception_class(reason=reason, http_resp=http_resp, body=body, data=data)

    @property
    def message(self) -> str | None:
        """The server's own words about the failure, when its body had a ``message``."""
        return self._body_field("message")

    @property
    def correlation_id(self) -> str | None:
        """The id Hostinger's support asks for, when the body had one."""
        return self._body_field("correlation_id")

    def _body_field(self, name: str) -> str | None:
        value = getattr(self.data, name, None)
        if value is None:
            return body_field(self.body, name)
        return str(value)

    def __str__(self) -> str:
        lines = [f"({self.status})", f"Reason: {self.reason}"]
        message, correlation_id = self.message, self.correlation_id
        if message is not None:
            lines.append(f"Message: {message}")
        elif self.body:
            body = self.body
            if len(body) > _MAX_BODY_IN_MESSAGE:
                body = body[:_MAX_BODY_IN_MESSAGE] + f"... ({len(self.body)} characters)"
            lines.append(f"HTTP response body: {body}")
        if correlation_id is not None:
            lines.append(f"Correlation id: {correlation_id}")
        return "\n".join(lines) + "\n"


class BadRequestException(ApiException):
    """400: the request was malformed."""


class UnauthorizedException(ApiException):
    """401: the token is missing, wrong or revoked."""


class ForbiddenException(ApiException):
    """403: the token may not do this."""


class NotFoundException(ApiException):
    """404: no such virtual machine, action or snapshot."""


class ConflictException(ApiException):
    """409: the request conflicts with the resource's state."""


class UnprocessableEntityException(ApiException):
    """422: the request was understood and refused; ``data.errors`` says why, per field."""


class TooManyRequestsException(ApiException):
    """429: rate limited, and the retry policy would not (or could no longer) wait it out.

    ``retry_after`` is how many seconds the server asked the caller to wait, from its
    ``Retry-After`` header (seconds, or an HTTP date measured against the answer's ``Date``),
    or None when it gave none.
    ``edge_block`` is True when the answer was not the API's JSON but the edge's plain-text
    page (Cloudflare's ``error code: 1015``): a block of every request from this address.
    """

    def _keep(self, http_resp: Any) -> None:
        headers = self.headers or {}
        self.retry_after = retry_after_seconds(headers)
        content_type = (headers.get("Content-Type") or "").lower()
        self.edge_block = bool(self.body) and "json" not in content_type
        if self.edge_block:
            self.reason = (
                f"{self.reason}: the body is not JSON but the edge's {content_type or 'untyped'}"
                f" page ({(self.body or '').strip()[:40]!r}), an edge block of every request"
                " from this address"
            )

    def __str__(self) -> str:
        text = super().__str__()
        if self.retry_after is not None:
            text += f"Retry after: {self.retry_after:g} seconds\n"
        return text


class ProxyAuthenticationError(ApiException):
    """407: the proxy between here and the API refused the credentials, or got none.

    Raised both when the proxy refuses to open a tunnel (``CONNECT``, for https://) and when
    it answers a forwarded http:// request with 407. Nothing reached the API, and trying again
    with the same credentials cannot help, so it is never retried. ``status`` is 407.
    """

    def _keep(self, http_resp: Any) -> None:
        if http_resp is not None:  # a forwarded request: the proxy's own answer
            self.reason = f"{self.reason}: {PROXY_CREDENTIALS_HINT}"


PROXY_CREDENTIALS_HINT = (
    "the proxy refused the credentials (give them as http://user:password@host:port in "
    "Configuration.proxy, or as a Proxy-Authorization header in Configuration.proxy_headers)"
)


class ServiceException(ApiException):
    """5xx: the service failed."""


class ResponseDecodeError(ApiException):
    """A 2xx response whose body is not the JSON the operation documents.

    The status, headers, body as text and ``raw_body`` as bytes are kept, so nothing the
    server said is lost.
    """

    def _keep(self, http_resp: Any) -> None:
        raw = getattr(http_resp, "data", None)
        self.raw_body: bytes | None = raw if isinstance(raw, bytes) else None


class ApiConnectionError(ApiException):
    """No HTTP response arrived: the connection failed, broke, or TLS was refused."""

    def __init__(self, reason: str) -> None:
        super().__init__(status=0, reason=reason)


class ApiTimeoutError(ApiConnectionError):
    """Connecting or waiting for the response took longer than the timeout allowed."""


class RequestNotSent(ApiException):
    """The request never left the client: the job it belongs to was stopped (``retry.stop_on``)
    while it waited in the rate gate or between attempts. Nothing reached the server."""


class _ActionError(OpenApiException):
    """A waited-for action did not succeed; ``action`` is the last state seen of it.

    ``action`` is None only when the wait ran out of time before any poll answered.
    """

    def __init__(self, message: str, action: Optional[VPSV1ActionActionResource]) -> None:
        self.action = action
        super().__init__(message)


class ActionFailedError(_ActionError):
    """The action ended in state ``error``."""


class ActionTimeoutError(_ActionError):
    """The action had not finished when the wait ran out of time."""


_CLASS_BY_STATUS: dict[int, type[ApiException]] = {
    400: BadRequestException,
    401: UnauthorizedException,
    403: ForbiddenException,
    404: NotFoundException,
    407: ProxyAuthenticationError,
    409: ConflictException,
    422: UnprocessableEntityException,
    429: TooManyRequestsException,
}
