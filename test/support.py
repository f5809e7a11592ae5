"""Constants and helpers the tests share (imported as ``support``: ``test`` is a stdlib name)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hostinger_api.retry import RetryPolicy

VM = 1268054
TOKEN = "s3cret-token-never-shown"


@dataclass(frozen=True)
class RecordingPolicy(RetryPolicy):
    """A retry policy that records its waits instead of sleeping them: fast and exact tests."""

    slept: list[float] = field(default_factory=list, compare=False)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def in_threads(count: int, work: Callable[[], Any]) -> list[Any]:
    """Run ``work`` in ``count`` threads at once: what each returned, or the exception it raised."""
    outcomes: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            outcomes[index] = work()
        except BaseException as error:  # handed back to the test, which asserts on it
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
