"""How the client reaches the API: directly, through an HTTP or SOCKS proxy, over TLS.

``build_pool_manager`` turns a ``Configuration`` into the one urllib3 pool manager a client
sends through; it checks the TLS files and the proxy URL once, when the client is created, so
that nothing here runs per request. ``transport_error`` says what went wrong when reaching the
API failed (a refused connection, a proxy that refused the tunnel or the credentials, a
certificate that could not be verified), as one of our exceptions, naming the proxy but never
its credentials. ``hostinger_api.rest`` uses both and re-exports ``is_socks_proxy_url``; this
module imports nothing of the transport, so no two modules import each other.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import math
import os
import queue
import re
import socket
import ssl
import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote

import urllib3
import urllib3.connection
from urllib3.exceptions import (
    HTTPError,
    IncompleteRead,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    SSLError,
)
from urllib3.exceptions import TimeoutError as Urllib3TimeoutError
from urllib3.util import parse_url

from hostinger_api._header_watch import watch_headers
from hostinger_api.configuration import Configuration
from hostinger_api.exceptions import (
    PROXY_CREDENTIALS_HINT,
    ApiConnectionError,
    ApiTimeoutError,
    ApiValueError,
    ProxyAuthenticationError,
)

if TYPE_CHECKING:
    from urllib3._base_connection import BaseHTTPConnection

SUPPORTED_SOCKS_PROXIES = frozenset({"socks5", "socks5h", "socks4", "socks4a"})


def is_socks_proxy_url(url: str | None) -> bool:
    """True when ``url`` names a SOCKS proxy, which needs PySocks."""
    return url is not None and url.split("://", 1)[0].lower() in SUPPORTED_SOCKS_PROXIES


_logger = logging.getLogger("hostinger_api")


def build_pool_manager(
    configuration: Configuration, *, announce: bool = True
) -> urllib3.PoolManager:
    """The pool manager for these settings: direct, or through ``Configuration.proxy``.

    urllib3 is told never to retry: the transport's retry loop decides. A proxy URL that cannot
    be used, or a SOCKS proxy without PySocks, is refused here, with its credentials hidden.
    ``announce=False`` (a forked child renewing its parent's manager) checks no file and logs
    nothing: the parent did both when the client was made.
    """
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
    manager: urllib3.PoolManager
    proxy = configuration.proxy
    if proxy is not None and is_socks_proxy_url(proxy):
        try:
            from urllib3.contrib.socks import SOCKSProxyManager
        except ImportError:
            raise ApiValueError(
                f"The proxy {_hide_credentials(proxy, proxy)} is a SOCKS proxy, "
                "which needs PySocks: pip install pysocks"
            ) from None
        manager = SOCKSProxyManager(proxy_url=proxy, **pool_args)
    elif proxy:
        try:
            proxy_url, proxy_headers = _proxy_credentials(proxy, configuration.proxy_headers)
            manager = _ProxyManager(proxy_url=proxy_url, proxy_headers=proxy_headers, **pool_args)
        except (HTTPError, ValueError) as error:
            message = f"The proxy {proxy!r} cannot be used: {error}"
            raise ApiValueError(_hide_credentials(message, proxy)) from None
    else:
        manager = urllib3.PoolManager(**pool_args)
    if announce:
        _check_tls_settings(configuration)
    if not configuration.verify_ssl:
        _quiet_https(manager)
    watch_headers(manager)
    return manager


def transport_error(
    error: Exception, method: str, url: str, attempts: int = 1
) -> ApiConnectionError | ProxyAuthenticationError:
    """Say what went wrong below HTTP, as our own exception."""
    cause = cause_of(error)
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
    refused = tunnel_refusal(error)
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


def _check_tls_settings(configuration: Configuration) -> None:
    """Refuse certificate files that are not there, and say once that verification is off.

    A missing file would otherwise surface at each request as a dropped connection, retried.
    With ``verify_ssl`` off, this client logs one warning when it is created, and urllib3's
    ``InsecureRequestWarning`` is not repeated for its requests (``_quiet_https``).
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


def _quiet_https(pool_manager: urllib3.PoolManager) -> None:
    """Have the manager's HTTPS pools connect without urllib3's warning at every request."""
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


def tunnel_refusal(error: ProxyError) -> int | None:
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


def _hide_credentials(text: str, url: str) -> str:
    """``text`` without the ``user:password`` part of ``url``, wherever it appears."""
    start = url.find("//") + 2
    end = url.rfind("@", start, url.find("/", start) if url.find("/", start) > 0 else len(url))
    return text if end < start else text.replace(url[start:end], "***")


def cause_of(error: Exception) -> Exception:
    """What failed under urllib3's ``MaxRetryError``, which says only that something did."""
    return error.reason if isinstance(error, MaxRetryError) and error.reason else error


# -- after os.fork() ------------------------------------------------------------------------


class _Renewable(Protocol):
    def _after_fork_in_child(self) -> None: ...


_RENEWED: weakref.WeakSet[_Renewable] = weakref.WeakSet()


def renew_after_fork(owner: _Renewable) -> None:
    """Have ``owner._after_fork_in_child()`` run in every child forked while ``owner`` lives.

    A child that went on with its parent's pooled sockets would send its requests down the
    parent's connections and read the parent's answers (and the parent the child's), with no
    error; a lock another thread held at the fork would stay held in the child for ever. So
    each client takes new sockets and new locks in the child; the parent's are left as they are.
    """
    _RENEWED.add(owner)


def _renew_in_child() -> None:
    for owner in list(_RENEWED):
        try:
            owner._after_fork_in_child()
        except Exception:  # one client that cannot renew must not stop the others
            _logger.exception("A client could not renew its connections after a fork")


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_renew_in_child)


def forget_in_child(
    pool_manager: urllib3.PoolManager, pools: Iterable[urllib3.HTTPConnectionPool]
) -> None:
    """In a forked child, close the child's copies of the parent's idle pooled sockets.

    No lock is taken: a thread of the parent (which does not exist here) may have held one at
    the fork. The pools' queues get new locks, so that urllib3's clean-up of a pool when it is
    collected cannot hang on one. Closing the child's copy of a socket leaves the parent's
    connection open. A connection another thread had taken out of its pool at the fork stays
    with that thread, which the child does not have; it is never used again.
    """
    container = getattr(pool_manager.pools, "_container", {})  # read without its lock
    for pool in [*pools, *list(container.values())]:
        idle = getattr(pool, "pool", None)
        if not isinstance(idle, queue.Queue):
            continue
        for connection in list(idle.queue):
            if connection is not None:
                with contextlib.suppress(Exception):
                    connection.close()
        idle.queue.clear()
        idle.mutex = threading.Lock()
        idle.not_empty = threading.Condition(idle.mutex)
        idle.not_full = threading.Condition(idle.mutex)
        idle.all_tasks_done = threading.Condition(idle.mutex)


# -- reading the body within the call's time ---------------------------------------------------


class OutOfTime(Exception):
    """The body was still arriving when the call's time ran out; its connection is closed."""


def read_body(
    response: urllib3.BaseHTTPResponse, ends: float | None, longest_wait: float = math.inf
) -> bytes:
    """The whole body of ``response``, read by ``ends`` (a ``time.monotonic()`` moment).

    The read timeout bounds each wait for data, not the whole body: a server that sends a byte
    every few seconds never trips it. So, when the call has an end (a budget or a deadline),
    the body is read as it arrives, each wait cut to what is left, and ``OutOfTime`` is raised
    when the end comes first; the connection is then closed, never reused with the rest of the
    body in it. ``longest_wait`` bounds the socket's own timeout: while more than that is left,
    no wait needs cutting. A body already arrived with the headers (the usual case) is taken in
    one step. Without ``ends``, or with a urllib3 older than 2.3 (no ``read1``), the body is
    read whole.
    """
    if ends is None or not _READ1:
        return response.data
    # Without a Content-Encoding there is nothing to decode: urllib3 then skips its buffers.
    names = getattr(response.headers, "_container", response.headers)  # lowercased, if urllib3's
    encoded = "content-encoding" in names
    chunks: list[bytes] = []
    try:
        while True:
            left = ends - time.monotonic()
            if left < longest_wait:  # the socket's timeout may outlast the call: cut it
                sock = getattr(response.connection, "sock", None)
                if sock is not None:
                    wait = sock.gettimeout()
                    if wait is None or wait > left:
                        if left <= 0:
                            raise OutOfTime
                        sock.settimeout(left)
            chunk = response.read1(decode_content=encoded)
            if chunk:
                chunks.append(chunk)
                if encoded or (
                    getattr(response, "length_remaining", None) != 0 and not response.closed
                ):
                    continue  # more may come (a decoder may hold the end back)
            elif getattr(response, "length_remaining", None):
                # read1 does not check what the Content-Length promised
                missing = int(getattr(response, "length_remaining", 0))
                _close(response)
                raise ProtocolError(
                    f"Connection broken: the body ended {missing} bytes short",
                    IncompleteRead(sum(map(len, chunks)), missing),
                )
            break
    except OutOfTime:
        _close(response)
        raise
    except (Urllib3TimeoutError, TimeoutError, socket.timeout):
        if time.monotonic() < ends:
            raise  # the read timeout, not the call's end
        _close(response)
        raise OutOfTime from None
    body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if isinstance(response, urllib3.HTTPResponse):
        response._body = body  # what ``response.data`` gives from now on, as after a preload
    return body


_READ1 = hasattr(urllib3.HTTPResponse, "read1")
"""urllib3 2.3 and later read what has arrived, without waiting for the rest."""


def _close(response: urllib3.BaseHTTPResponse) -> None:
    """Close a response's connection and hand its slot back to the pool, with nothing left in
    it that the next request could read as its answer."""
    response.close()
    response.release_conn()
