"""wait_for_action against the fake, with short action durations."""

from __future__ import annotations

import math
import threading
import time

import pytest
from support import VM, RecordingPolicy

from hostinger_api import (
    ActionFailedError,
    ActionTimeoutError,
    ApiClient,
    ApiTimeoutError,
    ApiTypeError,
    ApiValueError,
    NotFoundException,
    OpenApiException,
    ServiceException,
    VPSActionsApi,
    poll_action,
    wait_for_action,
    waiters,
)
from hostinger_api.testing import faults

FAST = {"poll_interval": 0.02, "max_poll_interval": 0.05}


def test_it_returns_the_finished_action_and_reports_each_state(fake, api_client, snapshots):
    fake.action_seconds = 0.3
    action = snapshots.create_snapshot_v1(VM)
    seen = []

    finished = wait_for_action(api_client, VM, action, timeout=10, on_change=seen.append, **FAST)

    assert (finished.id, finished.state) == (action.id, "success")
    states = [a.state for a in seen]
    assert states[-1] == "success"
    assert states == sorted(set(states), key=["created", "sent", "started", "success"].index)
    assert fake.snapshot(VM) is not None


def test_it_takes_an_actions_api_and_an_action_id(fake, actions, snapshots):
    action_id = snapshots.create_snapshot_v1(VM).id
    assert wait_for_action(actions, VM, action_id, **FAST).state == "success"


def test_a_failed_action_raises_with_the_action(fake, api_client, snapshots):
    fake.add_vm(VM, fail_actions=True)
    action = snapshots.create_snapshot_v1(VM)
    with pytest.raises(
        ActionFailedError, match=f"Action {action.id} .* ended in state 'error'"
    ) as caught:
        wait_for_action(api_client, VM, action, **FAST)
    assert caught.value.action.state == "error"
    assert fake.snapshot(VM) is None, "a failed create leaves no snapshot"


def test_a_stuck_action_times_out_within_the_bound(fake, api_client, snapshots):
    fake.add_vm(VM, action_seconds=math.inf)
    action = snapshots.create_snapshot_v1(VM)
    started = time.monotonic()
    with pytest.raises(ActionTimeoutError, match=r"was still 'created' after 0\.3 s") as caught:
        wait_for_action(api_client, VM, action, timeout=0.3, **FAST)
    assert time.monotonic() - started < 10, "the wait ends at its timeout, not much later"
    assert caught.value.action.id == action.id


def test_unknown_states_count_as_running(fake, api_client, snapshots):
    action = snapshots.create_snapshot_v1(VM)
    unknown = {"id": action.id, "name": "create_snapshot", "state": "thinking"}
    fake.respond_with(200, unknown, times=2)
    seen = []
    finished = wait_for_action(api_client, VM, action, on_change=seen.append, **FAST)
    assert finished.state == "success"
    assert [a.state for a in seen] == ["thinking", "success"]


@pytest.mark.parametrize(
    ("arguments", "error", "name"),
    [
        ({"virtual_machine_id": 0}, ApiValueError, "virtual_machine_id"),
        ({"action": "5"}, ApiTypeError, "action_id"),
        ({"timeout": 0}, ApiValueError, "timeout"),
        ({"poll_interval": -1}, ApiValueError, "poll_interval"),
        ({"max_poll_interval": "x"}, ApiTypeError, "max_poll_interval"),
    ],
)
def test_bad_arguments_are_refused_before_polling(fake, api_client, arguments, error, name):
    call = {"client": api_client, "virtual_machine_id": VM, "action": 1, **arguments}
    with pytest.raises(error, match=name):
        wait_for_action(**call)
    assert fake.requests == []


def test_the_wait_uses_the_given_client(fake, api_client, snapshots):
    action = snapshots.create_snapshot_v1(VM)
    fake.clear_requests()
    wait_for_action(VPSActionsApi(api_client), VM, action, **FAST)
    assert [r.path for r in fake.requests] == [
        f"/api/vps/v1/virtual-machines/{VM}/actions/{action.id}"
    ]


def test_poll_action_yields_every_poll_and_the_last_one_succeeded(fake, api_client, snapshots):
    fake.action_seconds = 0.2
    action = snapshots.create_snapshot_v1(VM)
    polls = list(poll_action(api_client, VM, action, **FAST))
    assert len(polls) == len(fake.requests) - 1, "one yield per GET the fake saw"
    assert len(polls) >= 3
    assert polls[-1].state == "success"
    assert all(not p.is_finished() for p in polls[:-1])


def test_poll_action_yields_the_failed_action_then_raises(fake, api_client, snapshots):
    fake.add_vm(VM, fail_actions=True)
    action = snapshots.create_snapshot_v1(VM)
    polls = poll_action(api_client, VM, action, **FAST)
    assert next(polls).state == "error"
    with pytest.raises(ActionFailedError):
        next(polls)


def test_poll_action_checks_its_arguments_when_called(fake, api_client):
    with pytest.raises(ApiValueError, match="timeout"):
        poll_action(api_client, VM, 1, timeout=-1)
    assert fake.requests == []


def test_a_poll_that_hangs_is_cut_at_the_timeout(fake, api_client, snapshots):
    fake.add_vm(VM, action_seconds=math.inf)
    action = snapshots.create_snapshot_v1(VM)
    fake.inject(faults.slow(30), method="GET")  # every poll hangs far past the wait's timeout
    started = time.monotonic()
    with pytest.raises(ActionTimeoutError, match=r"was never seen after 0\.5 s") as caught:
        wait_for_action(api_client, VM, action, timeout=0.5, **FAST)
    assert time.monotonic() - started < 5, "not the 60 s read timeout, nor its retries"
    assert caught.value.action is None
    assert isinstance(caught.value.__cause__, ApiTimeoutError)


def test_retries_of_a_poll_stop_at_the_timeout(fake, api_client, snapshots):
    fake.add_vm(VM, action_seconds=math.inf)
    action = snapshots.create_snapshot_v1(VM)
    fake.inject(faults.error(503, headers={"Retry-After": "0.2"}), method="GET", times=1000)
    started = time.monotonic()
    with pytest.raises(ActionTimeoutError, match="never seen") as caught:
        wait_for_action(api_client, VM, action, timeout=0.5, **FAST)
    assert time.monotonic() - started < 5
    # The last poll met a 503, or (sent as time ran out) the deadline itself.
    assert isinstance(caught.value.__cause__, (ServiceException, ApiTimeoutError))
    assert fake.pending_faults() > 0, "the 503s went on to the end"


def test_an_outage_shorter_than_the_wait_does_not_end_it(fake, snapshots, caplog):
    action = snapshots.create_snapshot_v1(VM)
    fake.inject(faults.error(503), method="GET", times=8)  # more than one poll's 5 attempts
    configuration = fake.configuration()
    configuration.retries = RecordingPolicy()  # the client's retries, without their sleeps
    with ApiClient(configuration) as client, caplog.at_level("WARNING", logger="hostinger_api"):
        finished = wait_for_action(client, VM, action, timeout=60, **FAST)
    assert finished.state == "success"
    assert fake.pending_faults() == 0
    assert f"Polling action {action.id} failed ((503)" in caplog.text


def test_a_poll_that_fails_for_good_in_time_raises_its_error(fake, api_client, snapshots):
    fake.add_vm(VM, action_seconds=math.inf)
    action = snapshots.create_snapshot_v1(VM)
    fake.inject(faults.error(404), method="GET")
    with pytest.raises(NotFoundException):
        wait_for_action(api_client, VM, action, timeout=30, **FAST)


def test_ctrl_c_is_not_swallowed(fake, api_client, snapshots, monkeypatch):
    fake.add_vm(VM, action_seconds=math.inf)
    action = snapshots.create_snapshot_v1(VM)

    def interrupted(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(waiters._NEVER, "wait", interrupted)  # Ctrl-C between two polls
    with pytest.raises(KeyboardInterrupt):
        wait_for_action(api_client, VM, action, **FAST)


def test_the_failed_and_timed_out_errors_are_openapi_exceptions():
    assert issubclass(ActionFailedError, OpenApiException)
    assert issubclass(ActionTimeoutError, OpenApiException)


def test_a_stop_ends_the_polls_without_raising_and_sends_no_more(fake, api_client, snapshots):
    fake.add_vm(VM, action_seconds=math.inf)
    action = snapshots.create_snapshot_v1(VM)
    stop = threading.Event()
    polls = poll_action(api_client, VM, action, timeout=30, poll_interval=5, stop=stop)
    assert next(polls).state == "created"
    threading.Timer(0.2, stop.set).start()
    started = time.monotonic()
    assert list(polls) == []  # the 5 s wait ends when stop is set; no poll follows
    assert time.monotonic() - started < 4
    assert [request.method for request in fake.requests] == ["POST", "GET"]


def test_a_stop_set_before_the_first_poll_sends_nothing(fake, api_client, snapshots):
    action = snapshots.create_snapshot_v1(VM)
    stop = threading.Event()
    stop.set()
    assert list(poll_action(api_client, VM, action, stop=stop)) == []
    assert [request.method for request in fake.requests] == ["POST"]
