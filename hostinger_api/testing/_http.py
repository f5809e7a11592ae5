"""The fake's HTTP/1.1, read strictly: one request at a time off a connection, and its answer.

Every answer, errors included, is JSON with ``message`` and ``correlation_id``; a request that
cannot be delimited closes its connection, so none desynchronises it. What each request asks
is ``hostinger_api.testing._service``'s to answer; the server around it is ``_server``'s.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import logging
import re
import socket
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import parse_qs, urlsplit

from hostinger_api.testing._types import FakeResponse, error_body

if TYPE_CHECKING:  # the server that hands connections to the handler
    from hostinger_api.testing._server import _Server

_logger = logging.getLogger("hostinger_api.testing")
_REDACTED = "<redacted>"
_IDLE_CONNECTION_SECONDS = 30
_NO_BODY_STATUSES = frozenset({204, 304})
# What one request may hold: limits like common servers', far above what a client of this API sends.
_MAX_LINE = 8190  # bytes in the request line, or in one header line
_MAX_HEADERS = 100
_MAX_HEADER_BYTES = 65536
_MAX_BODY_BYTES = 1 << 20
_MAX_EMPTY_LINES = 8  # before a request line (RFC 9112, section 2.2)
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_VERSION = re.compile(rb"HTTP/([0-9])\.([0-9])")
_TARGET = re.compile(rb"[\x21-\x7e]+")  # visible ASCII: a URL has nothing else
_ABSOLUTE_FORM = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_DIGITS = re.compile(r"[0-9]+")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\x00]*)?")
_FORBIDDEN_IN_VALUE = re.compile(rb"[\x00\r\n]")


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received. ``headers`` never holds the token.

    ``received`` is ``time.monotonic()`` when the fake had read it: a test compares it with
    when its code returned, to see that nothing was sent after.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = field(repr=False)
    received: float = field(default=0.0, compare=False)

    def header(self, name: str) -> Optional[str]:
        """A header's value by case-insensitive name, or None."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


class _Refused(Exception):
    """A request the server answers with an error and then closes the connection on.

    Closing is the safe end: after a framing error, where the next request starts is unknown.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class _Request:
    """A request line and headers that parsed, and how its body is framed."""

    method: str
    path: str
    query: str
    version: tuple[int, int]
    length: int = 0
    chunked: bool = False


class RequestHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 by RFC 9112, strictly enough that a request never desynchronises a connection.

    The base class's ``parse_request`` answers with HTML, waits for the body before ``100
    Continue``, does not decode chunked bodies and hands unknown methods a 501. This class
    reads the request itself: every answer, errors included, is JSON with ``message`` and
    ``correlation_id``, and after any error whose request could not be delimited, the
    connection is closed.
    """

    protocol_version = "HTTP/1.1"
    timeout = _IDLE_CONNECTION_SECONDS
    # Headers and body leave in one send (flushed after each request), and nothing waits for
    # Nagle: two small sends on a kept-alive connection cost a delayed ACK, 40 ms a request.
    wbufsize = -1
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, open_=True)

    def finish(self) -> None:
        self.server.fake._track(self.connection, open_=False)
        super().finish()

    # -- one request, from its first byte to its answer ----------------------------------------

    def handle_one_request(self) -> None:
        self.command = ""
        self.requestline = ""
        self.request_version = "HTTP/1.1"  # what the base writes answers with, until parsed
        self.close_connection = True
        started = False
        try:
            first = self._first_byte()
            if not first:
                return  # the client closed the connection between requests: nothing to answer
            started = True
            if first == b"\x16" and self.server.fake._tls is None:
                _logger.info("%s sent a TLS handshake to plain HTTP", self.address_string())
                return  # closing at once: a TLS client would wait for an answer that never comes
            line = self._first_line()
            if line is None:
                return
            request = self._parse(line)
            self._serve(request, self._read_body(request))
        except _Refused as refusal:
            self.send_error(refusal.status, refusal.message)
        except socket.timeout:  # TimeoutError from Python 3.10
            if started:
                with contextlib.suppress(OSError):
                    self.send_error(408, "The request was not received in time")
            self.close_connection = True
        except OSError as error:  # ConnectionError, ssl.SSLError: the client went away
            _logger.debug("%s hung up: %s", self.address_string(), error)
            self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()

    def _first_byte(self) -> bytes:
        """The request's first byte, left unread (waits for it); empty when the client closed."""
        if not isinstance(self.rfile, io.BufferedReader):  # always one, from StreamRequestHandler
            return b"?"
        return self.rfile.peek(1)[:1]

    def _first_line(self) -> Optional[bytes]:
        """The request line, past the empty lines RFC 9112 lets a server ignore; None at EOF."""
        for _ in range(_MAX_EMPTY_LINES):
            line = self.rfile.readline(_MAX_LINE + 1)
            if line not in (b"\r\n", b"\n"):
                break
        else:
            raise _Refused(400, "Expected a request line, got only empty lines")
        if not line:
            return None
        self.requestline = line.rstrip(b"\r\n").decode("latin-1")
        if len(line) > _MAX_LINE:
            self.requestline = self.requestline[:80] + "..."
            raise _Refused(414, f"The request line is longer than {_MAX_LINE} bytes")
        if not line.endswith(b"\n"):
            raise _Refused(400, "The request ended inside its request line")
        return _without_line_end(line)

    def _parse(self, line: bytes) -> _Request:
        """The request line and the headers: method, target, version, framing, expectations."""
        words = line.split()
        if len(words) != 3:
            raise _Refused(400, "The request line must be: METHOD TARGET HTTP/1.1")
        method, target, version_text = words
        version = _VERSION.fullmatch(version_text)
        if version is None:
            raise _Refused(400, "The request line must end with HTTP/1.1 (or HTTP/1.0)")
        if version[1] != b"1":
            raise _Refused(
                505, f"{version_text.decode()} is not supported: this server speaks HTTP/1.1"
            )
        self.request_version = version_text.decode()
        if not _TOKEN.fullmatch(method):
            raise _Refused(400, "The method is not a valid token")
        self.command = method.decode()
        path, query = self._target(target)
        self._read_headers()
        request = _Request(self.command, path, query, (1, int(version[2])))
        self._framing(request)
        self._expect(request)
        return request

    def _target(self, target: bytes) -> tuple[str, str]:
        """The path and query of an origin-form, absolute-form or asterisk-form target."""
        if not _TARGET.fullmatch(target):
            raise _Refused(400, "The request target holds a character a URL cannot hold")
        text = target.decode("ascii")
        if text.startswith("/"):
            path, _, query = text.partition("?")
            return path, query
        if text == "*" and self.command == "OPTIONS":
            return text, ""
        if _ABSOLUTE_FORM.match(text):  # what a client talking to a proxy sends
            try:
                parts = urlsplit(text)
            except ValueError:
                parts = None
            if parts is not None and parts.scheme.lower() in ("http", "https") and parts.netloc:
                return parts.path or "/", parts.query
        raise _Refused(400, "The request target must be a path, such as /api/vps/v1/...")

    def _read_headers(self) -> None:
        """Read the header fields into ``self.headers``, refusing what RFC 9112 says to refuse."""
        headers = http.client.HTTPMessage()
        received = 0
        while True:
            line = self.rfile.readline(_MAX_LINE + 1)
            received += len(line)
            if len(line) > _MAX_LINE or received > _MAX_HEADER_BYTES:
                raise _Refused(431, "The request's header fields are too large")
            if not line.endswith(b"\n"):
                raise _Refused(400, "The request ended inside its headers")
            field = _without_line_end(line)
            if not field:
                break
            if len(headers) >= _MAX_HEADERS:
                raise _Refused(431, f"The request has more than {_MAX_HEADERS} header fields")
            if field[:1] in (b" ", b"\t"):
                raise _Refused(400, "A header line is folded (obs-fold): put it on one line")
            name, colon, value = field.partition(b":")
            if not colon or not _TOKEN.fullmatch(name):
                raise _Refused(400, "A header line is not 'Name: value'")
            value = value.strip(b" \t")
            if _FORBIDDEN_IN_VALUE.search(value):
                raise _Refused(400, "A header value holds a control character")
            headers[name.decode("ascii")] = value.decode("latin-1")
        self.headers = headers
        tokens = {
            token.strip().lower()
            for value in headers.get_all("Connection", [])
            for token in value.split(",")
        }
        if self.request_version == "HTTP/1.0":
            self.close_connection = "keep-alive" not in tokens or "close" in tokens
        else:
            self.close_connection = "close" in tokens

    def _framing(self, request: _Request) -> None:
        """Where the body ends: chunked, a Content-Length, or nothing (RFC 9112, section 6)."""
        codings = _list_header(self.headers.get_all("Transfer-Encoding", []))
        lengths = _list_header(self.headers.get_all("Content-Length", []))
        if self.headers.get_all("Transfer-Encoding"):
            if request.version < (1, 1):
                raise _Refused(400, "Transfer-Encoding is not allowed in an HTTP/1.0 request")
            if self.headers.get_all("Content-Length"):
                raise _Refused(
                    400, "A request cannot have both Content-Length and Transfer-Encoding"
                )
            if not codings or codings[-1].lower() != "chunked":
                raise _Refused(400, "Transfer-Encoding must end with chunked")
            if len(codings) > 1:
                raise _Refused(501, "Only the chunked transfer coding is supported")
            request.chunked = True
        elif self.headers.get_all("Content-Length"):
            if len(set(lengths)) != 1 or not _DIGITS.fullmatch(lengths[0]):
                raise _Refused(400, "Content-Length must be one whole number of bytes")
            if len(lengths[0]) > 18 or int(lengths[0]) > _MAX_BODY_BYTES:
                raise _Refused(413, f"The request body is larger than {_MAX_BODY_BYTES} bytes")
            request.length = int(lengths[0])

    def _expect(self, request: _Request) -> None:
        """Honour ``Expect: 100-continue`` before the body is read; refuse other expectations."""
        expectations = [value.lower() for value in _list_header(self.headers.get_all("Expect", []))]
        if not expectations:
            return
        if expectations != ["100-continue"]:
            raise _Refused(417, "The only expectation this server meets is 100-continue")
        if request.version >= (1, 1) and (request.chunked or request.length):
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()

    def _read_body(self, request: _Request) -> bytes:
        if request.chunked:
            return self._read_chunked()
        body = self.rfile.read(request.length) if request.length else b""
        if len(body) < request.length:
            raise _Refused(400, "The request ended before its Content-Length")
        return body

    def _read_chunked(self) -> bytes:
        """A chunked body, decoded; the trailer fields are read and dropped."""
        body = bytearray()
        while True:
            line = self.rfile.readline(_MAX_LINE + 1)
            if not line.endswith(b"\n"):
                raise _Refused(400, "The request ended inside its chunked body")
            size_line = _CHUNK_SIZE.fullmatch(_without_line_end(line))
            if size_line is None:
                raise _Refused(400, "A chunk size is not a hexadecimal number")
            size = int(size_line[1], 16)
            if size == 0:
                break
            if len(body) + size > _MAX_BODY_BYTES:
                raise _Refused(413, f"The request body is larger than {_MAX_BODY_BYTES} bytes")
            chunk = self.rfile.read(size)
            if len(chunk) < size:
                raise _Refused(400, "The request ended inside its chunked body")
            body += chunk
            if self.rfile.readline(_MAX_LINE + 1) not in (b"\r\n", b"\n"):
                raise _Refused(400, "A chunk is longer than its size says")
        for _ in range(_MAX_HEADERS + 1):
            line = self.rfile.readline(_MAX_LINE + 1)
            if not line.endswith(b"\n"):
                raise _Refused(400, "The request ended inside its chunked trailer")
            if line in (b"\r\n", b"\n"):
                return bytes(body)
        raise _Refused(431, "The request's trailer fields are too large")

    # -- the answer ----------------------------------------------------------------------------

    def _serve(self, request: _Request, body: bytes) -> None:
        fake = self.server.fake
        authorization = self._authorization()
        query = parse_qs(request.query, keep_blank_values=True)
        fake._record(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=query,
                headers={
                    name: (_REDACTED if name.lower() == "authorization" else value)
                    for name, value in self.headers.items()
                },
                body=body,
                received=time.monotonic(),
            )
        )
        try:
            response = fake.handle(request.method, request.path, query, authorization)
        except Exception as error:  # a bug in the fake: still an answer, as a real server gives
            _logger.warning(
                "The fake failed to answer %s %s", request.method, request.path, exc_info=True
            )
            response = FakeResponse(
                500, error_body(f"The fake failed to answer: {type(error).__name__}")
            )
        if response.delay and fake._stopping.wait(response.delay):
            self.close_connection = True
            return  # stopping: the client gets no answer, as from a server going away
        if response.drop == "before":
            self.close_connection = True
            return
        answer = response.body
        payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode("utf-8")
        self._send(response.status, payload, response.headers, drop=response.drop == "during")

    def _authorization(self) -> Optional[str]:
        """The Authorization header, its scheme's case normalised: RFC 9110 makes it insensitive."""
        values = self.headers.get_all("Authorization", [])
        if len(values) > 1:
            raise _Refused(400, "A request can carry only one Authorization header")
        if not values:
            return None
        scheme, space, credentials = values[0].partition(" ")
        if space and scheme.lower() == "bearer":
            return "Bearer " + credentials.lstrip(" ")
        return values[0]

    def _send(
        self, status: int, payload: bytes, headers: dict[str, str], *, drop: bool = False
    ) -> None:
        """Status line, headers and body; no body for HEAD, 1xx, 204 and 304."""
        if status in _NO_BODY_STATUSES:
            payload = b""  # a body here would be read as the start of the next response
        self.send_response(status)
        fields = {"Content-Type": "application/json", **headers}
        fields["Content-Length"] = str(len(payload))  # for HEAD, what GET would have sent
        for name, value in fields.items():
            self.send_header(name, value)
        if any(name.lower() == "connection" for name in fields):
            pass  # an injected fault's own, which send_header has taken into account
        elif self.close_connection:
            self.send_header("Connection", "close")
        elif self.request_version == "HTTP/1.0":
            self.send_header("Connection", "keep-alive")
        self.end_headers()
        if self.command == "HEAD":
            return
        if drop:
            self.wfile.write(payload[: len(payload) // 2])
            self.close_connection = True
            return
        self.wfile.write(payload)

    def send_error(
        self, code: int, message: Optional[str] = None, explain: Optional[str] = None
    ) -> None:
        """Every error as JSON with ``message`` and ``correlation_id``, then close the connection.

        The base class's HTML page would break every client that reads error bodies as JSON.
        """
        self.close_connection = True
        text = message or self.responses.get(code, ("Error",))[0]
        self._send(code, json.dumps(error_body(text)).encode("utf-8"), {})

    def log_message(self, format: str, *args: Any) -> None:
        _logger.info("%s %s", self.address_string(), format % args)


def _without_line_end(line: bytes) -> bytes:
    """A line without its CRLF (or bare LF, which RFC 9112 lets a recipient accept)."""
    if line.endswith(b"\r\n"):
        return line[:-2]
    return line[:-1] if line.endswith(b"\n") else line


def _list_header(values: list[str]) -> list[str]:
    """The elements of a comma-separated header, over all its lines, empty ones dropped."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]
