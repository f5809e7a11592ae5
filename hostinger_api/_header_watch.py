"""The call's end bounds the wait for the status line and headers, not only each read.

A read timeout bounds each wait for data: a server (or a middlebox) that sends its status line
and headers one byte every few seconds never trips it, and http.client reads them in one
blocking call that nothing else can cut. So while a connection waits for its answer's head, it
is registered here with the moment its call must end (``calls.ends``, set by the transport for
each attempt); a watcher thread, started on first use, shuts the socket down when that moment
passes, and the read in progress fails at once. The transport then reports the call's budget (or
deadline) as run out. Registering costs a dictionary entry per request; the watcher looks every
``LOOK_EVERY`` seconds, so a cut comes that much late at most.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from typing import Any, Optional

import urllib3
from urllib3.connection import HTTPConnection

LOOK_EVERY = 0.1
"""Seconds between two looks of the watcher at the connections waiting for a head."""

calls = threading.local()
"""``calls.ends``: the ``time.monotonic()`` by which this thread's current attempt must end."""

_Record = tuple[float, socket.socket]
_waiting: dict[_Record, HTTPConnection] = {}
"""The heads awaited now: (when the call ends, the socket to shut down) -> the connection.

A record leaves it once, by one atomic ``pop``: the reader's when the head arrived, or the
watcher's when it cuts the head off. Whoever pops it owns it, so no lock is needed: a reader
that finds its record gone knows the watcher cut its head."""


class HeadCutOff(OSError):
    """The call's end came while its answer's status line and headers were still arriving."""


_watcher_started = False
_start_lock = threading.Lock()


class _HeaderWatch(HTTPConnection):
    """A connection whose wait for a head (the answer's, or a proxy's to ``CONNECT``) ends when
    its call must end."""

    def getresponse(self) -> Any:  # urllib3's HTTPResponse, typed as urllib3 types it
        ends: Optional[float] = getattr(calls, "ends", None)
        if ends is None:
            return super().getresponse()
        calls.ends = None  # this attempt's alone: not a later request sent another way
        # _register and _released, inline: this runs on every call
        if not _watcher_started:
            _start_watcher()
        sock = self.sock
        if not isinstance(sock, socket.socket):
            sock = _socket_below(sock)
            if sock is None:  # nothing the watcher could shut down
                return super().getresponse()
        record = (ends, sock)
        _waiting[record] = self
        try:
            response = super().getresponse()
        finally:
            cut = _waiting.pop(record, None) is None
        if cut:  # http.client may have made a response of a part
            response.close()
            raise HeadCutOff("the call's end came while the answer's head was arriving")
        return response

    def _tunnel(self) -> None:
        ends: Optional[float] = getattr(calls, "ends", None)
        if ends is None:
            super()._tunnel()
            return
        record = _register(self, ends)
        if record is None:  # nothing the watcher could shut down
            super()._tunnel()
            return
        try:
            super()._tunnel()
        finally:
            cut = _released(record)
        if cut:
            raise HeadCutOff("the call's end came while the proxy's answer to CONNECT arrived")


def _register(connection: HTTPConnection, ends: float) -> Optional[_Record]:
    """Have the watcher cut ``connection``'s wait at ``ends``; None: it has no socket to cut.

    A record names its socket, which one wait alone uses at a time: no two are equal."""
    sock = _socket_below(connection.sock)
    if sock is None:
        return None
    if not _watcher_started:
        _start_watcher()
    record = (ends, sock)
    _waiting[record] = connection
    return record


def _released(record: _Record) -> bool:
    """Take a wait back from the watcher; True when the watcher cut it."""
    return _waiting.pop(record, None) is None


def _socket_below(sock: Any) -> Optional[socket.socket]:
    """The operating system's socket under ``sock``: TLS inside TLS (an ``https://`` proxy)
    gives urllib3's ``SSLTransport``, which keeps the socket it wraps as ``.socket``."""
    for _ in range(4):  # a proxy's tunnel in a tunnel at most
        if sock is None or isinstance(sock, socket.socket):
            return sock
        sock = getattr(sock, "socket", None)
    return None


def _watch() -> None:
    """Every ``LOOK_EVERY`` seconds, cut the heads whose call's end has passed; nothing that
    goes wrong with one look ends the watcher, which every later call relies on."""
    while True:
        time.sleep(LOOK_EVERY)
        with contextlib.suppress(Exception):
            _cut_late_heads(time.monotonic())


def _cut_late_heads(now: float) -> None:
    """Shut down the socket of every head still awaited when its call's end has passed."""
    for record in list(_waiting):
        ends, sock = record
        if ends > now:
            continue
        if _waiting.pop(record, None) is not None:  # taken before the cut: the reader sees it
            with contextlib.suppress(OSError, ValueError):  # closed meanwhile
                socket.socket.shutdown(sock, socket.SHUT_RDWR)  # TLS too: the socket below


def _start_watcher() -> None:
    global _watcher_started
    with _start_lock:
        if not _watcher_started:
            threading.Thread(target=_watch, name="hostinger_api-header-watch", daemon=True).start()
            _watcher_started = True


def _forget_in_child() -> None:
    """In a child of ``os.fork()``: no watcher thread came along, and no wait is the child's."""
    global _watcher_started, _start_lock
    _watcher_started = False
    _start_lock = threading.Lock()
    _waiting.clear()


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_forget_in_child)


_watched_classes: dict[type, type] = {}


def _watched(cls: type) -> type:
    """``cls`` (a pool class) with connections that watch their wait for a head."""
    watched = _watched_classes.get(cls)
    if watched is None:
        connection = cls.ConnectionCls  # type: ignore[attr-defined]
        watching = type(f"Watched{connection.__name__}", (_HeaderWatch, connection), {})
        watched = type(f"Watched{cls.__name__}", (cls,), {"ConnectionCls": watching})
        _watched_classes[cls] = watched
    return watched


def watch_headers(manager: urllib3.PoolManager) -> None:
    """Make every pool of ``manager`` (direct, proxied, SOCKS, HTTP or HTTPS) watch its heads."""
    manager.pool_classes_by_scheme = {
        scheme: _watched(cls) for scheme, cls in manager.pool_classes_by_scheme.items()
    }
