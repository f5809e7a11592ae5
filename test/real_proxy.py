"""A real HTTP proxy (proxy.py, from PyPI) in a subprocess, recording what reaches it.

Imported by the tests as ``real_proxy``, and by the proxy process itself for its plugin:
``RecordingAuthPlugin`` runs where proxy.py checks credentials, so it sees every request the
proxy receives (CONNECT included, refused ones included) and writes one JSON line for each.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Optional

from proxy.http.parser import HttpParser
from proxy.http.proxy.auth import AuthPlugin

_LOG_VARIABLE = "RECORDING_PROXY_LOG"
_START_SECONDS = 20.0
_STOP_SECONDS = 10.0


class RecordingAuthPlugin(AuthPlugin):
    """proxy.py's basic-auth check, after writing down the request it is asked to pass."""

    def before_upstream_connection(self, request: HttpParser) -> Optional[HttpParser]:
        headers = {
            key.decode("latin-1"): value.decode("latin-1")
            for key, value in (request.headers or {}).values()
        }
        line = {
            "method": (request.method or b"").decode("latin-1"),
            "target": (request.path or b"").decode("latin-1"),
            "host": (request.host or b"").decode("latin-1"),
            "port": request.port,
            "headers": headers,
        }
        with open(os.environ[_LOG_VARIABLE], "a", encoding="utf-8") as log:
            log.write(json.dumps(line) + "\n")
        return super().before_upstream_connection(request)


@dataclass(frozen=True)
class SeenRequest:
    """One request as the proxy received it, before it checked the credentials."""

    method: str
    target: str
    host: str
    port: Optional[int]
    headers: dict[str, str]

    def header(self, name: str) -> Optional[str]:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


class RealProxy:
    """``python -m proxy`` on 127.0.0.1 and a free port; with ``auth``, it demands basic auth.

    ``options`` are more of proxy.py's options, for example a plugin that refuses some hosts.

    A context manager: the process is stopped on exit, however the block ends.
    """

    def __init__(
        self, directory: Path, auth: Optional[str] = None, options: Sequence[str] = ()
    ) -> None:
        self.directory = directory
        self.auth = auth
        self.options = list(options)  # more of proxy.py's command-line options
        self.log_file = directory / "requests.jsonl"
        self.output_file = directory / "proxy.log"
        self._process: Optional[subprocess.Popen[bytes]] = None
        self.port = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def __enter__(self) -> RealProxy:
        port_file = self.directory / "port"
        self.log_file.write_text("")
        arguments = [
            sys.executable,
            "-m",
            "proxy",
            "--hostname",
            "127.0.0.1",
            "--port",
            "0",
            "--port-file",
            str(port_file),
            "--threaded",
            "--num-acceptors",
            "1",
            "--num-workers",
            "1",
            "--auth-plugin",
            f"{__name__}.RecordingAuthPlugin",
            "--log-file",
            str(self.output_file),
        ]
        if self.auth is not None:
            arguments += ["--basic-auth", self.auth]
        arguments += self.options
        environment = {
            **os.environ,
            _LOG_VARIABLE: str(self.log_file),
            "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), *sys.path]),
        }
        self._process = subprocess.Popen(
            arguments,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its acceptor processes are stopped with it
        )
        try:
            self.port = self._wait_for_port(port_file)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _wait_for_port(self, port_file: Path) -> int:
        assert self._process is not None
        ends = time.monotonic() + _START_SECONDS
        while time.monotonic() < ends:
            if self._process.poll() is not None:
                raise RuntimeError(f"proxy.py exited: {self.output_text()[-2000:]}")
            text = port_file.read_text().strip() if port_file.exists() else ""
            if text:
                return int(text.split()[0])
            time.sleep(0.02)
        raise RuntimeError(f"proxy.py did not listen within {_START_SECONDS} s")

    def stop(self) -> None:
        """Stop the proxy and its children; safe to call twice."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=_STOP_SECONDS)

    def clear(self) -> None:
        """Forget what the proxy saw so far (its log file starts over)."""
        self.log_file.write_text("")
        self.output_file.write_text("")

    def seen(self) -> list[SeenRequest]:
        """Every request the proxy received so far, in order."""
        return [
            SeenRequest(**json.loads(line))
            for line in self.log_file.read_text(encoding="utf-8").splitlines()
            if line
        ]

    def output_text(self) -> str:
        """What proxy.py logged (its access log among it)."""
        return self.output_file.read_text(errors="replace") if self.output_file.exists() else ""

    def logged(self, text: str, within: float = 5.0) -> bool:
        """Whether proxy.py logs ``text`` within ``within`` seconds (it logs a request at close)."""
        ends = time.monotonic() + within
        while text not in self.output_text():
            if time.monotonic() > ends:
                return False
            time.sleep(0.02)
        return True

    def everything_it_saw(self) -> str:
        """All the proxy recorded and logged, as one text to search for secrets."""
        return self.log_file.read_text(encoding="utf-8") + self.output_text()
