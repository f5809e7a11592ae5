"""create/restore/delete_snapshots against the fake: fleets in mixed states, faults, Ctrl-C.

Every test counts the requests that reached the fake: a VM's POST is never sent twice.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Optional

import pytest
from support import TOKEN, Fake, posts

from hostinger_api import (
    ApiClient,
    ApiTypeError,
    ApiValueError,
    FleetInterrupted,
    FleetProgress,
    FleetReport,
    NotFoundException,
    Outcome,
    ServiceException,
    VmResult,
    VPSV1ActionActionResource,
    create_snapshots,
    delete_snapshots,
    restore_snapshots,
)
from hostinger_api.fleet import duration_text, select_vms
from hostinger_api.testing import FakeHostingerApi, Fault, faults

FAST = {"poll_interval": 0.05, "max_poll_interval": 0.1}
PATH = "/api/vps/v1/virtual-machines/{}/snapshot"


def start_action(fake: FakeHostingerApi, vm: int, suffix: str = "") -> int:
    """Start a create (a restore, with the suffix) behind the client's back: not in requests."""
    answer = FakeHostingerApi.handle(fake, "POST", PATH.format(vm) + suffix, {}, f"Bearer {TOKEN}")
    assert answer.status == 200, answer.body
    return int(answer.body["id"])


def outcomes(report: FleetReport) -> dict[int, str]:
    return {result.vm_id: result.outcome.value for result in report.results}


def vm(vm_id: int, **attributes) -> dict:
    return {"id": vm_id, "hostname": f"web-{vm_id}.example.com", **attributes}


# -- the nightly job: 60 VMs in every situation -------------------------------------------------

SUCCEED = list(range(101, 131))
NOT_SETTLED = {131: "suspended", 132: "error", 133: "stopping"}
FAIL = [134, 135, 136]
DROPPED_PERFORMED, DROPPED_NOT_PERFORMED, SERVER_ERROR, BROKEN_BODY = 137, 138, 139, 140
LOCKED_BY_ACTION = [141, 142]
LOCKED_OUTSIDE = 143
FRESH = list(range(145, 151))
STALE = list(range(151, 161))


@pytest.fixture
def fleet():
    """60 VMs behind a rate limit: running and stopped, unsettled, failing, faulty, locked,
    with fresh and stale snapshots."""
    specs = [vm(i, state="running" if i % 2 else "stopped") for i in SUCCEED]
    specs += [vm(i, state=state) for i, state in NOT_SETTLED.items()]
    specs += [vm(i, fail_actions=True) for i in FAIL]
    specs += [vm(i) for i in (DROPPED_PERFORMED, DROPPED_NOT_PERFORMED, SERVER_ERROR, BROKEN_BODY)]
    specs += [vm(i, action_seconds=0.4) for i in LOCKED_BY_ACTION]
    specs += [vm(LOCKED_OUTSIDE, locked=True), vm(144)]
    specs += [vm(i) for i in FRESH + STALE]
    limit = {"rate_limit": (100, 1.0), "block_after": 50}
    with Fake(token=TOKEN, vms=specs, action_seconds=0.1, **limit) as fake:
        for i in FRESH:
            fake.set_snapshot(i, created_at=datetime.now(timezone.utc) - timedelta(hours=3))
        for i in STALE + LOCKED_BY_ACTION:
            fake.set_snapshot(i, created_at=datetime.now(timezone.utc) - timedelta(days=2))
        yield fake


def test_the_nightly_job_reports_every_vm_and_sends_each_post_at_most_once(fleet):
    fleet.inject(faults.dropped_connection(), vm=DROPPED_PERFORMED, method="POST")
    fleet.inject(Fault(drop="before"), vm=DROPPED_NOT_PERFORMED, method="POST")
    fleet.inject(faults.error(500), vm=SERVER_ERROR, method="POST")
    fleet.inject(faults.malformed_json(), vm=BROKEN_BODY, method="POST")
    fleet.add_vm(144, action_seconds=0.1)
    locking = {i: start_action(fleet, i, "/restore") for i in LOCKED_BY_ACTION}
    assert fleet.vm(LOCKED_BY_ACTION[0])["state"] == "restoring"
    threading.Timer(0.5, lambda: fleet.add_vm(LOCKED_OUTSIDE, locked=False)).start()
    seen: list[FleetProgress] = []

    with ApiClient(fleet.configuration()) as client:
        report = create_snapshots(
            client, fresh_within=timedelta(hours=20), on_progress=seen.append, **FAST
        )

    got = outcomes(report)
    assert list(got) == list(range(101, 161)), "one result per VM, in the account's order"
    expected = dict.fromkeys(SUCCEED + STALE + LOCKED_BY_ACTION, "succeeded")
    expected.update(dict.fromkeys(NOT_SETTLED, "skipped"))
    expected.update(dict.fromkeys(FAIL, "failed"))
    expected.update(dict.fromkeys(FRESH, "skipped"))
    expected.update(
        {
            DROPPED_PERFORMED: "succeeded",
            DROPPED_NOT_PERFORMED: "unknown",
            SERVER_ERROR: "error",
            BROKEN_BODY: "succeeded",
            LOCKED_OUTSIDE: "succeeded",
            144: "succeeded",
        }
    )
    assert got == expected
    assert report.summary == {
        "succeeded": 46,
        "failed": 3,
        "timed_out": 0,
        "error": 1,
        "skipped": 9,
        "started": 0,
        "unknown": 1,
        "interrupted": 0,
        "planned": 0,
    }
    assert sum(report.summary.values()) == 60
    sent = {i: posts(fleet, i) for i in range(101, 161)}
    assert sent == {i: 0 if expected[i] == "skipped" else 1 for i in range(101, 161)}

    by_id = {result.vm_id: result for result in report.results}
    assert (
        by_id[131].reason == "state is 'suspended': snapshots are for running or stopped VMs only"
    )
    assert by_id[145].reason.startswith("snapshot from ")
    assert by_id[145].reason.endswith("is newer than 20h")
    assert by_id[134].action.state == "error"
    assert by_id[134].reason == f"action {by_id[134].action.id} ended in state 'error'"
    assert by_id[DROPPED_PERFORMED].reason.startswith(
        "the answer to the POST was lost (ApiConnectionError); found its action"
    )
    assert by_id[BROKEN_BODY].reason.startswith("the answer to the POST was lost (ResponseDecode")
    assert fleet.snapshot(DROPPED_PERFORMED) is not None
    unknown = by_id[DROPPED_NOT_PERFORMED]
    assert "none of the VM's 0 newest actions is a new create action created since" in (
        unknown.reason
    )
    assert f"hostinger-api action list {DROPPED_NOT_PERFORMED}" in unknown.reason
    assert unknown.action is None
    assert isinstance(by_id[SERVER_ERROR].error, ServiceException)
    assert by_id[SERVER_ERROR].reason.startswith("ServiceException: (500)")
    for i in LOCKED_BY_ACTION:
        assert by_id[i].action.id != locking[i], "its own action, not the one it waited for"
        assert [(a["name"], a["state"]) for a in fleet.actions(i)] == [
            ("restore_snapshot", "success"),
            ("create_snapshot", "success"),
        ]
    assert fleet.blocks == 0
    assert by_id[101].hostname == "web-101.example.com"
    assert by_id[101].action.state == "success"

    assert seen, "on_progress was called"
    assert [p.result.vm_id for p in seen if p.result is not None] != []
    last = seen[-1]
    assert (last.total, last.in_flight, last.left) == (60, 0, 0)
    assert sorted(p.result.vm_id for p in seen if p.result is not None) == list(range(101, 161))


def test_a_rerun_with_fresh_within_sends_only_the_missing_posts(fleet):
    fleet.add_vm(LOCKED_OUTSIDE, locked=False)
    fleet.inject(Fault(drop="before"), vm=DROPPED_NOT_PERFORMED, method="POST")
    fleet.inject(faults.error(500), vm=SERVER_ERROR, method="POST")
    with ApiClient(fleet.configuration()) as client:
        first = create_snapshots(client, fresh_within=timedelta(hours=20), **FAST)
        assert first.summary["unknown"] == first.summary["error"] == 1
        fleet.clear_requests()
        for i in FAIL:
            fleet.add_vm(i, fail_actions=False)
        second = create_snapshots(client, fresh_within=timedelta(hours=20), **FAST)
    redone = {DROPPED_NOT_PERFORMED, SERVER_ERROR, *FAIL}
    assert {i: posts(fleet, i) for i in range(101, 161)} == {
        i: int(i in redone) for i in range(101, 161)
    }
    assert {r.vm_id for r in second.with_outcome("succeeded")} == redone
    assert second.summary["skipped"] == 60 - len(redone)
    fresh = next(r for r in second.results if r.vm_id == 101)
    assert fresh.reason.endswith("is newer than 20h")


# -- each outcome on its own ---------------------------------------------------------------------


@pytest.fixture
def few():
    with Fake(token=TOKEN, vms=[vm(i) for i in (1, 2, 3)], action_seconds=0.1) as fake:
        yield fake


@pytest.fixture
def client(few):
    with ApiClient(few.configuration()) as api_client:
        yield api_client


def test_without_waiting_the_accepted_actions_are_started(few, client):
    few.action_seconds = math.inf
    report = create_snapshots(client, wait=False, **FAST)
    assert outcomes(report) == {1: "started", 2: "started", 3: "started"}
    assert [r.action.state for r in report.results] == ["created"] * 3
    assert [posts(few, i) for i in (1, 2, 3)] == [1, 1, 1]
    gets = [r.path for r in few.requests if r.method == "GET"]
    assert gets[0] == "/api/vps/v1/virtual-machines"
    assert sorted(gets[1:]) == [
        f"/api/vps/v1/virtual-machines/{i}/actions" for i in (1, 2, 3)
    ], "the list of VMs, and each VM's actions listed once"
    order = [(r.method, r.path) for r in few.requests]
    for i in (1, 2, 3):
        listed = order.index(("GET", f"/api/vps/v1/virtual-machines/{i}/actions"))
        assert listed < order.index(("POST", PATH.format(i))), "listed before its POST"


def test_a_lost_answer_found_without_waiting_is_started(few, client):
    few.action_seconds = math.inf
    few.inject(faults.dropped_connection(), vm=2, method="POST")
    report = create_snapshots(client, vms=[2], wait=False, **FAST)
    (result,) = report.results
    assert (result.outcome, result.action.id) == (Outcome.STARTED, 1)
    assert "found its action 1 (create_snapshot)" in result.reason
    assert posts(few, 2) == 1


def test_an_action_stuck_past_the_jobs_timeout_is_timed_out_and_goes_on(few, client):
    few.add_vm(2, action_seconds=math.inf)
    started = time.monotonic()
    report = create_snapshots(client, timeout=1.0, **FAST)
    assert time.monotonic() - started < 5
    assert outcomes(report) == {1: "succeeded", 2: "timed_out", 3: "succeeded"}
    stuck = report.results[1]
    assert stuck.action.state != "success"
    assert stuck.reason.endswith(
        f"the action goes on: hostinger-api action wait 2 {stuck.action.id}"
    )
    assert posts(few, 2) == 1


def test_vms_not_started_by_the_timeout_are_timed_out_and_get_nothing(few, client):
    few.action_seconds = math.inf
    report = create_snapshots(client, concurrency=1, timeout=0.5, **FAST)
    assert outcomes(report) == {1: "timed_out", 2: "timed_out", 3: "timed_out"}
    assert report.results[2].reason == "not started: the job's timeout of 0.5 s ran out"
    assert [posts(few, i) for i in (1, 2, 3)] == [1, 0, 0]


def test_a_vm_locked_past_the_timeout_is_timed_out_and_gets_nothing(few, client):
    few.add_vm(1, locked=True)
    report = create_snapshots(client, vms=[1], timeout=0.5, **FAST)
    (result,) = report.results
    assert result.outcome == Outcome.TIMED_OUT
    assert "actions_lock stayed 'locked'" in result.reason
    assert posts(few, 1) == 0


def test_a_running_action_that_outlasts_the_timeout_is_named(few, client):
    few.add_vm(1, action_seconds=math.inf)
    running = start_action(few, 1)
    report = create_snapshots(client, vms=[1], timeout=0.5, **FAST)
    (result,) = report.results
    assert result.outcome == Outcome.TIMED_OUT
    assert result.action.id == running
    assert result.reason.startswith(f"action {running} (create_snapshot), running on it already")
    assert posts(few, 1) == 0


def test_a_running_action_that_fails_is_waited_for_and_the_vm_goes_on(few, client):
    few.add_vm(1, fail_actions=True, action_seconds=0.2)
    start_action(few, 1)
    few.add_vm(1, fail_actions=False)
    report = create_snapshots(client, vms=[1], **FAST)
    assert report.results[0].outcome == Outcome.SUCCEEDED
    assert [a["state"] for a in few.actions(1)] == ["error", "success"]


def test_a_lost_answer_that_cannot_be_checked_is_unknown(few, client):
    few.inject(Fault(drop="before"), vm=1, method="POST")
    few.inject(faults.error(500), vm=1, method="GET", times=20, after=1)  # after the first list
    report = create_snapshots(client, vms=[1], **FAST)
    (result,) = report.results
    assert result.outcome == Outcome.UNKNOWN
    assert "listing its actions to check failed (ServiceException)" in result.reason
    assert posts(few, 1) == 1


def test_the_action_waited_for_is_not_taken_for_the_lost_one(few, client):
    few.add_vm(1, action_seconds=0.2)
    running = start_action(few, 1)
    few.inject(Fault(drop="before"), vm=1, method="POST")
    report = create_snapshots(client, vms=[1], **FAST)
    (result,) = report.results
    assert result.outcome == Outcome.UNKNOWN
    assert "none of the VM's 1 newest actions is a new create action" in result.reason
    assert [a["id"] for a in few.actions(1)] == [running]
    assert posts(few, 1) == 1


def test_an_id_the_account_does_not_have_is_an_error_with_the_404(few, client):
    report = create_snapshots(client, vms=[3, 99, 1], **FAST)
    assert outcomes(report) == {3: "succeeded", 99: "error", 1: "succeeded"}
    missing = report.results[1]
    assert isinstance(missing.error, NotFoundException)
    assert missing.hostname is None
    assert posts(few, 99) == 0


def test_restore_skips_vms_without_a_snapshot(few, client):
    few.set_snapshot(1)
    few.set_snapshot(3)
    report = restore_snapshots(client, vms=[1, 2, 3], **FAST)
    assert outcomes(report) == {1: "succeeded", 2: "skipped", 3: "succeeded"}
    assert report.results[1].reason == "no snapshot to restore"
    assert [posts(few, i, "/restore") for i in (1, 2, 3)] == [1, 0, 1]
    assert report.results[0].action.name == "restore_snapshot"


def test_delete_by_hostname_glob(few, client):
    few.add_vm(2, hostname="db-2.example.com")
    for i in (1, 2, 3):
        few.set_snapshot(i)
    report = delete_snapshots(client, match=["WEB-*", "nothing-*"], **FAST)
    assert outcomes(report) == {1: "succeeded", 3: "succeeded"}
    assert few.snapshot(2) is not None
    assert (few.snapshot(1), few.snapshot(3)) == (None, None)
    deletes = [r.path for r in few.requests if r.method == "DELETE"]
    assert sorted(deletes) == [PATH.format(1), PATH.format(3)]
    again = delete_snapshots(client, match="web-*", **FAST)
    assert [r.reason for r in again.results] == ["no snapshot to delete"] * 2


def test_match_filters_the_ids_given(few, client):
    few.add_vm(2, hostname="db-2.example.com")
    report = create_snapshots(client, vms=[2, 3], match="db-*", **FAST)
    assert outcomes(report) == {2: "succeeded"}
    assert [vm.id for vm in select_vms(client, match="web-*")] == [1, 3]
    assert select_vms(client, vms=[3, 1]) == [
        v for i in (3, 1) for v in select_vms(client) if v.id == i
    ]


def test_a_glob_that_matches_nothing_gives_an_empty_report(few, client):
    report = create_snapshots(client, match="nothing-*", **FAST)
    assert (report.results, sum(report.summary.values())) == ([], 0)
    assert [r.method for r in few.requests] == ["GET"]


# -- Ctrl-C --------------------------------------------------------------------------------------


def test_ctrl_c_stops_starting_vms_and_reports_those_in_flight_with_their_action():
    specs = [vm(1, action_seconds=0.05)] + [vm(i) for i in range(2, 13)]
    with Fake(token=TOKEN, vms=specs, action_seconds=math.inf) as fake:

        def interrupt(progress: FleetProgress) -> None:
            if progress.result is not None:
                time.sleep(0.3)  # the other workers send their POSTs meanwhile
                raise KeyboardInterrupt

        with ApiClient(fake.configuration()) as client, pytest.raises(FleetInterrupted) as caught:
            create_snapshots(client, concurrency=4, on_progress=interrupt, **FAST)
        sent = sum(posts(fake, i) for i in range(1, 13))
        time.sleep(0.3)
        assert sum(posts(fake, i) for i in range(1, 13)) == sent, "no POST after Ctrl-C"

    report = caught.value.report
    assert isinstance(caught.value, KeyboardInterrupt)
    assert report.interrupted
    assert report.results[0].outcome == Outcome.SUCCEEDED
    rest = report.results[1:]
    assert {r.outcome for r in rest} == {Outcome.INTERRUPTED}
    in_flight = [r for r in rest if r.action is not None]
    assert len(in_flight) == sent - 1 >= 3
    for result in in_flight:
        assert posts(fake, result.vm_id) == 1
        assert result.reason.endswith(
            f"goes on at Hostinger: hostinger-api action wait {result.vm_id} {result.action.id}"
        )
    untouched = [r for r in rest if r.action is None]
    assert untouched, "VMs not started yet"
    assert {r.reason for r in untouched} == {"interrupted before anything was sent"}
    assert report.summary["interrupted"] == 11


def test_ctrl_c_waits_for_a_request_on_the_wire_to_learn_its_action():
    specs = [vm(1, action_seconds=0.05), vm(2), vm(3, locked=True)]
    with Fake(token=TOKEN, vms=specs, action_seconds=math.inf) as fake:
        fake.inject(faults.slow(1.0), vm=2, method="POST")

        def interrupt(progress: FleetProgress) -> None:
            if progress.result is not None:
                raise KeyboardInterrupt

        with ApiClient(fake.configuration()) as client, pytest.raises(FleetInterrupted) as caught:
            create_snapshots(client, concurrency=3, on_progress=interrupt, **FAST)
        (started,) = [a["id"] for a in fake.actions(2)]  # ids are the fake's, in arrival order
    done, slow, locked = caught.value.report.results
    assert done.outcome == Outcome.SUCCEEDED
    assert slow.action is not None, slow.reason
    assert (slow.outcome, slow.action.id) == (Outcome.INTERRUPTED, started)
    assert f"hostinger-api action wait 2 {started}" in slow.reason
    assert locked.outcome == Outcome.INTERRUPTED
    assert locked.reason == "interrupted before anything was sent"


def test_ctrl_c_while_waiting_for_a_running_action_names_it():
    specs = [vm(1, action_seconds=0.05), vm(2, action_seconds=math.inf)]
    with Fake(token=TOKEN, vms=specs) as fake:
        running = start_action(fake, 2)

        def interrupt(progress: FleetProgress) -> None:
            if progress.result is not None:
                time.sleep(0.2)
                raise KeyboardInterrupt

        with ApiClient(fake.configuration()) as client, pytest.raises(FleetInterrupted) as caught:
            create_snapshots(client, concurrency=2, on_progress=interrupt, **FAST)
    waiting = caught.value.report.results[1]
    assert (waiting.outcome, waiting.action.id) == (Outcome.INTERRUPTED, running)
    assert waiting.reason == (
        f"interrupted while waiting for action {running}, which was running on it already; "
        "nothing was sent"
    )


def test_an_action_without_an_id_is_an_error(few, client):
    few.inject(
        faults.Fault(status=200, body={"name": "create_snapshot", "state": "created"}),
        vm=1,
        method="POST",
    )
    report = create_snapshots(client, vms=[1], **FAST)
    assert report.results[0].outcome == Outcome.ERROR
    assert report.results[0].reason == "the service started an action but sent no id"


def test_an_unexpected_failure_is_the_vms_error_not_a_dead_worker(few, client, monkeypatch):
    def broken(self, snapshots, vm_id):
        raise RuntimeError("a bug")

    monkeypatch.setattr("hostinger_api.fleet._shared.Operation.send", broken)
    report = create_snapshots(client, **FAST)
    assert [r.reason for r in report.results] == ["RuntimeError: a bug"] * 3
    assert all(isinstance(r.error, RuntimeError) for r in report.results)


def test_another_exception_in_on_progress_stops_the_job_and_is_raised(few, client):
    def broken(progress: FleetProgress) -> None:
        raise RuntimeError("the dashboard is down")

    few.action_seconds = 0.5
    with pytest.raises(RuntimeError, match="the dashboard is down") as caught:
        create_snapshots(client, concurrency=1, on_progress=broken, **FAST)
    assert not isinstance(caught.value, KeyboardInterrupt)
    sent = sum(posts(few, i) for i in (1, 2, 3))
    time.sleep(0.7)
    assert sum(posts(few, i) for i in (1, 2, 3)) == sent <= 2, "VM 3 never started"


# -- arguments -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"vms": "1,2"}, ApiTypeError, "vms must be a list of VM ids or None, not str"),
        ({"vms": 5}, ApiTypeError, "vms must be a list"),
        ({"vms": [1, "2"]}, ApiTypeError, r"vms\[\] must be a positive int"),
        ({"vms": [1, 0]}, ApiValueError, r"vms\[\] must be a positive int, not 0"),
        ({"vms": []}, ApiValueError, "vms is empty"),
        ({"vms": [1, 2, 1]}, ApiValueError, "vms lists 1 more than once"),
        ({"match": 3}, ApiTypeError, "match must be a glob"),
        ({"match": ["a", 3]}, ApiTypeError, "match must hold strings"),
        ({"match": " "}, ApiValueError, "empty glob"),
        ({"match": []}, ApiValueError, "match is empty"),
        ({"concurrency": 0}, ApiValueError, "concurrency must be 1 to 64, not 0"),
        ({"concurrency": 65}, ApiValueError, "concurrency must be 1 to 64"),
        ({"concurrency": 2.0}, ApiTypeError, "concurrency must be an int"),
        ({"concurrency": True}, ApiTypeError, "concurrency must be an int"),
        ({"timeout": 0}, ApiValueError, "timeout must be more than 0"),
        ({"wait": "yes"}, ApiTypeError, "wait must be True or False"),
        ({"on_progress": "print"}, ApiTypeError, "on_progress must be callable"),
        ({"poll_interval": -1}, ApiValueError, "poll_interval must be more than 0"),
        ({"max_poll_interval": "1"}, ApiTypeError, "max_poll_interval must be a number"),
        ({"fresh_within": 3600}, ApiTypeError, "fresh_within must be a datetime.timedelta"),
        ({"fresh_within": timedelta(0)}, ApiValueError, "fresh_within must be more than 0"),
        (
            {"fresh_within": timedelta(days=3651)},
            ApiValueError,
            r"fresh_within must be at most 3650 days \(10 years\), not 3651 days",
        ),
        ({"fresh_within": timedelta.max}, ApiValueError, "fresh_within must be at most 3650"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_sent(few, client, arguments, error, message):
    with pytest.raises(error, match=message):
        create_snapshots(client, **arguments)
    assert few.requests == []


def test_fresh_within_of_ten_years_is_taken(few, client):
    few.set_snapshot(1)
    report = create_snapshots(client, fresh_within=timedelta(days=3650), **FAST)
    outcomes = [r.outcome for r in report.results]
    assert outcomes == [Outcome.SKIPPED, Outcome.SUCCEEDED, Outcome.SUCCEEDED]


@pytest.mark.parametrize("function", [restore_snapshots, delete_snapshots])
def test_restore_and_delete_need_vms_or_match(few, client, function):
    with pytest.raises(ApiValueError, match="needs vms or match: pass match='\\*'"):
        function(client)
    assert few.requests == []


@pytest.mark.parametrize("function", [create_snapshots, restore_snapshots, delete_snapshots])
def test_every_operation_checks_its_arguments_in_one_order(few, client, function):
    with pytest.raises(ApiTypeError, match="wait must be True or False"):
        function(client, match="*", timeout=0, wait="yes", poll_interval=0)
    with pytest.raises(ApiValueError, match="concurrency must be 1 to 64, not 0"):
        function(client, vms=[1], max_poll_interval=0, timeout=-1, concurrency=0)
    with pytest.raises(ApiValueError, match="poll_interval must be more than 0"):
        function(client, vms=[1], max_poll_interval=0, poll_interval=0)
    assert few.requests == []


def test_the_client_must_be_an_api_client(few):
    with pytest.raises(ApiTypeError, match="client must be an ApiClient, not str"):
        create_snapshots("client")
    with pytest.raises(ApiTypeError, match="client must be an ApiClient"):
        select_vms(None)
    assert few.requests == []


def test_a_failure_to_list_the_vms_raises_and_nothing_else_is_sent(few, client):
    few.inject(faults.error(401))
    with pytest.raises(Exception, match=r"\(401\)"):
        create_snapshots(client)
    assert len(few.requests) == 1


# -- the report ----------------------------------------------------------------------------------


def test_the_report_as_json_and_as_html():
    action = VPSV1ActionActionResource(id=7, name="create_snapshot", state="success")
    report = FleetReport(
        "create",
        [
            VmResult(1, "<b>web-1</b>", Outcome.SUCCEEDED, None, action),
            VmResult(2, None, Outcome.SKIPPED, "state is 'suspended' & <odd>"),
        ],
        1.5,
    )
    assert report.to_dict() == {
        "results": [
            {
                "vm_id": 1,
                "hostname": "<b>web-1</b>",
                "outcome": "succeeded",
                "reason": None,
                "action": {"id": 7, "name": "create_snapshot", "state": "success"},
            },
            {
                "vm_id": 2,
                "hostname": None,
                "outcome": "skipped",
                "reason": "state is 'suspended' & <odd>",
                "action": None,
            },
        ],
        "summary": {
            "succeeded": 1,
            "failed": 0,
            "timed_out": 0,
            "error": 0,
            "skipped": 1,
            "started": 0,
            "unknown": 0,
            "interrupted": 0,
            "planned": 0,
        },
    }
    html = report._repr_html_()
    assert "create snapshots: 1 succeeded, 1 skipped" in html
    assert "&lt;b&gt;web-1&lt;/b&gt;" in html
    assert "<b>web-1</b>" not in html
    assert "&lt;odd&gt;" in html
    assert "7 create_snapshot success" in html
    interrupted = FleetReport("restore", [], 0.0, interrupted=True)._repr_html_()
    assert "restore snapshots: no virtual machines (interrupted)" in interrupted


def test_outcomes_are_strings():
    assert Outcome.TIMED_OUT == "timed_out"
    assert str(Outcome.TIMED_OUT) == "timed_out"
    assert f"{Outcome.UNKNOWN}" == "unknown"


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(hours=20), "20h"),
        (timedelta(minutes=90), "90m"),
        (timedelta(days=2), "2d"),
        (timedelta(seconds=45), "45s"),
        (timedelta(seconds=1.5), "1.5s"),
        (timedelta(hours=36), "36h"),
    ],
)
def test_durations_read_as_the_command_line_writes_them(span, text):
    assert duration_text(span) == text


# -- a rate limit --------------------------------------------------------------------------------


def test_a_rate_limited_fleet_is_done_with_each_post_sent_once_and_never_blocked():
    specs = [vm(i, action_seconds=0.2 + (i % 3) / 10) for i in range(1, 61)]
    with Fake(
        token=TOKEN, vms=specs, rate_limit=(40, 1.0), block_after=30, block_seconds=60
    ) as fake:
        with ApiClient(fake.configuration()) as client:
            report = create_snapshots(client, concurrency=16, poll_interval=0.2)
        assert fake.blocks == 0
        assert fake.allowed == len(fake.requests) - fake.throttled
    assert report.summary["succeeded"] == 60, report.summary
    assert [posts(fake, i) for i in range(1, 61)] == [1] * 60


# -- issue 15: the fleet job's promises under faults ---------------------------------------------


def requests_of(fake: Fake, method: str, path: str = "") -> int:
    """How many requests with this method (for paths containing ``path``) the service answered,
    the rate limit's 429s aside."""
    return sum(1 for m, p, status in fake.answered if m == method and path in p and status != 429)


def test_a_vm_listed_twice_is_acted_on_once_and_reported_once(few, client):
    few.add_vm(2, hostname="db-2.example.com")
    few.set_snapshot(2)

    def twice(listed: list) -> list:
        first = dict(listed[1], hostname="other-2.example.com")
        return [listed[1], *listed, first, listed[0]]

    few.inject(Fault(performed=True, rewrite=twice), method="GET")  # the list of VMs
    report = create_snapshots(client, **FAST)
    assert [r.vm_id for r in report.results] == [2, 1, 3], "each VM once, where it first came"
    assert report.results[0].hostname == "db-2.example.com", "the first entry is kept"
    assert sum(report.summary.values()) == 3 == report.summary["succeeded"]
    assert [posts(few, i) for i in (1, 2, 3)] == [1, 1, 1]
    few.inject(Fault(performed=True, rewrite=twice), method="GET")
    restored = restore_snapshots(client, match="*", **FAST)
    assert [r.vm_id for r in restored.results] == [2, 1, 3]
    assert [posts(few, i, "/restore") for i in (1, 2, 3)] == [1, 1, 1]


def test_a_lost_answer_is_never_matched_to_an_action_of_another_operation(few, client):
    few.set_snapshot(1)
    assert delete_snapshots(client, vms=[1], **FAST).results[0].outcome == Outcome.SUCCEEDED
    few.inject(faults.error(502), vm=1, method="POST")  # not performed
    report = create_snapshots(client, vms=[1], **FAST)
    (result,) = report.results
    assert result.outcome == Outcome.UNKNOWN, result
    assert result.action is None
    assert few.snapshot(1) is None
    assert posts(few, 1) == 1


def test_a_lost_answer_is_never_matched_to_an_action_older_than_the_request(few, client):
    done = start_action(few, 1)  # a create finished just before the job: not ours
    time.sleep(0.2)
    few.inject(Fault(drop="before"), vm=1, method="POST")  # lost, and not performed
    report = create_snapshots(client, vms=[1], **FAST)
    (result,) = report.results
    assert result.outcome == Outcome.UNKNOWN, result
    assert [a["id"] for a in few.actions(1)] == [done]
    assert posts(few, 1) == 1


@pytest.mark.parametrize(
    "fault",
    [faults.dropped_connection(), faults.error(502, performed=True), faults.truncated_json()],
    ids=["dropped", "502-performed", "truncated"],
)
def test_a_fleet_delete_is_sent_once_and_a_lost_answer_found_again(few, client, fault):
    few.set_snapshot(1)
    few.inject(fault, vm=1, method="DELETE")
    report = delete_snapshots(client, vms=[1], **FAST)
    (result,) = report.results
    assert requests_of(few, "DELETE") == 1, "one request per VM, literally"
    assert result.outcome == Outcome.SUCCEEDED, result
    assert result.action.name == "delete_snapshot"
    assert "found its action" in result.reason
    assert few.snapshot(1) is None


def test_a_fleet_post_that_times_out_is_sent_once(few, client):
    few.action_seconds = math.inf
    few.inject(faults.slow(3.0), vm=1, method="POST")
    few.inject(faults.error(503, performed=True), vm=3, method="POST")
    report = create_snapshots(client, vms=[1, 3], timeout=1.5, wait=False, **FAST)
    assert [posts(few, i) for i in (1, 3)] == [1, 1]
    assert outcomes(report) == {1: "started", 3: "started"}


def test_ctrl_c_while_a_post_waits_out_a_429_sends_it_never():
    with Fake(token=TOKEN, vms=[vm(1), vm(2)], action_seconds=math.inf) as fake:
        fake.inject(faults.rate_limited(retry_after=20), vm=2, method="POST")
        pressed: list[float] = []

        def interrupt(progress: FleetProgress) -> None:
            if progress.elapsed >= 1.0:
                pressed.append(time.monotonic())
                raise KeyboardInterrupt

        with ApiClient(fake.configuration()) as client, pytest.raises(FleetInterrupted) as caught:
            create_snapshots(client, wait=False, on_progress=interrupt, concurrency=2, **FAST)
        took = time.monotonic() - pressed[0]
        seen = len(fake.requests)
        time.sleep(1.0)
        assert len(fake.requests) == seen, "nothing sent after the job raised"
        assert posts(fake, 2) == 0
    assert took < 5, f"FleetInterrupted came {took:.1f} s after Ctrl-C"
    second = caught.value.report.results[1]
    assert (second.outcome, second.reason) == (
        Outcome.INTERRUPTED,
        "interrupted before anything was sent",
    )


def test_ctrl_c_while_requests_wait_for_the_rate_limit_sends_none_of_them():
    specs = [vm(1), vm(2), vm(3)]
    with Fake(token=TOKEN, vms=specs, action_seconds=math.inf, rate_limit=(3, 20.0)) as fake:
        pressed: list[float] = []

        def interrupt(progress: FleetProgress) -> None:
            if progress.elapsed >= 1.0:
                pressed.append(time.monotonic())
                raise KeyboardInterrupt

        with ApiClient(fake.configuration()) as client, pytest.raises(FleetInterrupted) as caught:
            create_snapshots(client, wait=False, on_progress=interrupt, concurrency=3, **FAST)
        took = time.monotonic() - pressed[0]
        seen = len(fake.requests)
        time.sleep(1.0)
        assert len(fake.requests) == seen, "nothing sent after the job raised"
        sent = {i: posts(fake, i) for i in (1, 2, 3)}
    assert took < 5, f"FleetInterrupted came {took:.1f} s after Ctrl-C"
    waiting = [r for r in caught.value.report.results if r.outcome == Outcome.INTERRUPTED]
    assert waiting, "the rate limit held some VMs"
    for result in caught.value.report.results:
        if result.outcome == Outcome.INTERRUPTED:
            assert result.reason == "interrupted before anything was sent"
            assert sent[result.vm_id] == 0
        else:
            assert (result.outcome, sent[result.vm_id]) == (Outcome.STARTED, 1)


def test_an_edge_block_is_reported_as_such_and_the_vms_it_held_back_as_not_sent():
    with Fake(token=TOKEN, vms=[vm(1), vm(2)], action_seconds=math.inf) as fake:
        fake.inject(
            Fault(
                status=429,
                body=b"error code: 1015",
                headers={"Content-Type": "text/plain; charset=UTF-8", "Retry-After": "2272"},
            ),
            vm=1,
            method="POST",
        )
        with ApiClient(fake.configuration()) as client:
            report = create_snapshots(client, wait=False, concurrency=1, timeout=30, **FAST)
        assert [posts(fake, i) for i in (1, 2)] == [0, 0]
    first, second = report.results
    assert first.outcome == second.outcome == Outcome.ERROR
    assert first.reason.startswith("TooManyRequestsException: (429): Too Many Requests: the body")
    assert "not JSON" in first.reason
    assert "error code: 1015" in first.reason
    assert second.reason.startswith("TooManyRequestsException: (429): Not sent: ")
    assert "2272" in second.reason


def test_the_jobs_timeout_covers_the_post():
    with Fake(token=TOKEN, vms=[vm(1)], action_seconds=math.inf) as fake:
        fake.inject(faults.slow(10.0), vm=1, method="POST")
        started = time.monotonic()
        with ApiClient(fake.configuration()) as client:
            report = create_snapshots(client, timeout=2.0, **FAST)
        took = time.monotonic() - started
        assert posts(fake, 1) == 1
    assert took < 8, f"the job took {took:.1f} s with a timeout of 2 s"
    (result,) = report.results
    assert result.outcome == Outcome.TIMED_OUT, result
    assert result.action is not None
    assert result.action.name == "create_snapshot"
    assert f"hostinger-api action wait 1 {result.action.id}" in result.reason


def test_after_a_401_no_more_vms_are_started():
    specs = [vm(i, action_seconds=0.05) for i in (1, 3, 4, 5)] + [vm(2, action_seconds=math.inf)]
    with Fake(token=TOKEN, vms=specs) as fake:
        with ApiClient(fake.configuration()) as client:
            # VM 2's action starts; its first poll (or any later GET of it) is refused
            fake.inject(faults.token_revoked(), vm=2, method="GET", after=1, times=10**6)
            report = create_snapshots(client, concurrency=1, **FAST)
        assert [posts(fake, i) for i in (1, 2, 3, 4, 5)] == [1, 1, 0, 0, 0]
        assert not [r for r in fake.requests if any(f"/{i}/" in r.path for i in (3, 4, 5))]
    assert outcomes(report) == {1: "succeeded", 2: "error", 3: "error", 4: "error", 5: "error"}
    refused = report.results[1]
    assert refused.action is not None
    assert "the token was refused" in refused.reason
    assert f"goes on at Hostinger: hostinger-api action wait 2 {refused.action.id}" in (
        refused.reason
    )
    assert {r.reason for r in report.results[2:]} == {"not started: the token was refused"}


def test_a_vm_gone_is_an_error_and_a_missing_snapshot_is_skipped(few, client):
    few.set_snapshot(1)
    few.set_snapshot(3)
    few.inject(faults.vm_gone(), vm=3, method="GET", times=10**6)
    report = restore_snapshots(client, vms=[1, 2, 3], **FAST)
    assert outcomes(report) == {1: "succeeded", 2: "skipped", 3: "error"}
    assert report.results[1].reason == "no snapshot to restore"
    assert isinstance(report.results[2].error, NotFoundException)
    assert "Virtual machine not found" in report.results[2].reason
    assert posts(few, 3, "/restore") == 0


def test_an_ambiguous_404_on_the_snapshot_is_told_by_the_vms_details(few, client):
    few.set_snapshot(1)
    few.inject(faults.error(404), vm=2, method="GET")  # the VM is there: no snapshot
    few.inject(faults.error(404), vm=3, method="GET", times=2)  # the VM is gone
    report = delete_snapshots(client, vms=[1, 2, 3], **FAST)
    assert outcomes(report) == {1: "succeeded", 2: "skipped", 3: "error"}
    assert report.results[1].reason == "no snapshot to delete"
    assert isinstance(report.results[2].error, NotFoundException)
    assert requests_of(few, "DELETE") == 1


def test_create_with_fresh_within_on_a_vanished_vm_is_an_error(few, client):
    few.inject(faults.vm_gone(), vm=2, method="GET", times=10**6)
    report = create_snapshots(client, fresh_within=timedelta(hours=1), **FAST)
    assert outcomes(report) == {1: "succeeded", 2: "error", 3: "succeeded"}
    assert posts(few, 2) == 0


def test_vms_given_as_listed_models_are_acted_on_exactly(few, client):
    few.set_snapshot(1)
    few.set_snapshot(3)
    confirmed = select_vms(client, match="web-*")
    few.add_vm(4, hostname="web-4.example.com")  # appears after the list was confirmed
    few.set_snapshot(4)
    few.clear_requests()
    report = restore_snapshots(client, vms=confirmed, **FAST)
    assert [r.vm_id for r in report.results] == [1, 2, 3]
    assert outcomes(report) == {1: "succeeded", 2: "skipped", 3: "succeeded"}
    assert posts(few, 4, "/restore") == 0
    listed = [r for r in few.requests if r.path == "/api/vps/v1/virtual-machines"]
    assert listed == [], "the VMs given are not listed again"


def test_vms_may_mix_ids_and_models(few, client):
    (first,) = select_vms(client, vms=[1])
    report = create_snapshots(client, vms=[3, first], **FAST)
    assert [r.vm_id for r in report.results] == [3, 1]
    with pytest.raises(ApiValueError, match="vms lists 1 more than once"):
        create_snapshots(client, vms=[first, 1])
    with pytest.raises(ApiTypeError, match="a VM without an id"):
        create_snapshots(client, vms=[type(first)(hostname="x")])


# -- issue 16: the dry run -----------------------------------------------------------------------


def test_a_dry_run_makes_every_check_and_sends_no_post_or_delete(few, client):
    few.add_vm(4, state="suspended")
    few.add_vm(5, action_seconds=math.inf)
    running = start_action(few, 5)
    few.set_snapshot(2, created_at=datetime.now(timezone.utc) - timedelta(hours=1))
    few.set_snapshot(3, created_at=datetime.now(timezone.utc) - timedelta(days=2))
    few.clear_requests()
    started = time.monotonic()
    plan = create_snapshots(client, dry_run=True, fresh_within=timedelta(hours=20), **FAST)
    assert time.monotonic() - started < 5, "a locked VM is not waited for"
    assert outcomes(plan) == {
        1: "planned",
        2: "skipped",
        3: "planned",
        4: "skipped",
        5: "skipped",
    }
    reasons = {r.vm_id: r.reason for r in plan.results}
    assert reasons[1] == reasons[3] == "would create"
    assert reasons[5] == f"locked: action {running} running"
    assert reasons[4].startswith("state is 'suspended'")
    assert plan.summary["planned"] == 2
    assert plan.to_dict()["results"][0]["outcome"] == "planned"
    assert {r.method for r in few.requests} == {"GET"}

    restore = restore_snapshots(client, match="*", dry_run=True, **FAST)
    assert outcomes(restore) == {
        1: "skipped",
        2: "planned",
        3: "planned",
        4: "skipped",
        5: "skipped",
    }
    assert restore.results[1].reason == "would restore"
    assert restore.results[0].reason == "no snapshot to restore"
    delete = delete_snapshots(client, vms=[3, 1], dry_run=True, **FAST)
    assert [(r.outcome.value, r.reason) for r in delete.results] == [
        ("planned", "would delete"),
        ("skipped", "no snapshot to delete"),
    ]
    assert {r.method for r in few.requests} == {"GET"}
    assert few.snapshot(3) is not None


def test_dry_run_must_be_a_bool(few, client):
    with pytest.raises(ApiTypeError, match="dry_run must be True or False"):
        create_snapshots(client, dry_run="yes")
    assert few.requests == []


def test_ctrl_c_while_the_workers_start_stops_those_started(monkeypatch):
    start = threading.Thread.start

    def pressed_meanwhile(thread: threading.Thread) -> None:
        start(thread)
        if thread.name == "hostinger-fleet-1":
            raise KeyboardInterrupt

    with Fake(token=TOKEN, vms=[vm(1), vm(2), vm(3)], action_seconds=math.inf) as fake:
        with ApiClient(fake.configuration()) as client:
            monkeypatch.setattr(threading.Thread, "start", pressed_meanwhile)
            with pytest.raises(FleetInterrupted) as caught:
                create_snapshots(client, concurrency=3, **FAST)
            monkeypatch.undo()
        time.sleep(0.2)  # a request sent just before the Ctrl-C may arrive just after it
        seen = len(fake.requests)
        time.sleep(0.5)
        assert len(fake.requests) == seen, "nothing sent after the job raised"
    assert [r.vm_id for r in caught.value.report.results] == [1, 2, 3]
    assert {r.outcome for r in caught.value.report.results} == {Outcome.INTERRUPTED}


def test_a_post_refused_with_401_was_not_performed_and_stops_the_job(few, client):
    few.inject(faults.token_revoked(), vm=1, method="POST")
    report = create_snapshots(client, concurrency=1, **FAST)
    assert [(r.outcome.value, r.reason) for r in report.results] == [
        ("error", "the token was refused (401); nothing was sent"),
        ("error", "not started: the token was refused"),
        ("error", "not started: the token was refused"),
    ]
    assert [posts(few, i) for i in (1, 2, 3)] == [1, 0, 0]


def test_a_check_cut_by_the_jobs_timeout_is_timed_out_with_nothing_sent(few, client):
    few.set_snapshot(1)
    few.inject(faults.slow(5.0), vm=1, method="GET")  # the snapshot check
    started = time.monotonic()
    report = restore_snapshots(client, vms=[1], timeout=1.0, **FAST)
    assert time.monotonic() - started < 4
    (result,) = report.results
    assert (result.outcome, result.reason) == (
        Outcome.TIMED_OUT,
        "the job's timeout of 1 s ran out before the POST was sent; nothing was sent",
    )
    assert posts(few, 1, "/restore") == 0


def test_ctrl_c_as_a_result_is_taken_keeps_that_result(few, client, monkeypatch):
    class PressedAsTaken(queue.SimpleQueue):
        """The job's queue of results; Ctrl-C lands just after the first result is taken."""

        pressed = False

        def get(self, block: bool = True, timeout: Optional[float] = None):
            item = super().get(block, timeout)
            if not PressedAsTaken.pressed:
                PressedAsTaken.pressed = True
                raise KeyboardInterrupt
            return item

    few.action_seconds = math.inf
    few.set_snapshot(1)
    monkeypatch.setattr("hostinger_api.fleet._job.queue.SimpleQueue", PressedAsTaken)
    with pytest.raises(FleetInterrupted) as caught:
        delete_snapshots(client, vms=[1, 2], concurrency=1, wait=False, **FAST)
    first = caught.value.report.results[0]
    assert requests_of(few, "DELETE") == 1
    assert (first.outcome, first.action.name) == (Outcome.STARTED, "delete_snapshot")
