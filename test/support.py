"""Constants and helpers the tests share (imported as ``support``: ``test`` is a stdlib name)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hostinger_api import ApiClient, Configuration, VPSSnapshotsApi
from hostinger_api.retry import RetryPolicy
from hostinger_api.testing import FakeHostingerApi

VM = 1268054
TOKEN = "s3cret-token-never-shown"
SNAPSHOT_PATH = "/api/vps/v1/virtual-machines/{}/snapshot"


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


class Fake(FakeHostingerApi):
    """The fake, keeping the status of every answer: a POST refused by the rate limit (429,
    sent again by the client's retry policy) never reached the service."""

    def __init__(self, **settings) -> None:
        super().__init__(**settings)
        self.answered: list[tuple[str, str, int]] = []

    def handle(self, method, path, query, authorization):
        response = super().handle(method, path, query, authorization)
        self.answered.append((method, path, response.status))
        return response

    def clear_requests(self) -> None:
        super().clear_requests()
        self.answered.clear()


def posts(fake: Fake, vm: int, suffix: str = "") -> int:
    """How many POSTs for this VM's snapshot (``/restore`` with the suffix) the service got:
    the rate limit's 429s aside, whatever the service (or an injected fault) did with them."""
    path = SNAPSHOT_PATH.format(vm) + suffix
    return sum(1 for m, p, status in fake.answered if (m, p) == ("POST", path) and status != 429)


def get_snapshot(configuration: Configuration) -> int:
    """The snapshot id of ``VM``, through a client made for this one call."""
    with ApiClient(configuration) as api_client:
        snapshot = VPSSnapshotsApi(api_client).get_snapshot_v1(VM)
    assert snapshot.id is not None
    return snapshot.id
