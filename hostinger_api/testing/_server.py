"""The fake on a real socket: a standard-library HTTP/1.1 server on 127.0.0.1, in a thread.

It keeps a log of the requests it received, with the Authorization header redacted, so tests
can assert on what reached the network (and that nothing did, when input was refused).
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

from hostinger_api.configuration import Configuration
from hostinger_api.testing._service import FakeHostinger

_logger = logging.getLogger("hostinger_api.testing")
_REDACTED = "<redacted>"
_IDLE_CONNECTION_SECONDS = 30
_STOP_CHECK_SECONDS = 0.005  # how soon stop() is noticed: tests start and stop a fake each
_NO_BODY_STATUSES = frozenset({204, 304})


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received. ``headers`` never holds the token."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = field(repr=False)

    def header(self, name: str) -> Optional[str]:
        """A header's value by case-insensitive name, or None."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = _IDLE_CONNECTION_SECONDS
    # Headers and body leave in one send (the base flushes after each request), and nothing waits
    # for Nagle: two small sends on a kept-alive connection cost a delayed ACK, 40 ms a request.
    wbufsize = -1
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, open_=True)

    def finish(self) -> None:
        self.server.fake._track(self.connection, open_=False)
        super().finish()

    def _answer(self) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        query = parse_qs(url.query, keep_blank_values=True)
        authorization = self.headers.get("Authorization")
        fake._record(
            RecordedRequest(
                method=self.command,
                path=url.path,
                query=query,
                headers={
                    name: (_REDACTED if name.lower() == "authorization" else value)
                    for name, value in self.headers.items()
                },
                body=body,
            )
        )
        response = fake.handle(self.command, url.path, query, authorization)
        if response.delay and fake._stopping.wait(response.delay):
            return  # stopping: the client gets no answer, as from a server going away
        answer = response.body
        payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode("utf-8")
        if response.status in _NO_BODY_STATUSES:
            payload = b""  # a body here would be read as the start of the next response
        if response.drop == "before":
            self.close_connection = True
            return
        headers = {"Content-Type": "application/json", **response.headers}
        headers["Content-Length"] = str(len(payload))
        self.send_response(response.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if response.drop == "during":
            self.wfile.write(payload[: len(payload) // 2])
            self.close_connection = True
            return
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _answer  # noqa: N815 (the base's names)

    def log_message(self, format: str, *args: Any) -> None:
        _logger.info("%s %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], fake: FakeHostingerApi) -> None:
        self.fake = fake
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up is normal; anything else is logged, not printed."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            _logger.debug("%s hung up: %s", client_address, error)
        else:
            _logger.exception("The fake failed to answer %s", client_address)


class FakeHostingerApi(FakeHostinger):
    """A fake Hostinger API on ``http://127.0.0.1:<port>``, for tests, demos and offline work.

    Use it as a context manager (or call ``start()`` and ``stop()``)::

        with FakeHostingerApi(vms=[1268054]) as fake:
            with ApiClient(fake.configuration()) as api_client:
                VPSSnapshotsApi(api_client).create_snapshot_v1(1268054)
            assert fake.requests[-1].method == "POST"

    The keyword arguments are ``FakeHostinger``'s, plus ``port`` (0: any free port).
    """

    def __init__(self, *, port: int = 0, **service: Any) -> None:
        super().__init__(**service)
        self._requested_port = port
        self._server: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None
        self._requests: list[RecordedRequest] = []
        self._connections: set[socket.socket] = set()
        self._log_lock = threading.Lock()
        self._stopping = threading.Event()  # cuts short the delays of injected faults

    def __enter__(self) -> FakeHostingerApi:
        return self if self._server is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> FakeHostingerApi:
        """Start serving in a background thread; returns once the port is listening."""
        if self._server is not None:
            raise RuntimeError("The fake Hostinger API is already running")
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", self._requested_port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _STOP_CHECK_SECONDS},
            name=f"fake-hostinger-api-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every connection; safe to call twice."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()
        server.shutdown()
        with self._log_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # the peer closed it already
                connection.shutdown(socket.SHUT_RDWR)
        server.server_close()
        thread.join()
        self._server = self._thread = None

    @property
    def port(self) -> int:
        """The port the fake listens on."""
        if self._server is None:
            raise RuntimeError("The fake Hostinger API is not running: start() it first")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The base URL to give ``Configuration(host=...)``."""
        return f"http://127.0.0.1:{self.port}"

    def configuration(self) -> Configuration:
        """A configuration pointing at this fake, with its token."""
        return Configuration(host=self.url, access_token=self.token)

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, oldest first (a copy)."""
        with self._log_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget the requests received so far."""
        with self._log_lock:
            self._requests.clear()

    def _record(self, request: RecordedRequest) -> None:
        with self._log_lock:
            self._requests.append(request)

    def _track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._log_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)
