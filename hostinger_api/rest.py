"""The transport: one urllib3 pool manager per client, and nothing else that touches the network.

Every failure below HTTP (refused connection, DNS, TLS, timeout, a connection dropped mid-body)
leaves this module as ``ApiConnectionError`` or ``ApiTimeoutError``, never as a urllib3 or
socket exception. Failed attempts are retried here, as ``hostinger_api.retry`` allows; redirects
are followed only to the same origin, so the token never reaches another host; and the token is
not sent in clear text over ``http://`` to anything but loopback unless the caller allows it.
How the pool manager reaches the API (directly, through a proxy, over TLS) and what a failure
to reach it is called are ``hostinger_api._connections``'s.
``ApiException`` is importable from here because the generated package's documentation imports
it from here.
"""

from __future__ import annotations

import io
import ipaddress
import json
import logging
import math
import ssl
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urljoin

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    HTTPError,
    LocationValueError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.exceptions import TimeoutError as Urllib3TimeoutError
from urllib3.util import parse_url

from hostinger_api._connections import (
    SUPPORTED_SOCKS_PROXIES as SUPPORTED_SOCKS_PROXIES,
)
from hostinger_api._connections import (
    OutOfTime,
    build_pool_manager,
    cause_of,
    forget_in_child,
    is_socks_proxy_url,
    read_body,
    renew_after_fork,
    transport_error,
    tunnel_refusal,
)
from hostinger_api._header_watch import calls as heads
from hostinger_api._headers import RATE_LIMIT_NAMES, retry_after_seconds
from hostinger_api._timeouts import (
    build_timeout,
    cut_to_end,
    longest_wait,
    out_of_time,
    shared_timeout,
    wait_before,
)
from hostinger_api.configuration import Configuration, RequestTimeout
from hostinger_api.exceptions import (
    ApiException,
    ApiValueError,
    ResponseDecodeError,
    body_field,
)
from hostinger_api.ratelimit import GateStopped, GateTimeout, RateGate, Ticket, gate_timeout_error
from hostinger_api.retry import (
    CONNECT,
    READ,
    RETRIED_STATUSES,
    RetryPolicy,
    not_sent,
    read_deadline,
    read_stop,
    sleep_unless_stopped,
    stopped,
)
from hostinger_api.state import MAX_SHARED_PAUSE, pause_board

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

_logger = logging.getLogger("hostinger_api")


class RESTResponse(io.IOBase):
    """A response whose body has not been read yet; ``read()`` reads it once."""

    # One is built per call: slots spare it a dict (io.IOBase keeps one for anything else).
    __slots__ = ("_method", "_url", "data", "headers", "reason", "response", "status")

    def __init__(
        self,
        response: urllib3.BaseHTTPResponse,
        method: str = "",
        url: str = "",
        data: bytes | None = None,
    ) -> None:
        # ``RESTResponse(resp)`` as 4.3.1 makes it, from a ``request`` written for it, works too
        # no super().__init__(): io.IOBase has none of its own (it is object's), and this is
        # built once per call
        self.response = response
        self.status = response.status
        self.reason = response.reason
        self.headers = response.headers
        self.data = data
        """The body, once read (by ``read()``, or with the attempt when it was preloaded)."""
        self._method = method
        self._url = url

    def __del__(self) -> None:
        """Nothing to release: io.IOBase would otherwise close it as it is freed (an attribute
        looked up, two set, ``close()`` and ``flush()`` called), once per call for nothing."""

    def read(self) -> bytes:
        """Read the whole body, turning a connection that breaks mid-body into our exception."""
        if self.data is None:
            try:
                self.data = self.response.data
            except (HTTPError, OSError) as error:
                raise transport_error(
                    error, self._method or "the request", self._url or "its URL"
                ) from None
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
            configuration.max_requests_per_second,
            learn=configuration.shared_rate_limit,
            max_pause=self.retry_policy.max_pause,
        )
        """What this client's threads learned of the rate limit (``hostinger_api.ratelimit``)."""
        self.pause_board = pause_board(
            configuration, getattr(self.retry_policy, "max_pause", MAX_SHARED_PAUSE)
        )
        """A pause shared with other processes (``hostinger_api.state``); None: not shared."""
        self._secure_origins: set[str] = set()
        self._pools: dict[str, urllib3.HTTPConnectionPool] = {}
        self._default_timeout: tuple[object, object, urllib3.Timeout, float] = (
            _NOT_BUILT,
            _NOT_BUILT,
            urllib3.Timeout(),
            math.inf,
        )
        self.pool_manager: urllib3.PoolManager = build_pool_manager(configuration)
        # A proxy for http:// rewrites each request, so only its manager may send them.
        self._direct = not isinstance(self.pool_manager, urllib3.ProxyManager)
        renew_after_fork(self)

    def _after_fork_in_child(self) -> None:
        """In a child of ``os.fork()``: new sockets and a new rate gate, none of the parent's.

        The parent's pooled connections would carry both processes' requests and mix up their
        answers, and a lock held at the fork by a thread the child does not have would never
        be released. What the gate had learned starts afresh in the child.
        """
        forget_in_child(self.pool_manager, self._pools.values())
        self._pools = {}
        self.pool_manager = build_pool_manager(self.configuration, announce=False)
        self.rate_gate = RateGate(
            self.configuration.max_requests_per_second,
            learn=self.configuration.shared_rate_limit,
            max_pause=self.retry_policy.max_pause,
        )

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
        # The common case (no deadline, no stop, the gate not engaged, a 200 read at once) runs
        # on every call: it is written out here rather than spread over helpers.
        method = method.upper()
        start = url.find("//") + 2  # the origin (_origin), without a call
        end = url.find("/", start)
        origin = url if end < 0 else url[:end]
        if origin not in self._secure_origins:
            self._refuse_insecure(url, origin)
        if _request_timeout is None:
            configuration = self.configuration
            connect, read, timeout, longest = self._default_timeout
            if configuration.connect_timeout != connect or configuration.read_timeout != read:
                timeout, longest = self._configured_timeout()
        else:
            timeout = build_timeout(_request_timeout, self.configuration)
            longest = longest_wait(timeout)
        if post_params:
            headers = dict(headers or {})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(post_params)
        payload = None if body is None else _encode_body(body)
        debug = _logger.isEnabledFor(logging.DEBUG)
        started = 0.0
        if debug:
            _logger.debug("%s %s headers=%s", method, url, redacted(headers or {}))
            started = time.perf_counter()
        policy = self.retry_policy
        gate = self.rate_gate
        board = self.pause_board
        # when the call must end: the sooner of a deadline and the budget (``budget`` stays
        # set only when it is the budget that decides, for the message)
        now = time.monotonic()
        ends = read_deadline()
        budget = policy.budget
        if budget is not None:
            if ends is None or now + budget < ends:
                ends = now + budget
            else:
                budget = None
        stop = read_stop()
        retries = redirects = timeouts = 0
        waited = 0.0
        while True:
            # another process was asked to pause: fail fast (the board looks at its file
            # now and then; in between, only a pause it found needs a word)
            if board is not None and (now >= board.next_look or board.pause is not None):
                board.check(method, url)
            ticket: Ticket | None = None
            if stop and stopped(stop):
                raise not_sent(method, url)
            if gate.engaged:
                ticket, held = self._admit(gate, ends, policy.max_wait - waited, method, url, stop)
                waited += held
                now = ticket.sent_at
            else:
                gate.unticketed += 1  # sent without asking: settle counts it back
            try:
                attempt_timeout = (
                    timeout
                    if ends is None or ends - now >= longest
                    else cut_to_end(timeout, ends, method, url, budget)
                )
                # one attempt, with no retry or redirect of urllib3's
                if self._direct:
                    pool = self._pools.get(origin)
                    if pool is None or pool.pool is None:
                        pool = self._pool(origin)
                    sender: urllib3.HTTPConnectionPool | urllib3.PoolManager = pool
                    where = url[len(origin) :] or "/"
                else:
                    sender, where = self.pool_manager, url
                heads.ends = ends  # the wait for the status line and headers ends then too
                response = sender.urlopen(
                    method,
                    where,
                    body=payload,
                    headers=headers,
                    timeout=attempt_timeout,
                    preload_content=False,
                    retries=_NO_URLLIB3_RETRIES,
                    redirect=False,
                    assert_same_host=False,  # what a pool manager sets itself
                )
                data = None
                if _preload_content:  # the body within the attempt, read by the call's end
                    try:
                        data = read_body(response, ends, longest)  # ``response.data`` gives it too
                    except DecodeError as error:
                        raise _undecodable(response, error) from None
                    except OutOfTime:
                        raise out_of_time(method, url, budget) from None
            except (HTTPError, OSError) as error:
                heads.ends = None  # failed before its head was awaited (connect, tunnel)
                gate.settle(ticket, None, None)
                failure = _failure_kind(error)
                timed_out = isinstance(cause_of(error), (ReadTimeoutError, TimeoutError))
                if not timed_out and ends is not None and time.monotonic() >= ends:
                    raise out_of_time(method, url, budget) from None  # its head was cut off
                wait = None
                if (
                    failure is not None
                    and policy.allows(method, failure=failure)
                    and not (timed_out and timeouts >= policy.timeout_retries)
                ):
                    wait = wait_before(ends, policy.next_wait(retries, waited, None))
                timeouts += timed_out
                if wait is None:
                    failed = transport_error(error, method, url, retries + 1)
                    if debug:
                        _logger.debug("%s in %.1f ms", failed.reason, _ms_since(started))
                    raise failed from None
                what = "a timeout" if isinstance(cause_of(error), Urllib3TimeoutError) else failure
            except ValueError:  # http.client refused a header value (its text holds the token)
                gate.settle(ticket, None, None)
                what = None  # raised below, outside this block, so that it carries no context
            except BaseException:  # out of time, an undecodable body, Ctrl-C: nothing to learn
                heads.ends = None
                gate.settle(ticket, None, None)
                raise
            else:
                status = response.status
                names = getattr(response.headers, "_container", None)  # lowercased, urllib3's
                if (  # ``settle`` of a plain 200 before the gate engaged, inline: every answer
                    status == 200
                    and ticket is None
                    and not gate.engaged
                    and type(names) is dict
                    and RATE_LIMIT_NAMES.isdisjoint(names)
                ):
                    gate.unticketed -= 1
                    gate.quiet_successes += 1
                else:
                    gate.settle(ticket, status, response.headers)
                if status == 200:  # the usual answer: no retry, no redirect, nothing to share
                    if debug:
                        _log_response(method, url, status, data, started, retries + 1)
                    return RESTResponse(response, method, url, data)
                if status == 429 and board is not None:
                    board.learn(response.headers, method, url)  # tell the other processes
                wait = None
                if status in RETRIED_STATUSES and policy.allows(method, status=status):
                    asked = retry_after_seconds(response.headers) if status in (429, 503) else None
                    wait = wait_before(ends, policy.next_wait(retries, waited, asked))
                if wait is None:
                    target = (
                        self._redirect_target(method, url, response)
                        if 300 <= status < 400
                        else None
                    )
                    if target is None or redirects >= _MAX_REDIRECTS:
                        if debug:
                            _log_response(method, url, status, data, started, retries + 1)
                        return RESTResponse(response, method, url, data)
                    _discard(response)
                    _logger.info("Following the redirect of %s %s to %s", method, url, target)
                    url = target
                    origin = _origin(url)
                    redirects += 1
                    now = time.monotonic()
                    continue
                _discard(response)
                what = f"status {status}"
            if what is None or wait is None:
                raise ApiValueError(
                    f"Not sent: a header of {method} {url} holds a character that HTTP headers "
                    "cannot carry (in the token, or a header passed in _headers): look for a "
                    "line break, a byte-order mark or a character outside Latin-1"
                )
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
            sleep_unless_stopped(policy, wait, stop, method, url)
            waited += wait
            now = time.monotonic()

    def _admit(
        self,
        gate: RateGate,
        ends: float | None,
        wait_left: float,
        method: str,
        url: str,
        stop: tuple[threading.Event, ...],
    ) -> tuple[Ticket, float]:
        """Pass the client's rate gate, within the call's budget; returns the seconds it held."""
        started = time.monotonic()
        limit = started + max(wait_left, 0.0)
        try:
            ticket = gate.admit(limit if ends is None else min(limit, ends), stop=stop)
        except GateTimeout as refused:
            raise gate_timeout_error(refused, method, url) from None
        except GateStopped:
            raise not_sent(method, url) from None
        return ticket, ticket.sent_at - started

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
            timeout = shared_timeout(build_timeout(None, self.configuration))
            longest = longest_wait(timeout)
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


_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
_SECRET_WORDS = ("auth", "token", "key", "secret", "password", "session", "signature", "cookie")
"""A header whose name holds one of these may carry a credential (``X-Api-Key``, set through
``_request_auth`` or an auth setting): its value is never logged."""


def redacted(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers with every credential replaced, fit to be logged."""
    return {
        name: ("<redacted>" if _secret(name.lower()) else value) for name, value in headers.items()
    }


def _secret(name: str) -> bool:
    return name in _SECRET_HEADERS or any(word in name for word in _SECRET_WORDS)


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


def _failure_kind(error: Exception) -> str | None:
    """Whether a failed attempt never sent the request (CONNECT) or may have (READ)."""
    cause = cause_of(error)
    if isinstance(cause, ProxyError):
        inner = cause.original_error
        if tunnel_refusal(cause) is not None or isinstance(inner, (SSLError, ssl.SSLError)):
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
