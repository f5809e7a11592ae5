"""The fleet job's worker pool: the VMs handed to worker threads, their results, Ctrl-C.

Up to ``concurrency`` VMs are worked on at once, in worker threads that share the client (and
so its rate limit); each VM's steps are ``_vm.VmRun``'s. The whole job holds to ``timeout``.
Every request a worker makes is inside ``stop_on(job.stop)`` and ``stop_on(job.refused)``: once
Ctrl-C was pressed, or the token refused, no request of the job leaves the client, and one that
only waits (in the rate gate, between attempts) ends at once.

On Ctrl-C the job stops starting VMs, waits briefly for requests already on the wire, and
reports the VMs in flight as ``interrupted``, with their action.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Optional

from hostinger_api._checks import positive_seconds
from hostinger_api.api_client import ApiClient
from hostinger_api.exceptions import ApiTypeError, ApiValueError
from hostinger_api.fleet._select import (
    DEFAULT_CONCURRENCY,
    Match,
    Vm,
    VmEntries,
    VmIds,
    check_client,
    check_concurrency,
    check_fresh_within,
    check_match,
    check_vms,
    chosen_vms,
)
from hostinger_api.fleet._shared import (
    CLOCK_SLACK,
    CREATE,
    DEFAULT_TIMEOUT,
    DELETE,
    FIRST_POLL_SECONDS,
    INTERRUPT_GRACE,
    LOOKUP_SECONDS,
    RESTORE,
    Operation,
    Shared,
)
from hostinger_api.fleet._vm import VmRun
from hostinger_api.fleet.report import (
    FleetInterrupted,
    FleetProgress,
    FleetReport,
    OnProgress,
    VmResult,
)
from hostinger_api.retry import deadline, stop_on

__all__ = [
    "CLOCK_SLACK",
    "CREATE",
    "DEFAULT_TIMEOUT",
    "DELETE",
    "FIRST_POLL_SECONDS",
    "INTERRUPT_GRACE",
    "LOOKUP_SECONDS",
    "RESTORE",
    "Job",
    "Operation",
    "VmRun",
]

_TICK = 1.0


@dataclass
class Job(Shared):
    """One run: the settings, the VMs, and what each worker is doing."""

    entries: VmEntries = None
    patterns: Optional[list[str]] = None
    concurrency: int = DEFAULT_CONCURRENCY
    on_progress: Optional[OnProgress] = None
    in_flight: dict[int, VmRun] = field(default_factory=dict)
    finished: dict[int, VmResult] = field(default_factory=dict)
    """Every result, kept by the worker that made it: a Ctrl-C that lands while the main
    thread takes one from the queue cannot lose it."""

    @classmethod
    def checked(
        cls,
        operation: Operation,
        client: ApiClient,
        *,
        vms: VmIds,
        match: Match,
        concurrency: int,
        wait: bool,
        timeout: float,
        on_progress: Optional[OnProgress],
        fresh_within: Optional[timedelta],
        poll_interval: float,
        max_poll_interval: float,
        dry_run: bool = False,
    ) -> Job:
        """The job with these arguments, all checked before anything is sent.

        The checks run in one order for every operation, so that the first bad argument
        named is the same whichever function was called.
        """
        fresh_within = check_fresh_within(fresh_within)
        check_client(client)
        entries, patterns = check_vms(vms), check_match(match)
        if operation.needs_snapshot and entries is None and patterns is None:
            raise ApiValueError(
                f"{operation.verb}_snapshots needs vms or match: pass match='*' to "
                f"{operation.verb} the snapshot of every VM of the account"
            )
        if not isinstance(wait, bool):
            raise ApiTypeError(f"wait must be True or False, not {type(wait).__name__}")
        if not isinstance(dry_run, bool):
            raise ApiTypeError(f"dry_run must be True or False, not {type(dry_run).__name__}")
        if on_progress is not None and not callable(on_progress):
            raise ApiTypeError(f"on_progress must be callable, not {type(on_progress).__name__}")
        concurrency = check_concurrency(concurrency)
        timeout = positive_seconds("timeout", timeout)
        poll_interval = positive_seconds("poll_interval", poll_interval)
        max_poll_interval = positive_seconds("max_poll_interval", max_poll_interval)
        return cls(
            operation=operation,
            client=client,
            entries=entries,
            patterns=patterns,
            concurrency=concurrency,
            wait=wait,
            timeout=timeout,
            on_progress=on_progress,
            fresh_within=fresh_within,
            poll_interval=poll_interval,
            max_poll_interval=max(poll_interval, max_poll_interval),
            dry_run=dry_run,
        )

    def run(self) -> FleetReport:
        started = time.monotonic()
        self.ends = started + self.timeout
        with deadline(self.timeout):
            targets = chosen_vms(self.client, self.entries, self.patterns)
        results: list[Optional[VmResult]] = [None] * len(targets)
        work: queue.SimpleQueue[int] = queue.SimpleQueue()
        for index in range(len(targets)):
            work.put(index)
        done: queue.SimpleQueue[tuple[int, VmResult]] = queue.SimpleQueue()
        workers = [
            threading.Thread(
                target=self._work,
                args=(targets, work, done),
                name=f"hostinger-fleet-{number}",
                daemon=True,  # after Ctrl-C a worker may sleep out a poll: never wait for it
            )
            for number in range(min(self.concurrency, len(targets)))
        ]
        ended = 0
        try:  # a Ctrl-C while the workers start stops those started, as any other
            for worker in workers:
                worker.start()
            while ended < len(targets):
                try:
                    index, result = done.get(timeout=_TICK)
                except queue.Empty:
                    self._progress(None, results, started)
                    continue
                results[index] = result
                ended += 1
                self._progress(result, results, started)
        except BaseException as stopped:
            report = self._interrupted(targets, results, done, started)
            if isinstance(stopped, KeyboardInterrupt):
                raise FleetInterrupted(report) from None
            raise
        return FleetReport(
            self.operation.verb,
            [result for result in results if result is not None],
            time.monotonic() - started,
        )

    def _work(
        self,
        targets: list[Vm],
        work: queue.SimpleQueue[int],
        done: queue.SimpleQueue[tuple[int, VmResult]],
    ) -> None:
        with stop_on(self.stop), stop_on(self.refused):
            while not self.stop.is_set():
                try:
                    index = work.get_nowait()
                except queue.Empty:
                    return
                run = VmRun(self, targets[index])
                with self.lock:
                    if self.stop.is_set():
                        return
                    self.in_flight[index] = run
                result = run.result()
                with self.lock:  # all at once: on Ctrl-C the job sees the VM in flight, or done
                    self.in_flight.pop(index, None)
                    self.finished[index] = result
                    done.put((index, result))

    def _progress(
        self, result: Optional[VmResult], results: list[Optional[VmResult]], started: float
    ) -> None:
        if self.on_progress is None:
            return
        ended = [r for r in results if r is not None]
        with self.lock:
            in_flight = len(self.in_flight)
        self.on_progress(
            FleetProgress(
                result=result,
                summary=FleetReport(self.operation.verb, ended, 0.0).summary,
                in_flight=in_flight,
                left=max(len(results) - len(ended) - in_flight, 0),
                total=len(results),
                elapsed=time.monotonic() - started,
            )
        )

    def _interrupted(
        self,
        targets: list[Vm],
        results: list[Optional[VmResult]],
        done: queue.SimpleQueue[tuple[int, VmResult]],
        started: float,
    ) -> FleetReport:
        """Stop starting VMs; let requests on the wire answer; report the rest ``interrupted``.

        A request that only waits (in the rate gate, between attempts) ends at once when
        ``stop`` is set, so the wait here is for answers to requests really sent.
        """
        with self.lock:
            self.stop.set()
        grace_ends = time.monotonic() + INTERRUPT_GRACE
        try:
            while self._sending() and time.monotonic() < grace_ends:
                try:
                    index, result = done.get(timeout=0.05)
                except queue.Empty:
                    continue
                results[index] = result
        except KeyboardInterrupt:
            pass  # a second Ctrl-C: report at once
        with self.lock:
            runs = dict(self.in_flight)
            for index, result in self.finished.items():
                results[index] = result
        final = []
        for index, target in enumerate(targets):
            ended = results[index]
            if ended is None:
                run = runs.get(index) or VmRun(self, target)
                ended = run.interrupted()
            final.append(ended)
        return FleetReport(self.operation.verb, final, time.monotonic() - started, interrupted=True)

    def _sending(self) -> bool:
        with self.lock:
            return any(run.sending for run in self.in_flight.values())
