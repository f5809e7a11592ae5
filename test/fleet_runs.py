"""The fleet job's model, its runs: the job run in a scenario's fake, with a Ctrl-C from a timer
thread when the scenario asks for one, and what the test saw of it from outside."""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Optional

from fleet_scenarios import FAST, OPERATIONS, Scenario, Setup, selection
from hypothesis import reject

from hostinger_api import ApiClient, FleetInterrupted, FleetReport
from hostinger_api.retry import RetryPolicy


@dataclass
class Run:
    """What the job did, as the test saw it from outside."""

    began: float
    began_at: datetime
    returned: float = 0.0
    report: Optional[FleetReport] = None
    raised: Optional[BaseException] = None
    interrupted_at: Optional[float] = None  # when the Ctrl-C was delivered to the job


class CtrlC:
    """A Ctrl-C from a timer thread, delivered only while the job runs in the main thread.

    The signal's handler raises KeyboardInterrupt only while ``running``: a signal that arrives
    after the job returned is dropped, so it never escapes into the test.
    """

    def __init__(self, after: Optional[float]) -> None:
        self.after = after
        self.running = False
        self.delivered_at: Optional[float] = None
        self._previous: Any = None
        self._timer: Optional[threading.Timer] = None

    def __enter__(self) -> CtrlC:
        if self.after is not None:
            self._previous = signal.signal(signal.SIGINT, self._handle)
            main = threading.main_thread().ident
            assert main is not None

            def press() -> None:
                if self.running:
                    signal.pthread_kill(main, signal.SIGINT)

            self._timer = threading.Timer(self.after, press)
        return self

    def start(self) -> None:
        self.running = True
        if self._timer is not None:
            self._timer.start()

    def _handle(self, signum: int, frame: Any) -> None:
        if self.running and self.delivered_at is None:
            self.delivered_at = time.monotonic()
            raise KeyboardInterrupt

    def __exit__(self, *exc_info: object) -> None:
        self.running = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer.join()
            signal.signal(signal.SIGINT, self._previous)


def raised_inside_the_package(error: BaseException) -> bool:
    """Whether the exception went through code of ``hostinger_api`` (not only the test's)."""
    package = os.sep + "hostinger_api" + os.sep
    trace = error.__traceback__
    while trace is not None:
        if package in trace.tb_frame.f_code.co_filename:
            return True
        trace = trace.tb_next
    return False


def run_job(scenario: Scenario, setup: Setup) -> Run:
    function = OPERATIONS[scenario.operation][0]
    fake = setup.fake
    arguments: dict[str, Any] = dict(FAST)
    arguments.update(concurrency=scenario.concurrency, wait=scenario.wait, timeout=scenario.timeout)
    if setup.confirmed is not None:
        arguments["vms"] = setup.confirmed
    else:
        arguments.update(selection(scenario))
    if scenario.fresh_within is not None:
        arguments["fresh_within"] = scenario.fresh_within
    configuration = fake.configuration()
    configuration.retries = RetryPolicy(total=3, backoff_factor=0.02, backoff_max=0.1, max_wait=3.0)
    configuration.connect_timeout = 2.0
    configuration.read_timeout = 10.0
    threads_before = set(threading.enumerate())
    with ApiClient(configuration) as client, CtrlC(scenario.interrupt_after) as ctrl_c:
        run = Run(began=time.monotonic(), began_at=datetime.now(timezone.utc))
        returned: list[FleetReport] = []
        try:
            ctrl_c.start()
            try:
                returned.append(function(client, **arguments))
            finally:
                ctrl_c.running = False
                run.returned = time.monotonic()
        except FleetInterrupted as interrupted:
            run.report = interrupted.report
            run.raised = interrupted
        except KeyboardInterrupt as pressed:
            if raised_inside_the_package(pressed):  # the job let it out bare
                run.raised = pressed
            else:  # in this frame: the Ctrl-C came after the job returned
                ctrl_c.delivered_at = None
                reject()  # its report may be lost: a scenario to draw again
        except Exception as error:  # checked below: only the list of VMs may fail the job
            run.raised = error
        if returned:
            run.report = returned[0]
        run.interrupted_at = ctrl_c.delivered_at
        # Let the job's threads end (a straggler would send now), then look a moment longer.
        quiet = time.monotonic() + (2.0 if run.interrupted_at is not None else 1.0)
        while time.monotonic() < quiet and any(
            thread.is_alive() and thread.name.startswith("hostinger-fleet")
            for thread in set(threading.enumerate()) - threads_before
        ):
            time.sleep(0.01)
        time.sleep(0.05)
    return run
