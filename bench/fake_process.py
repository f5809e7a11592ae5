"""A fake Hostinger API in a process of its own, for the benchmarks that time a fleet.

The benchmark script runs itself with ``--serve`` and its settings; that process prints the
fake's URL, then answers each ``stats`` line on its standard input with one JSON line, and ends
when its standard input closes. Its CPU is not the client's, so it does not skew the timing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


class FakeProcess:
    """A fresh fake, served by ``script --serve ARGUMENTS`` in a subprocess."""

    def __init__(self, script: str, arguments: list[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(script)), "--serve", *arguments],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://"):
            raise SystemExit("the fake did not start")

    def stats(self) -> dict[str, Any]:
        """What the fake counted so far (requests, refusals, ...), as its ``--serve`` prints."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        return dict(json.loads(self.process.stdout.readline()))

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
