"""A loopback HTTP/1.1 keep-alive server, fast enough that the client under test is the bottleneck.

It answers every request from canned bytes: the snapshot of ``../shared/API-FACTS.md`` for a GET
of a snapshot, its action for a POST, another action for a GET of an action. It reads just
enough of each request to find where it ends (headers, and a body by Content-Length), so one
process serves many keep-alive connections with little CPU. Run with ``python bench/server.py``:
it prints its port on stdout and serves until killed. ``--delay-ms N`` holds each answer back for
N milliseconds, as a distant server would, without holding up the other connections.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

SNAPSHOT = {
    "id": 325,
    "restore_time": 1800,
    "created_at": "2025-02-27T11:54:22Z",
    "expires_at": "2025-03-19T11:54:22Z",
}
ACTION = {
    "id": 8123712,
    "name": "create_snapshot",
    "state": "created",
    "created_at": "2025-02-27T11:54:22Z",
    "updated_at": "2025-02-27T11:54:22Z",
}


def _response(body: object, status: str = "200 OK") -> bytes:
    payload = json.dumps(body).encode()
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


ANSWERS = {
    (b"GET", b"snapshot"): _response(SNAPSHOT),
    (b"POST", b"snapshot"): _response(ACTION),
    (b"GET", b"action"): _response({**ACTION, "state": "success"}),
}
NOT_FOUND = _response({"message": "Not found", "correlation_id": "bench"}, "404 Not Found")


def answer(request_line: bytes) -> bytes:
    method, _, rest = request_line.partition(b" ")
    path = rest.split(b" ", 1)[0].split(b"?", 1)[0]
    if path.endswith(b"/snapshot"):
        return ANSWERS.get((method, b"snapshot"), NOT_FOUND)
    if b"/actions/" in path:
        return ANSWERS.get((method, b"action"), NOT_FOUND)
    return NOT_FOUND


class Connection(asyncio.Protocol):
    """One keep-alive connection: answers each complete request once it has arrived."""

    delay = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        replies = []
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = self.buffer[:end]
            length = 0
            marker = head.lower().find(b"content-length:")
            if marker >= 0:
                length = int(head[marker + 15 :].split(b"\r\n", 1)[0])
            if len(self.buffer) < end + 4 + length:
                break
            self.buffer = self.buffer[end + 4 + length :]
            replies.append(answer(head.split(b"\r\n", 1)[0]))
        if not replies:
            return
        answer_bytes = b"".join(replies)
        if self.delay:
            loop = asyncio.get_running_loop()
            loop.call_later(self.delay, self.transport.write, answer_bytes)  # type: ignore[attr-defined]
        else:
            self.transport.write(answer_bytes)  # type: ignore[attr-defined]


async def serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Connection, "127.0.0.1", 0, backlog=128)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="A fast loopback server for the benchmark.")
    parser.add_argument("--delay-ms", type=float, default=0.0, help="hold each answer back")
    Connection.delay = parser.parse_args().delay_ms / 1000
    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        sys.exit(0)
