"""The fake on a real socket: a standard-library HTTP/1.1 server on 127.0.0.1, in a thread.

It keeps a log of the requests it received, with the Authorization header redacted, so tests
can assert on what reached the network (and that nothing did, when input was refused).
With ``tls=True`` it speaks HTTPS, with a certificate from a throwaway CA made at start, so
tests exercise the TLS path every real user takes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import socket
import ssl
import sys
import tempfile
import threading
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any, Optional, Union

from hostinger_api.configuration import Configuration
from hostinger_api.testing._http import RecordedRequest, RequestHandler
from hostinger_api.testing._service import FakeHostinger
from hostinger_api.testing._types import error_body

_logger = logging.getLogger("hostinger_api.testing")
_STOP_CHECK_SECONDS = 0.005  # how soon stop() is noticed: tests start and stop a fake each
_HANDSHAKE_SECONDS = 10.0  # a client that connects and never says hello costs one thread this long
_LINGER_SECONDS = 1.0  # unread input at close makes a reset, which can destroy the answer sent
DEFAULT_TLS_HOSTNAMES = ("127.0.0.1", "localhost", "::1")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver listens with a backlog of 5: a client opening dozens of connections at once
    # (a fleet job's threads) overflows it, and each dropped SYN costs a second or more.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], fake: FakeHostingerApi) -> None:
        self.fake = fake
        super().__init__(address, RequestHandler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Serve one connection, in its own thread: the TLS handshake happens here, not in accept.

        A client that connects and never completes the handshake holds up only its own thread,
        for at most ``_HANDSHAKE_SECONDS``.
        """
        tls = self.fake._tls
        if tls is None:
            super().finish_request(request, client_address)
            return
        self.fake._track(request, open_=True)
        try:
            request.settimeout(_HANDSHAKE_SECONDS)
            first = request.recv(1, socket.MSG_PEEK)
            if first and first != b"\x16":  # not a TLS handshake record: plain HTTP, most likely
                request.sendall(self._plain_http_refusal())
                return  # shutdown_request lets the client read it, then closes
            connection = tls.context.wrap_socket(request, server_side=True)
        except OSError as error:  # ssl.SSLError is one: a bad certificate, a timeout
            _logger.info("TLS handshake with %s failed: %s", client_address[0], error)
            return
        finally:
            self.fake._track(request, open_=False)
        try:
            super().finish_request(connection, client_address)
        finally:
            _close(connection)

    def _plain_http_refusal(self) -> bytes:
        """What a plain HTTP client gets from the TLS fake: a JSON 400 saying to use https."""
        body = json.dumps(
            error_body(f"This server speaks HTTPS: send the request to {self.fake.url}")
        ).encode("utf-8")
        head = (
            "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        return head.encode("ascii") + body

    def shutdown_request(self, request: Any) -> None:
        if request.fileno() != -1:  # -1: handed over to TLS, which closed it already
            _close(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up is normal; anything else is logged, not printed."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, ssl.SSLError)):
            _logger.debug("%s hung up: %s", client_address, error)
        else:
            _logger.exception("The fake failed to answer %s", client_address)


def _close(connection: socket.socket) -> None:
    """Close after the answer has left: say we are done, then drain what the client still sends.

    Closing a socket with unread input sends a reset, and a reset can make the client's system
    drop the answer it had already received (the error explaining why the connection closes).
    """
    with contextlib.suppress(OSError):
        socket.socket.shutdown(connection, socket.SHUT_WR)  # the raw socket's, also under TLS
        connection.settimeout(_LINGER_SECONDS)
        drained = 0
        while drained < (1 << 20):
            chunk = socket.socket.recv(connection, 65536)
            if not chunk:
                break
            drained += len(chunk)
    connection.close()


@dataclass(frozen=True)
class _Tls:
    """The fake's TLS material: the server context and the PEM files other tools can use."""

    directory: str
    context: ssl.SSLContext
    ca_file: str
    ca_pem: bytes
    client_cert_file: Optional[str]
    client_key_file: Optional[str]


def _make_tls(hostnames: tuple[str, ...], client_cert_required: bool) -> _Tls:
    """A throwaway CA, a server certificate for ``hostnames`` and, if asked, a client one."""
    try:
        import trustme
    except ImportError:
        raise RuntimeError(
            "FakeHostingerApi(tls=True) makes its certificates with trustme, a test-only "
            "dependency: pip install trustme (or pip install 'hostinger_api[test]')"
        ) from None
    authority = trustme.CA(organization_name="hostinger_api fake")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    authority.issue_cert(*hostnames, common_name=hostnames[0]).configure_cert(context)
    directory = tempfile.mkdtemp(prefix="hostinger-fake-tls-")
    ca_file = os.path.join(directory, "ca.pem")
    authority.cert_pem.write_to_path(ca_file)
    client_cert_file = client_key_file = None
    if client_cert_required:
        context.verify_mode = ssl.CERT_REQUIRED
        authority.configure_trust(context)
        client = authority.issue_cert(
            "client@hostinger-api.test", common_name="hostinger_api test client"
        )
        client_cert_file = os.path.join(directory, "client-cert.pem")
        client_key_file = os.path.join(directory, "client-key.pem")
        for pem in client.cert_chain_pems:
            pem.write_to_path(client_cert_file, append=True)
        client.private_key_pem.write_to_path(client_key_file)
    return _Tls(
        directory=directory,
        context=context,
        ca_file=ca_file,
        ca_pem=authority.cert_pem.bytes(),
        client_cert_file=client_cert_file,
        client_key_file=client_key_file,
    )


class FakeHostingerApi(FakeHostinger):
    """A fake Hostinger API on ``http://127.0.0.1:<port>``, for tests, demos and offline work.

    Use it as a context manager (or call ``start()`` and ``stop()``)::

        with FakeHostingerApi(vms=[1268054]) as fake:
            with ApiClient(fake.configuration()) as api_client:
                VPSSnapshotsApi(api_client).create_snapshot_v1(1268054)
            assert fake.requests[-1].method == "POST"

    The keyword arguments are ``FakeHostinger``'s, plus:

    :param port: the port to listen on (0: any free port).
    :param tls: serve HTTPS, with a certificate from a CA made at start (needs trustme).
    :param client_cert_required: with ``tls``, refuse clients without a certificate from that CA.
    :param tls_hostnames: the names and addresses the server certificate is valid for; another
        name than 127.0.0.1 makes a certificate that does not match the URL.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        tls: bool = False,
        client_cert_required: bool = False,
        tls_hostnames: Union[tuple[str, ...], list[str]] = DEFAULT_TLS_HOSTNAMES,
        **service: Any,
    ) -> None:
        if client_cert_required and not tls:
            raise ValueError("client_cert_required=True needs tls=True")
        if not tls_hostnames:
            raise ValueError("tls_hostnames must name at least one host or address")
        super().__init__(**service)
        self._requested_port = port
        self.tls = tls
        self.client_cert_required = client_cert_required
        self.tls_hostnames = tuple(tls_hostnames)
        self._tls: Optional[_Tls] = None
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
        if self.tls:
            self._tls = _make_tls(self.tls_hostnames, self.client_cert_required)
        try:
            self._server = _Server(("127.0.0.1", self._requested_port), self)
        except BaseException:
            self._remove_tls()
            raise
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
                # The plain socket's shutdown, also under TLS: SSLSocket's would drop its TLS
                # state under the feet of the thread reading from it.
                socket.socket.shutdown(connection, socket.SHUT_RDWR)
        server.server_close()
        thread.join()
        self._server = self._thread = None
        self._remove_tls()

    def _remove_tls(self) -> None:
        if self._tls is not None:
            shutil.rmtree(self._tls.directory, ignore_errors=True)
            self._tls = None

    @property
    def port(self) -> int:
        """The port the fake listens on."""
        if self._server is None:
            raise RuntimeError("The fake Hostinger API is not running: start() it first")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The base URL to give ``Configuration(host=...)``: ``https://`` with ``tls``."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def configuration(self) -> Configuration:
        """A configuration pointing at this fake, with its token, that works as it is.

        With ``tls`` it trusts the fake's CA (``ssl_ca_cert``) and, when the fake requires one,
        presents the client certificate (``cert_file``, ``key_file``). It shares no pause with
        other processes (``state_dir=None``): a port reused by a later test run must not find
        a pause an earlier run was asked for.
        """
        configuration = Configuration(host=self.url, access_token=self.token)
        configuration.state_dir = None
        if self.tls:
            tls = self._running_tls()
            configuration.ssl_ca_cert = tls.ca_file
            configuration.cert_file = tls.client_cert_file
            configuration.key_file = tls.client_key_file
        return configuration

    @property
    def ca_file(self) -> str:
        """The PEM file of the CA that signed the fake's certificates (removed at ``stop()``)."""
        return self._running_tls().ca_file

    @property
    def ca_pem(self) -> bytes:
        """The CA's certificate as PEM bytes, for ``Configuration.ca_cert_data``."""
        return self._running_tls().ca_pem

    @property
    def client_cert_file(self) -> str:
        """With ``client_cert_required``: a PEM file with a client certificate the fake accepts."""
        return self._client_files()[0]

    @property
    def client_key_file(self) -> str:
        """With ``client_cert_required``: the PEM file of that certificate's private key."""
        return self._client_files()[1]

    def _running_tls(self) -> _Tls:
        if not self.tls:
            raise RuntimeError("This fake serves plain HTTP: create it with tls=True")
        if self._tls is None:
            raise RuntimeError("The fake Hostinger API is not running: start() it first")
        return self._tls

    def _client_files(self) -> tuple[str, str]:
        tls = self._running_tls()
        if tls.client_cert_file is None or tls.client_key_file is None:
            raise RuntimeError("This fake takes no client certificate: use client_cert_required")
        return tls.client_cert_file, tls.client_key_file

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
