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

_Record = tuple[float, Optional[socket.socket]]
_waiting: dict[HTTPConnection, _Record] = {}
_CUT: _Record = (0.0, None)
"""What the watcher leaves in ``_waiting`` for a connection whose head it cuts off."""
_taking = threading.Lock()
"""Held while a record leaves ``_waiting``: the head arrived, or the watcher marks it cut."""


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
        record: _Record = (ends, sock if isinstance(sock, socket.socket) else _socket_below(sock))
        _waiting[self] = record
        try:
            response = super().getresponse()
        finally:
            with _taking:
                cut = _waiting.pop(self, None) is not record
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
        try:
            super()._tunnel()
        finally:
            cut = _released(self, record)
        if cut:
            raise HeadCutOff("the call's end came while the proxy's answer to CONNECT arrived")


def _register(connection: HTTPConnection, ends: float) -> _Record:
    """Have the watcher cut ``connection``'s wait at ``ends``."""
    if not _watcher_started:
        _start_watcher()
    record: _Record = (ends, _socket_below(connection.sock))
    _waiting[connection] = record
    return record


def _released(connection: HTTPConnection, record: _Record) -> bool:
    """Take ``connection`` back from the watcher; True when the watcher cut its wait."""
    with _taking:
        return _waiting.pop(connection, None) is not record


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
    for connection, record in _waiting.copy().items():
        ends, sock = record
        if ends > now or sock is None:
            continue
        with _taking:  # marked before the cut, so that the reader it wakes finds the mark
            cut = _waiting.get(connection) is record
            if cut:
                _waiting[connection] = _CUT
        if cut:
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
    global _watcher_started, _start_lock, _taking
    _watcher_started = False
    _start_lock = threading.Lock()
    _taking = threading.Lock()
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
