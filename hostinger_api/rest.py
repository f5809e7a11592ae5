"""The transport: one urllib3 pool manager per client, and nothing else that touches the network.

Every failure below HTTP (refused connection, DNS, TLS, timeout, a connection dropped mid-body)
leaves this module as ``ApiConnectionError`` or ``ApiTimeoutError``, never as a urllib3 or
socket exception. ``ApiException`` is importable from here because the generated package's
documentation imports it from here.
"""

from __future__ import annotations

import io
import json
import logging
import ssl
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import urllib3
from urllib3.exceptions import (
    HTTPError,
    LocationValueError,
    MaxRetryError,
    NewConnectionError,
    ProxyError,
    SSLError,
)
from urllib3.exceptions import TimeoutError as Urllib3TimeoutError

from hostinger_api._checks import positive_seconds
from hostinger_api.configuration import Configuration, RequestTimeout
from hostinger_api.exceptions import (
    ApiConnectionError,
    ApiException,
    ApiTimeoutError,
    ApiValueError,
)

__all__ = [
    "ApiException",
    "ApiValueError",
    "RESTClientObject",
    "RESTResponse",
    "RESTResponseType",
    "is_socks_proxy_url",
]

RESTResponseType = urllib3.HTTPResponse
"""What the ``*_without_preload_content`` forms return."""

SUPPORTED_SOCKS_PROXIES = frozenset({"socks5", "socks5h", "socks4", "socks4a"})


def is_socks_proxy_url(url: str | None) -> bool:
    """True when ``url`` names a SOCKS proxy, which needs PySocks."""
    return url is not None and url.split("://", 1)[0].lower() in SUPPORTED_SOCKS_PROXIES


_logger = logging.getLogger("hostinger_api")

DEFAULT_RETRIES = urllib3.Retry(
    total=2,
    connect=2,  # the request was never sent, so sending it again is safe for any method
    read=0,
    status=0,
    other=0,
    redirect=0,
    raise_on_redirect=False,
    respect_retry_after_header=False,
)
"""Only connections that could not be made are retried by default: nothing that may have run."""


def build_timeout(request_timeout: RequestTimeout, configuration: Configuration) -> urllib3.Timeout:
    """Turn ``_request_timeout`` (None, seconds, or a (connect, read) pair) into a Timeout."""
    if request_timeout is None:
        return urllib3.Timeout(
            connect=configuration.connect_timeout, read=configuration.read_timeout
        )
    if isinstance(request_timeout, tuple):
        if len(request_timeout) != 2:
            raise ApiValueError("_request_timeout must be seconds or a (connect, read) pair")
        connect, read = request_timeout
        return urllib3.Timeout(
            connect=positive_seconds("_request_timeout's connect timeout", connect),
            read=positive_seconds("_request_timeout's read timeout", read),
        )
    return urllib3.Timeout(total=positive_seconds("_request_timeout", request_timeout))


def _transport_error(error: Exception, method: str, url: str) -> ApiConnectionError:
    """Say what went wrong below HTTP, as our own exception."""
    cause = error.reason if isinstance(error, MaxRetryError) and error.reason else error
    where = f"{method} {url.split('?', 1)[0]}"
    if isinstance(cause, (SSLError, ssl.SSLError)):
        return ApiConnectionError(f"TLS failed for {where}: {cause}")
    if isinstance(cause, ProxyError):
        return ApiConnectionError(f"The proxy failed for {where}: {cause}")
    if isinstance(cause, NewConnectionError):  # a subclass of the timeout error, so first
        return ApiConnectionError(f"Could not connect for {where}: {cause}")
    if isinstance(cause, (Urllib3TimeoutError, TimeoutError)):
        return ApiTimeoutError(f"Timed out for {where}: {cause}")
    return ApiConnectionError(f"The connection failed for {where}: {cause}")


class RESTResponse(io.IOBase):
    """A response whose body has not been read yet; ``read()`` reads it once."""

    def __init__(self, response: urllib3.BaseHTTPResponse, method: str, url: str) -> None:
        super().__init__()
        self.response = response
        self.status = response.status
        self.reason = response.reason
        self.headers = response.headers
        self.data: bytes | None = None
        self._method = method
        self._url = url

    def read(self) -> bytes:
        """Read the whole body, turning a connection that breaks mid-body into our exception."""
        if self.data is None:
            try:
                self.data = self.response.data
            except (HTTPError, OSError) as error:
                raise _transport_error(error, self._method, self._url) from None
        return self.data

    def getheaders(self) -> Mapping[str, str]:
        """All response headers; names are case-insensitive."""
        return self.response.headers

    def getheader(self, name: str, default: str | None = None) -> str | None:
        """One response header, or ``default``."""
        return self.response.headers.get(name, default)


class RESTClientObject:
    """Sends requests through one urllib3 pool manager, which is safe to share between threads."""

    def __init__(self, configuration: Configuration) -> None:
        self.configuration = configuration
        pool_args: dict[str, Any] = {
            "num_pools": 4,
            "maxsize": configuration.connection_pool_maxsize,
            "cert_reqs": ssl.CERT_REQUIRED if configuration.verify_ssl else ssl.CERT_NONE,
            "ca_certs": configuration.ssl_ca_cert,
            "ca_cert_data": configuration.ca_cert_data,
            "cert_file": configuration.cert_file,
            "key_file": configuration.key_file,
            "retries": DEFAULT_RETRIES if configuration.retries is None else configuration.retries,
        }
        if configuration.assert_hostname is not None:
            pool_args["assert_hostname"] = configuration.assert_hostname
        if configuration.tls_server_name:
            pool_args["server_hostname"] = configuration.tls_server_name
        if configuration.socket_options is not None:
            pool_args["socket_options"] = configuration.socket_options
        self.pool_manager: urllib3.PoolManager
        proxy = configuration.proxy
        if proxy is not None and is_socks_proxy_url(proxy):
            try:
                from urllib3.contrib.socks import SOCKSProxyManager
            except ImportError:
                raise ApiValueError(
                    f"The proxy {proxy} is a SOCKS proxy, which needs PySocks: pip install pysocks"
                ) from None
            self.pool_manager = SOCKSProxyManager(proxy_url=proxy, **pool_args)
        elif proxy:
            self.pool_manager = urllib3.ProxyManager(
                proxy_url=proxy,
                proxy_headers=configuration.proxy_headers,
                **pool_args,
            )
        else:
            self.pool_manager = urllib3.PoolManager(**pool_args)

    def request(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | None = None,
        body: Any = None,
        post_params: Any = None,
        _request_timeout: RequestTimeout = None,
    ) -> RESTResponse:
        """Send one request and return the response with its body still unread."""
        method = method.upper()
        timeout = build_timeout(_request_timeout, self.configuration)
        debug = _logger.isEnabledFor(logging.DEBUG)
        started = time.perf_counter() if debug else 0.0
        if post_params:
            headers = dict(headers or {})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(post_params)
        try:
            response = self.pool_manager.request(
                method,
                url,
                body=_encode_body(body),
                headers=headers,
                timeout=timeout,
                preload_content=False,
            )
        except LocationValueError as error:
            raise ApiValueError(f"The URL {url!r} cannot be requested: {error}") from None
        except (HTTPError, OSError) as error:
            raise _transport_error(error, method, url) from None
        if debug:
            elapsed_ms = (time.perf_counter() - started) * 1000
            _logger.debug("%s %s -> %s (%.1f ms)", method, url, response.status, elapsed_ms)
        return RESTResponse(response, method, url)


def _encode_body(body: Any) -> bytes | None:
    if body is None or isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    try:
        return json.dumps(body).encode("utf-8")
    except (TypeError, ValueError) as error:
        raise ApiValueError(f"The request body cannot be sent as JSON: {error}") from None
