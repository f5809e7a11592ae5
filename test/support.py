"""Constants and helpers the tests share (imported as ``support``: ``test`` is a stdlib name)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hostinger_api.retry import RetryPolicy

VM = 1268054
TOKEN = "s3cret-token-never-shown"


@dataclass(frozen=True)
class RecordingPolicy(RetryPolicy):
    """A retry policy that records its waits instead of sleeping them: fast and exact tests."""

    slept: list[float] = field(default_factory=list, compare=False)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
