"""The transport: one urllib3 pool manager per client, and nothing else that touches the network.

Every failure below HTTP (refused connection, DNS, TLS, timeout, a connection dropped mid-body)
leaves this module as ``ApiConnectionError`` or ``ApiTimeoutError``, never as a urllib3 or
socket exception. Failed attempts are retried here, as ``hostinger_api.retry`` allows; redirects
are followed only to the same origin, so the token never reaches another host; and the token is
not sent in clear text over ``http://`` to anything but loopback unless the caller allows it.
``ApiException`` is importable from here because the generated package's documentation imports
it from here.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import json
import logging
import math
import os
import re
import socket
import ssl
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlencode, urljoin

import urllib3
import urllib3.connection
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    HTTPError,
    LocationValueError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.exceptions import TimeoutError as Urllib3TimeoutError
from urllib3.util import parse_url

from hostinger_api._checks import positive_seconds
from hostinger_api._headers import parse_retry_after
from hostinger_api.configuration import Configuration, RequestTimeout
from hostinger_api.exceptions import (
    PROXY_CREDENTIALS_HINT,
    ApiConnectionError,
    ApiException,
    ApiTimeoutError,
    ApiValueError,
    ProxyAuthenticationError,
    ResponseDecodeError,
    body_field,
)
from hostinger_api.ratelimit import GateTimeout, RateGate, Ticket, gate_timeout_error
from hostinger_api.retry import (
    CONNECT,
    READ,
    RETRIED_STATUSES,
    RetryPolicy,
    current_deadline,
)

if TYPE_CHECKING:
    from urllib3._base_connection import BaseHTTPConnection

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


def _transport_error(
    error: Exception, method: str, url: str, attempts: int = 1
) -> ApiConnectionError | ProxyAuthenticationError:
    """Say what went wrong below HTTP, as our own exception."""
    cause = _cause(error)
    where = f"{method} {url.split('?', 1)[0]}"
    if attempts > 1:
        where += f" ({attempts} attempts)"
    if isinstance(cause, ProxyError):
        return _proxy_error(cause, where)
    if isinstance(cause, (SSLError, ssl.SSLError)):
        return ApiConnectionError(f"TLS failed for {where}: {_tls_said(cause)}")
    if isinstance(cause, NewConnectionError):  # a subclass of the timeout error, so first
        socks = getattr(cause.conn, "_socks_options", None)  # urllib3.contrib.socks's
        if socks:
            return ApiConnectionError(
                f"The proxy failed for {where}: could not connect through the SOCKS proxy "
                f"{socks['proxy_host']}:{socks['proxy_port']}: {_said(cause)}"
            )
        return ApiConnectionError(f"Could not connect for {where}: {_said(cause)}")
    if isinstance(cause, (Urllib3TimeoutError, TimeoutError)):
        return ApiTimeoutError(f"Timed out for {where}: {_said(cause)}")
    return ApiConnectionError(f"The connection failed for {where}: {_said(cause)}")


def _proxy_error(error: ProxyError, where: str) -> ApiConnectionError | ProxyAuthenticationError:
    """A failure to reach the proxy or to pass it, naming the proxy (never its credentials)."""
    proxy = getattr(error, "proxy", "of Configuration.proxy")  # a _ProxyFailure's, always
    inner = error.original_error
    refused = _tunnel_refusal(error)
    if refused == 407:
        return ProxyAuthenticationError(
            status=407,
            reason=f"The proxy {proxy} answered 407 to the tunnel for {where}: "
            + PROXY_CREDENTIALS_HINT,
        )
    failed = f"The proxy failed for {where}: "
    if refused is not None:
        return ApiConnectionError(
            f"{failed}the proxy {proxy} refused to open a tunnel to the API: {_said(inner)}"
        )
    if isinstance(inner, NewConnectionError):  # a subclass of the timeout error, so first
        return ApiConnectionError(f"{failed}could not connect to the proxy {proxy}: {_said(inner)}")
    if isinstance(inner, (Urllib3TimeoutError, TimeoutError, socket.timeout)):  # 3.9: not one
        return ApiTimeoutError(f"{failed}timed out connecting to the proxy {proxy}: {_said(inner)}")
    if isinstance(inner, (SSLError, ssl.SSLError)):
        return ApiConnectionError(f"{failed}TLS with the proxy {proxy} failed: {_tls_said(inner)}")
    return ApiConnectionError(f"{failed}the proxy {proxy} broke the connection: {_said(inner)}")


def _said(error: BaseException) -> str:
    """An error's text without the ``<urllib3...object at 0x...>:`` that urllib3 puts first."""
    return _OBJECT_PREFIX.sub("", str(error)) or type(error).__name__


def _tls_said(error: BaseException) -> str:
    """A TLS error's text, with what to do about it when that is clear."""
    text = _said(error)
    if "CERTIFICATE_VERIFY_FAILED" not in text and "doesn't match" not in text:
        if "PEM lib" in text:
            return f"the client certificate or its key could not be loaded ({text})"
        return text
    said = "the server's certificate could not be verified: "
    if "mismatch" in text or "doesn't match" in text:
        said += (
            "it is not valid for the name used (if the server is reached under another name, "
            "set Configuration.tls_server_name): "
        )
    elif "local issuer" in text or "self-signed" in text or "self signed" in text:
        said += (
            "it is signed by a CA this machine does not trust (if your company or a proxy "
            "signs certificates, set Configuration.ssl_ca_cert to its CA bundle): "
        )
    return said + text


def _check_tls_settings(configuration: Configuration, pool_manager: urllib3.PoolManager) -> None:
    """Refuse certificate files that are not there, and say once that verification is off.

    A missing file would otherwise surface at each request as a dropped connection, retried.
    With ``verify_ssl`` off, this client logs one warning when it is created, and urllib3's
    ``InsecureRequestWarning`` is not repeated for its requests.
    """
    for name in ("ssl_ca_cert", "cert_file", "key_file"):
        path = getattr(configuration, name)
        if path is not None and not os.path.isfile(path):
            raise ApiValueError(f"Configuration.{name} names {path!r}, which is not a file")
    if configuration.verify_ssl:
        return
    _logger.warning(
        "TLS certificates are not verified (Configuration.verify_ssl = False): anything "
        "between here and %s can read and change the calls, the token included. Give the "
        "server's CA in Configuration.ssl_ca_cert instead",
        configuration.host,
    )
    classes = pool_manager.pool_classes_by_scheme
    https = classes["https"]
    quiet = type(f"Quiet{https.__name__}", (_WarnedOnce, https), {})
    pool_manager.pool_classes_by_scheme = {**classes, "https": quiet}


class _WarnedOnce(urllib3.HTTPSConnectionPool):
    """An HTTPS pool that connects as urllib3's does, without warning at every request."""

    def _validate_conn(self, conn: BaseHTTPConnection) -> None:
        if conn.is_closed:
            conn.connect()


_OBJECT_PREFIX = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>: ")
_TUNNEL_REFUSED = re.compile(r"Tunnel connection failed: (4\d\d)\b")


def _tunnel_refusal(error: ProxyError) -> int | None:
    """The 4xx status with which a proxy refused to open a tunnel, if it did."""
    found = _TUNNEL_REFUSED.search(str(error.original_error))
    return int(found.group(1)) if found else None


class _ProxyFailure(ProxyError):
    """urllib3's ``ProxyError``, with the proxy's URL (its credentials are never in it)."""

    def __init__(self, proxy: str, error: ProxyError) -> None:
        super().__init__(str(error.args[0]) if error.args else "proxy error", error.original_error)
        self.proxy = proxy


class _TunnelConnection(urllib3.connection.HTTPSConnection):
    """An HTTPS connection through a proxy's tunnel, whose failures to open it blame the proxy.

    urllib3 counts a proxy as passed once its TCP connection is up, so a proxy that then says
    nothing, or hangs up, in answer to ``CONNECT`` would look like the API failing to answer.
    Nothing was sent to the API yet, so these are ``ProxyError``s, retried as failed connects.
    """

    def _tunnel(self) -> None:
        try:
            super()._tunnel()
        except (OSError, http.client.HTTPException) as error:  # socket timeouts among them
            raise ProxyError("Could not open a tunnel through the proxy", error) from error


class _TunnelPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _TunnelConnection


class _ProxyManager(urllib3.ProxyManager):
    """A ``ProxyManager`` whose failures to reach or pass the proxy say which proxy it was."""

    def __init__(self, proxy_url: str, **kw: Any) -> None:
        super().__init__(proxy_url, **kw)
        self.pool_classes_by_scheme = {**self.pool_classes_by_scheme, "https": _TunnelPool}

    def urlopen(  # type: ignore[override]  # as urllib3's own, narrower than RequestMethods'
        self, method: str, url: str, redirect: bool = True, **kw: Any
    ) -> urllib3.BaseHTTPResponse:
        try:
            return super().urlopen(method, url, redirect=redirect, **kw)
        except ProxyError as error:
            raise _ProxyFailure(self.proxy.url if self.proxy else "?", error) from error


def _proxy_credentials(proxy: str, headers: Mapping[str, str] | None) -> tuple[str, dict[str, str]]:
    """The proxy's URL without ``user:password@``, and the headers that carry them instead.

    urllib3 sends no credentials from a proxy URL by itself. A ``Proxy-Authorization`` header
    given in ``proxy_headers`` wins over them. Taking them out of the URL keeps them out of
    every message urllib3 writes.
    """
    parsed = parse_url(proxy)
    sent = dict(headers or {})
    if parsed.auth is None:
        return proxy, sent
    if not any(name.lower() == "proxy-authorization" for name in sent):
        user, _, password = parsed.auth.partition(":")
        sent.update(urllib3.make_headers(proxy_basic_auth=f"{unquote(user)}:{unquote(password)}"))
    return parsed._replace(auth=None).url, sent


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
    """Sends requests through one urllib3 pool manager, which is safe to share between threads.

    Retries are this class's, by ``Configuration.retries`` (see ``hostinger_api.retry``):
    urllib3 is told never to retry or follow a redirect on its own.
    """

    def __init__(self, configuration: Configuration) -> None:
        self.configuration = configuration
        self.retry_policy = RetryPolicy.from_setting(configuration.retries)
        self.rate_gate = RateGate(
            configuration.max_requests_per_second, learn=configuration.shared_rate_limit
        )
        """What this client's threads learned of the rate limit (``hostinger_api.ratelimit``)."""
        self._secure_origins: set[str] = set()
        self._pools: dict[str, urllib3.HTTPConnectionPool] = {}
        self._default_timeout: tuple[object, object, urllib3.Timeout, float] = (
            _NOT_BUILT,
            _NOT_BUILT,
            urllib3.Timeout(),
            math.inf,
        )
        pool_args: dict[str, Any] = {
            "num_pools": 4,
            "maxsize": configuration.connection_pool_maxsize,
            "cert_reqs": ssl.CERT_REQUIRED if configuration.verify_ssl else ssl.CERT_NONE,
            "ca_certs": configuration.ssl_ca_cert,
            "ca_cert_data": configuration.ca_cert_data,
            "cert_file": configuration.cert_file,
            "key_file": configuration.key_file,
            "retries": False,
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
                    f"The proxy {_hide_credentials(proxy, proxy)} is a SOCKS proxy, "
                    "which needs PySocks: pip install pysocks"
                ) from None
            self.pool_manager = SOCKSProxyManager(proxy_url=proxy, **pool_args)
        elif proxy:
            try:
                proxy_url, proxy_headers = _proxy_credentials(proxy, configuration.proxy_headers)
                self.pool_manager = _ProxyManager(
                    proxy_url=proxy_url, proxy_headers=proxy_headers, **pool_args
                )
            except (HTTPError, ValueError) as error:
                message = f"The proxy {proxy!r} cannot be used: {error}"
                raise ApiValueError(_hide_credentials(message, proxy)) from None
        else:
            self.pool_manager = urllib3.PoolManager(**pool_args)
        _check_tls_settings(configuration, self.pool_manager)
        # A proxy for http:// rewrites each request, so only its manager may send them.
        self._direct = not isinstance(self.pool_manager, urllib3.ProxyManager)

    def close(self) -> None:
        """Close every pooled connection; the next request opens new ones."""
        self._pools.clear()
        self.pool_manager.clear()

    def request(
        self,
        method: str,
        url: str,
        headers: dict[str, str] | None = None,
        body: Any = None,
        post_params: Any = None,
        _request_timeout: RequestTimeout = None,
        *,
        _preload_content: bool = False,
    ) -> RESTResponse:
        """Send one request, retrying as the policy allows, and return the final response.

        With ``_preload_content`` the body is read as part of each attempt, so that a
        connection dropped mid-body can be retried too; otherwise it is left unread.
        """
        method = method.upper()
        origin = _origin(url)
        if origin not in self._secure_origins:
            self._refuse_insecure(url, origin)
        if _request_timeout is None:
            timeout, longest = self._configured_timeout()
        else:
            timeout = build_timeout(_request_timeout, self.configuration)
            longest = _longest(timeout)
        if post_params:
            headers = dict(headers or {})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(post_params)
        payload = None if body is None else _encode_body(body)
        debug = _logger.isEnabledFor(logging.DEBUG)
        if debug:
            _logger.debug("%s %s headers=%s", method, url, redacted(headers or {}))
        started = time.perf_counter() if debug else 0.0
        policy = self.retry_policy
        gate = self.rate_gate
        ends, budget = _call_ends(policy)
        retries = redirects = timeouts = 0
        waited = honoured = 0.0
        while True:
            ticket: Ticket | None = None
            if gate.engaged:
                ticket, held = self._admit(
                    gate, ends, policy.max_wait - waited, honoured, method, url
                )
                waited += held
            try:
                attempt_timeout = (
                    timeout
                    if ends is None or ends - time.monotonic() >= longest
                    else _within(timeout, ends, method, url, budget)
                )
                response = self._send_once(
                    method, url, origin, payload, headers, attempt_timeout, _preload_content
                )
            except (HTTPError, OSError) as error:
                gate.settle(ticket, None, None)
                failure = _failure_kind(error)
                timed_out = isinstance(_cause(error), (ReadTimeoutError, TimeoutError))
                wait = None
                if (
                    failure is not None
                    and policy.allows(method, failure=failure)
                    and not (timed_out and timeouts >= policy.timeout_retries)
                ):
                    wait = _before(ends, policy.next_wait(retries, waited, None))
                timeouts += timed_out
                if wait is None:
                    failed = _transport_error(error, method, url, retries + 1)
                    if debug:
                        _logger.debug("%s in %.1f ms", failed.reason, _ms_since(started))
                    raise failed from None
                what = "a timeout" if isinstance(_cause(error), Urllib3TimeoutError) else failure
            except BaseException:  # out of time, an undecodable body, Ctrl-C: nothing to learn
                gate.settle(ticket, None, None)
                raise
            else:
                status = response.status
                paused = gate.settle(ticket, status, response.headers)
                wait = None
                if status in RETRIED_STATUSES and policy.allows(method, status=status):
                    asked = response.headers.get("Retry-After") if status in (429, 503) else None
                    wait = _before(
                        ends, policy.next_wait(retries, waited, parse_retry_after(asked))
                    )
                    honoured = paused  # this thread waits out its own 429 by its policy
                if wait is None:
                    target = (
                        self._redirect_target(method, url, response)
                        if 300 <= status < 400
                        else None
                    )
                    if target is None or redirects >= _MAX_REDIRECTS:
                        if debug:
                            body = response.data if _preload_content else None
                            _log_response(method, url, status, body, started, retries + 1)
                        return RESTResponse(response, method, url)
                    _discard(response)
                    _logger.info("Following the redirect of %s %s to %s", method, url, target)
                    url = target
                    origin = _origin(url)
                    redirects += 1
                    continue
                _discard(response)
                what = f"status {status}"
            retries += 1
            _logger.info(
                "Retrying %s %s after %s (attempt %d of %d) in %.2f s",
                method,
                _path(url),
                what,
                retries + 1,
                policy.total + 1,
                wait,
            )
            policy.sleep(wait)
            waited += wait

    def _admit(
        self,
        gate: RateGate,
        ends: float | None,
        wait_left: float,
        honoured: float,
        method: str,
        url: str,
    ) -> tuple[Ticket, float]:
        """Pass the client's rate gate, within the call's budget; returns the seconds it held."""
        started = time.monotonic()
        limit = started + max(wait_left, 0.0)
        try:
            ticket = gate.admit(limit if ends is None else min(limit, ends), honoured=honoured)
        except GateTimeout as refused:
            raise gate_timeout_error(refused, method, url) from None
        return ticket, ticket.sent_at - started

    def _send_once(
        self,
        method: str,
        url: str,
        origin: str,
        payload: bytes | None,
        headers: dict[str, str] | None,
        timeout: urllib3.Timeout,
        preload: bool,
    ) -> urllib3.BaseHTTPResponse:
        """One attempt, with no retry or redirect of urllib3's; with ``preload``, body included."""
        sender: urllib3.HTTPConnectionPool | urllib3.PoolManager = self.pool_manager
        target = url
        if self._direct:
            pool = self._pools.get(origin)
            sender = pool if pool is not None and pool.pool is not None else self._pool(origin)
            target = url[len(origin) :] or "/"
        response = sender.urlopen(
            method,
            target,
            body=payload,
            headers=headers,
            timeout=timeout,
            preload_content=False,
            retries=_NO_URLLIB3_RETRIES,
            redirect=False,
            assert_same_host=False,  # what a pool manager sets itself
        )
        if preload:
            try:
                response.data  # noqa: B018 (reads and keeps the body)
            except DecodeError as error:
                raise _undecodable(response, error) from None
        return response

    def _pool(self, origin: str) -> urllib3.HTTPConnectionPool:
        """The pool of connections to ``origin``, kept so that no request parses its URL again.

        Asked for again when missing or closed behind this object's back (``pool_manager.clear()``).
        """
        pool = self.pool_manager.connection_from_url(origin)
        self._pools[origin] = pool
        return pool

    def _configured_timeout(self) -> tuple[urllib3.Timeout, float]:
        """The configuration's timeouts and the longest an attempt takes by them, built once for
        as long as they stay the same."""
        connect, read = self.configuration.connect_timeout, self.configuration.read_timeout
        cached_connect, cached_read, timeout, longest = self._default_timeout
        if connect != cached_connect or read != cached_read:
            timeout = build_timeout(None, self.configuration)
            longest = _longest(timeout)
            self._default_timeout = (connect, read, timeout, longest)
        return timeout, longest

    def _refuse_insecure(self, url: str, origin: str) -> None:
        """Refuse to send the token in clear text to anything but this machine, unless allowed."""
        try:
            parsed = parse_url(url)
        except LocationValueError as error:
            raise ApiValueError(f"The URL {url!r} cannot be requested: {error}") from None
        if not parsed.host:
            raise ApiValueError(f"The URL {url!r} cannot be requested: it names no host")
        if (parsed.scheme or "http").lower() not in ("http", "https"):
            raise ApiValueError(f"The URL {url!r} cannot be requested: use http:// or https://")
        if (parsed.scheme or "http").lower() != "http" or _is_loopback(parsed.host):
            self._secure_origins.add(origin)
        elif not self.configuration.allow_insecure_http:
            raise ApiValueError(
                f"Refusing to send the token in clear text to {origin}: use https://, "
                "or set Configuration.allow_insecure_http = True if the network is trusted"
            )

    def _redirect_target(
        self, method: str, url: str, response: urllib3.BaseHTTPResponse
    ) -> str | None:
        """Where to follow a redirect: only to the same origin, and only with the same method."""
        location = response.get_redirect_location()
        if not location:
            return None
        target = urljoin(url, location)
        if _origin(target).lower() != _origin(url).lower():
            _logger.warning(
                "Not following the redirect of %s %s to %s: the token goes to no other host",
                method,
                url,
                target,
            )
            return None
        if response.status in (307, 308) or method == "GET":
            return target
        return None


_MAX_REDIRECTS = 5
_NOT_BUILT = object()
_NO_URLLIB3_RETRIES = urllib3.Retry(total=False, redirect=False)
"""Built once: urllib3 would build this from ``retries=False`` on every request."""


def _call_ends(policy: RetryPolicy) -> tuple[float | None, float | None]:
    """When a call starting now must end (the sooner of any deadline and its budget), and the
    budget, when it is the budget that decides (None: a deadline, or nothing)."""
    ends = current_deadline()
    budget = policy.budget
    if budget is None:
        return ends, None
    budget_ends = time.monotonic() + budget
    if ends is not None and ends <= budget_ends:
        return ends, None
    return budget_ends, budget


def _within(
    timeout: urllib3.Timeout, ends: float, method: str, url: str, budget: float | None
) -> urllib3.Timeout:
    """``timeout``, cut so that the attempt ends by ``ends`` (unchanged when it would anyway)."""
    left = ends - time.monotonic()
    if left <= 0:
        why = f"the call's budget of {budget:g} s ran out" if budget else "the deadline passed"
        raise ApiTimeoutError(f"Out of time for {method} {url.split('?', 1)[0]}: {why}")
    cut = timeout.clone()
    total = timeout.total
    cut.total = min(total, left) if isinstance(total, (int, float)) else left
    return cut


def _longest(timeout: urllib3.Timeout) -> float:
    """The longest an attempt can wait by these timeouts (inf: no limit)."""
    total = timeout.total
    if isinstance(total, (int, float)):
        return float(total)
    connect, read = timeout.connect_timeout, timeout.read_timeout
    if isinstance(connect, (int, float)) and isinstance(read, (int, float)):
        return float(connect + read)
    return math.inf


def _before(ends: float | None, wait: float | None) -> float | None:
    """The wait, unless it would end after the deadline ``ends`` (then: give up now)."""
    if wait is None or ends is None or time.monotonic() + wait < ends:
        return wait
    return None


_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def redacted(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers with every credential replaced, fit to be logged."""
    return {
        name: ("<redacted>" if name.lower() in _SECRET_HEADERS else value)
        for name, value in headers.items()
    }


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _discard(response: urllib3.BaseHTTPResponse) -> None:
    """Read off what is left of a response not passed on, so its connection can be reused."""
    response.drain_conn()
    response.release_conn()


def _log_response(
    method: str, url: str, status: int, body: bytes | None, started: float, attempts: int
) -> None:
    correlation_id = body_field(body, "correlation_id") if status >= 400 else None
    _logger.debug(
        "%s %s -> %s in %.1f ms, %d attempt%s%s",
        method,
        url,
        status,
        _ms_since(started),
        attempts,
        "" if attempts == 1 else "s",
        f", correlation id {correlation_id}" if correlation_id else "",
    )


def _origin(url: str) -> str:
    """``scheme://host:port`` of a URL, cheaply, as a key."""
    start = url.find("//") + 2
    end = url.find("/", start)
    return url if end < 0 else url[:end]


def _path(url: str) -> str:
    start = url.find("/", url.find("//") + 2)
    return "/" if start < 0 else url[start:].split("?", 1)[0]


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _undecodable(response: urllib3.BaseHTTPResponse, error: DecodeError) -> ResponseDecodeError:
    """A body whose Content-Encoding lied: a response arrived, so not a connection failure."""
    failure = ResponseDecodeError(
        status=response.status, reason=f"The response body could not be decoded: {error}"
    )
    failure.headers = response.headers
    return failure


def _hide_credentials(text: str, url: str) -> str:
    """``text`` without the ``user:password`` part of ``url``, wherever it appears."""
    start = url.find("//") + 2
    end = url.rfind("@", start, url.find("/", start) if url.find("/", start) > 0 else len(url))
    return text if end < start else text.replace(url[start:end], "***")


def _cause(error: Exception) -> Exception:
    return error.reason if isinstance(error, MaxRetryError) and error.reason else error


def _failure_kind(error: Exception) -> str | None:
    """Whether a failed attempt never sent the request (CONNECT) or may have (READ)."""
    cause = _cause(error)
    if isinstance(cause, ProxyError):
        inner = cause.original_error
        if _tunnel_refusal(cause) is not None or isinstance(inner, (SSLError, ssl.SSLError)):
            return None  # refused credentials or a bad TLS setup fail the same way again
        return CONNECT
    if isinstance(cause, (SSLError, ssl.SSLError)):
        return None  # a TLS setup that fails now will fail again
    if isinstance(cause, ConnectTimeoutError):  # NewConnectionError is one too
        return CONNECT
    if isinstance(cause, (ReadTimeoutError, ProtocolError, OSError)):
        return READ
    return None


def _encode_body(body: Any) -> bytes | None:
    if body is None or isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    try:
        return json.dumps(body).encode("utf-8")
    except (TypeError, ValueError) as error:
        raise ApiValueError(f"The request body cannot be sent as JSON: {error}") from None
