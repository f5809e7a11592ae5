"""The fleet form of ``snapshot create|restore|delete``, run as users run it: a subprocess.

Every run is checked for the token, and the POSTs that reached the fake are counted per VM.
"""

from __future__ import annotations

import io
import json
import math
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from typing import Optional

import pytest
from support import TOKEN, Fake, posts

from hostinger_api import cli
from hostinger_api.cli._args import duration
from hostinger_api.cli._parser import build_parser
from hostinger_api.testing import FakeHostingerApi, Fault, faults

PATH = "/api/vps/v1/virtual-machines/{}/snapshot"
FAST = ["--poll-interval", "0.05"]


def run_cli(fake: FakeHostingerApi, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOSTINGER_API_TOKEN": TOKEN}
    result = subprocess.run(
        [sys.executable, "-m", "hostinger_api", "--host", fake.url, *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert TOKEN not in result.stdout + result.stderr
    return result


def vm(vm_id: int, **attributes) -> dict:
    return {"id": vm_id, "hostname": f"web-{vm_id}.example.com", **attributes}


def by_vm(document: dict) -> dict[int, str]:
    return {result["vm_id"]: result["outcome"] for result in document["results"]}


# -- the acceptance run: 50 VMs, --all --fresh-within 20h --wait --json, then the rerun -----------

SUSPENDED, STOPPING, FAILING, REFUSED, FOUND, LOST, LOCKED = 3, 4, 5, 6, 7, 8, 9
FRESH = [10, 11, 12, 13, 14]


@pytest.fixture
def fifty():
    specs = [vm(i, state="stopped" if i % 2 else "running") for i in range(1, 51)]
    limit = {"rate_limit": (100, 1.0), "block_after": 50}
    with Fake(token=TOKEN, vms=specs, action_seconds=0.1, **limit) as fake:
        fake.add_vm(SUSPENDED, state="suspended")
        fake.add_vm(STOPPING, state="stopping")
        fake.add_vm(FAILING, fail_actions=True)
        for i in FRESH:
            fake.set_snapshot(i, created_at=datetime.now(timezone.utc) - timedelta(hours=2))
        fake.set_snapshot(20, created_at=datetime.now(timezone.utc) - timedelta(hours=30))
        yield fake


def test_create_all_fresh_within_wait_json_reports_every_vm_and_a_rerun_sends_only_the_missing(
    fifty,
):
    fifty.inject(faults.error(500), vm=REFUSED, method="POST")
    fifty.inject(faults.dropped_connection(), vm=FOUND, method="POST")
    fifty.inject(Fault(drop="before"), vm=LOST, method="POST")
    fifty.add_vm(LOCKED, action_seconds=0.3)
    fifty.set_snapshot(LOCKED, created_at=datetime.now(timezone.utc) - timedelta(days=1))
    restore = PATH.format(LOCKED) + "/restore"
    locking = FakeHostingerApi.handle(fifty, "POST", restore, {}, f"Bearer {TOKEN}").body["id"]
    fifty.add_vm(LOCKED, action_seconds=0.1)
    fifty.clear_requests()

    args = ["snapshot", "create", "--all", "--fresh-within", "20h", "--wait", "--json", *FAST]
    result = run_cli(fifty, *args)

    assert result.returncode == cli.EXIT_API_ERROR, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"results", "summary"}
    assert [r["vm_id"] for r in document["results"]] == list(range(1, 51))
    for item in document["results"]:
        assert set(item) == {"vm_id", "hostname", "outcome", "reason", "action"}
        assert item["hostname"] == f"web-{item['vm_id']}.example.com"
    outcomes = by_vm(document)
    expected = dict.fromkeys(range(1, 51), "succeeded")
    expected.update(dict.fromkeys([SUSPENDED, STOPPING, *FRESH], "skipped"))
    expected.update({FAILING: "failed", REFUSED: "error", LOST: "unknown"})
    assert outcomes == expected
    assert document["summary"] == {
        "succeeded": 40,
        "failed": 1,
        "timed_out": 0,
        "error": 1,
        "skipped": 7,
        "started": 0,
        "unknown": 1,
        "interrupted": 0,
        "planned": 0,
    }
    items = {r["vm_id"]: r for r in document["results"]}
    assert items[1]["reason"] is None
    assert items[1]["action"]["state"] == "success"
    assert items[FAILING]["action"]["state"] == "error"
    assert items[SUSPENDED]["action"] is None
    assert items[10]["reason"].endswith("is newer than 20h")
    assert items[LOCKED]["action"]["id"] != locking
    assert "found its action" in items[FOUND]["reason"]
    assert items[REFUSED]["reason"].startswith("ServiceException: (500)")
    assert {i: posts(fifty, i) for i in range(1, 51)} == {
        i: int(expected[i] != "skipped") for i in range(1, 51)
    }
    assert "hostinger-api: snapshot create: 40 succeeded, 1 failed, 1 error, 7 skipped, " in (
        result.stderr
    )
    assert f"vm {FAILING} (web-{FAILING}.example.com): failed, action" in result.stderr

    fifty.clear_requests()
    fifty.add_vm(FAILING, fail_actions=False)
    rerun = run_cli(fifty, *args)
    assert rerun.returncode == cli.EXIT_OK, rerun.stderr
    redone = {FAILING, REFUSED, LOST}
    assert {i: posts(fifty, i) for i in range(1, 51)} == {
        i: int(i in redone) for i in range(1, 51)
    }
    again = json.loads(rerun.stdout)
    assert {i for i, o in by_vm(again).items() if o == "succeeded"} == redone
    assert again["summary"]["skipped"] == 47


def test_the_table_and_the_exit_code_of_a_failed_action(fifty):
    fifty.add_vm(FAILING, fail_actions=True)
    result = run_cli(fifty, "snapshot", "create", "1", str(FAILING), "2", "--wait", *FAST)
    assert result.returncode == cli.EXIT_ACTION_FAILED
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["VM_ID", "HOSTNAME", "OUTCOME", "ACTION", "REASON"]
    assert [line.split()[:3] for line in lines[1:]] == [
        ["1", "web-1.example.com", "succeeded"],
        [str(FAILING), f"web-{FAILING}.example.com", "failed"],
        ["2", "web-2.example.com", "succeeded"],
    ]
    assert lines[2].endswith("ended in state 'error'")


def test_a_job_that_times_out_exits_4():
    with Fake(token=TOKEN, vms=[vm(1), vm(2, action_seconds=math.inf)]) as fake:
        result = run_cli(fake, "--timeout", "1", "snapshot", "create", "1", "2", "--wait", *FAST)
    assert result.returncode == cli.EXIT_WAIT_TIMED_OUT, result.stderr
    assert "1 succeeded, 1 timed_out" in result.stderr


def test_without_wait_the_vms_are_started_and_skips_are_fine(fifty):
    args = ["--match", "web-1?.*", "--match", "*-3.*"]
    result = run_cli(fifty, "--json", "snapshot", "create", *args)
    assert result.returncode == cli.EXIT_OK, result.stderr
    outcomes = by_vm(json.loads(result.stdout))
    assert list(outcomes) == [3, *range(10, 20)]
    assert outcomes == {3: "skipped", **dict.fromkeys(range(10, 20), "started")}


def test_restore_and_delete_of_many_vms_need_yes_without_a_terminal(fifty):
    for command in ("restore", "delete"):
        result = run_cli(fifty, "snapshot", command, "--all", "--wait")
        assert result.returncode == cli.EXIT_USAGE
        assert "Refusing without --yes: no terminal to ask." in result.stderr
    assert fifty.requests == []
    result = run_cli(fifty, "--json", "snapshot", "restore", *map(str, FRESH), "1", "--yes", *FAST)
    assert result.returncode == cli.EXIT_OK, result.stderr
    assert by_vm(json.loads(result.stdout)) == {**dict.fromkeys(FRESH, "started"), 1: "skipped"}
    assert [posts(fifty, i, "/restore") for i in (*FRESH, 1)] == [1] * 5 + [0]


def test_delete_with_match_and_yes_and_wait(fifty):
    args = ["--match", "WEB-1[0-2].*", "--yes", "--wait", *FAST]
    result = run_cli(fifty, "snapshot", "delete", *args)
    assert result.returncode == cli.EXIT_OK, result.stderr
    assert [fifty.snapshot(i) for i in (10, 11, 12)] == [None] * 3
    assert fifty.snapshot(13) is not None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["snapshot", "create"], "give one or more VM ids, --all, or --match GLOB"),
        (["snapshot", "create", "1", "--all"], "give VM ids or --all, not both"),
        (["snapshot", "create", "--all", "--fresh-within", "soon"], "not a duration: 'soon'"),
        (["snapshot", "create", "--all", "--fresh-within", "0h"], "must be more than 0, not 0h"),
        (["snapshot", "create", "--all", "--concurrency", "0"], "must be 1 to 64, not 0"),
        (["snapshot", "create", "--all", "--concurrency", "x"], "not a whole number: 'x'"),
        (["snapshot", "create", "--all", "--poll-interval", "0"], "must be more than 0"),
        (["snapshot", "create", "--all", "--poll-interval", "x"], "not a number of seconds"),
        (["snapshot", "restore", "1", "--fresh-within", "2h"], "unrecognized arguments"),
        (
            ["snapshot", "create", "--all", "--fresh-within", "999999999d"],
            "must be at most 3650d (10 years), not 999999999d",
        ),
        (["snapshot", "create", "--all", "--fresh-within", "9" * 400], "must be at most 3650d"),
        (["snapshot", "create", "--all", "--fresh-within", "87601h"], "must be at most 3650d"),
        (["snapshot", "create", "--all", "--wait-for-lock", "1e308"], "at most 315360000"),
        (["--timeout", "315360001", "snapshot", "create", "--all"], "at most 315360000"),
    ],
)
def test_usage_errors_exit_2_and_send_nothing(fifty, args, expected):
    result = run_cli(fifty, *args)
    assert result.returncode == cli.EXIT_USAGE
    assert expected in result.stderr
    assert fifty.requests == []


def test_one_id_with_fresh_within_is_a_job_of_one(fifty):
    result = run_cli(fifty, "--json", "snapshot", "create", "10", "--fresh-within", "3h")
    assert result.returncode == cli.EXIT_OK
    assert by_vm(json.loads(result.stdout)) == {10: "skipped"}
    assert posts(fifty, 10) == 0


@pytest.mark.parametrize(
    "option",
    [
        ["--metrics-file", "{tmp}/one.prom"],
        ["--wait-for-lock", "5"],
        ["--concurrency", "2"],
        ["--poll-interval", "0.05"],
    ],
    ids=lambda option: option[0],
)
def test_a_fleet_option_with_one_id_is_a_job_of_one_never_ignored(fifty, tmp_path, option):
    """A fleet-only option makes one VM id the fleet form, as --fresh-within and --dry-run do:
    the one-VM form would drop it without a word (no metrics file for the nightly job)."""
    args = [text.format(tmp=tmp_path) for text in option]
    result = run_cli(fifty, "--json", "snapshot", "create", "2", *args)
    assert result.returncode == cli.EXIT_OK, result.stderr
    assert by_vm(json.loads(result.stdout)) == {2: "started"}
    assert posts(fifty, 2) == 1
    if option[0] == "--metrics-file":
        text = (tmp_path / "one.prom").read_text()
        assert 'hostinger_fleet_job_vms{operation="create",outcome="started"} 1' in text


def test_one_id_alone_keeps_the_one_vm_form(fifty):
    result = run_cli(fifty, "--json", "snapshot", "create", "2")
    assert result.returncode == cli.EXIT_OK, result.stderr
    document = json.loads(result.stdout)
    assert document["name"] == "create_snapshot"
    assert [r.method for r in fifty.requests] == ["POST"]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("90s", 90),
        ("90m", 5400),
        ("24h", 86400),
        ("2d", 172800),
        ("1.5H", 5400),
        ("3650d", 3650 * 86400),
        ("87600h", 3650 * 86400),
    ],
)
def test_durations(text, seconds):
    assert duration(text) == timedelta(seconds=seconds)


def test_ctrl_c_exits_130_and_still_prints_the_report():
    specs = [vm(1, action_seconds=0.05)] + [vm(i) for i in range(2, 9)]
    with Fake(token=TOKEN, vms=specs, action_seconds=math.inf) as fake:
        command = ["--host", fake.url, "--json", "snapshot", "create", "--all", "--wait"]
        with subprocess.Popen(
            [sys.executable, "-m", "hostinger_api", *command, "--concurrency", "3", *FAST],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "HOSTINGER_API_TOKEN": TOKEN},
        ) as process:
            assert process.stderr is not None
            first = process.stderr.readline()  # VM 1 is done: the others are in flight
            assert first.startswith("vm 1 (web-1.example.com): succeeded")
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=30)
        sent = {i: posts(fake, i) for i in range(1, 9)}
    assert process.returncode == cli.EXIT_INTERRUPTED, err
    document = json.loads(out)
    outcomes = by_vm(document)
    assert outcomes[1] == "succeeded"
    assert set(list(outcomes.values())[1:]) == {"interrupted"}
    in_flight = [r for r in document["results"][1:] if r["action"] is not None]
    assert in_flight, "the VMs in flight, with their action"
    for item in in_flight:
        assert sent[item["vm_id"]] == 1
        assert f"hostinger-api action wait {item['vm_id']} {item['action']['id']}" in item["reason"]
    assert sum(sent.values()) == 1 + len(in_flight), "no POST for a VM reported without action"
    assert "interrupted: the actions in flight go on at Hostinger" in err
    assert TOKEN not in out + err


# -- on a terminal -------------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def in_process(fake: FakeHostingerApi, *args: str, answer: Optional[str] = None):
    out, err = io.StringIO(), Terminal()
    options = build_parser().parse_args(["--host", fake.url, *args, *FAST])
    original = sys.stdin
    sys.stdin = Terminal(answer) if answer is not None else io.StringIO()
    try:
        code = cli.execute(options, fake.configuration(), out=out, err=err, poll_interval=0.05)
    finally:
        sys.stdin = original
    return code, out.getvalue(), err.getvalue()


def test_restore_lists_the_vms_and_asks_once(fifty):
    for i in (20, 21):
        fifty.add_vm(i, hostname=f"db-{i}.example.com")
    fifty.set_snapshot(21)
    code, out, err = in_process(fifty, "snapshot", "restore", "--match", "db-*", answer="y\n")
    assert code == cli.EXIT_OK
    listing, question = err.split("\n")[:3], err.split("\n")[3]
    assert [line.split() for line in listing] == [
        ["VM_ID", "HOSTNAME", "STATE"],
        ["20", "db-20.example.com", "running"],
        ["21", "db-21.example.com", "stopped"],
    ]
    assert question.startswith(
        "Restore these 2 virtual machines from their snapshots? Everything written to them "
        "since is lost. [y/N] "
    )
    assert [line.split()[2] for line in out.splitlines()[1:]] == ["started", "started"]
    assert [posts(fifty, i, "/restore") for i in (20, 21)] == [1, 1]


def test_delete_not_confirmed_sends_nothing_but_the_listing(fifty):
    code, out, err = in_process(fifty, "snapshot", "delete", "1", "2", answer="n\n")
    assert (code, out) == (cli.EXIT_USAGE, "")
    assert "Delete the snapshots of these 2 virtual machines? It cannot be undone. [y/N] " in err
    assert [r.method for r in fifty.requests] == ["GET"]


def test_a_match_that_matches_nothing_asks_nothing(fifty):
    code, out, err = in_process(fifty, "snapshot", "delete", "--match", "nope-*", answer="")
    assert (code, out) == (cli.EXIT_OK, "")
    assert err == "No virtual machine matches: nothing to do.\n"


def test_on_a_terminal_one_status_line_is_redrawn(fifty):
    code, out, err = in_process(fifty, "snapshot", "create", "--all", "--wait")
    assert code == cli.EXIT_ACTION_FAILED
    draws = err.split("\r\x1b[K")[1:]
    assert draws, "the status line"
    final = "snapshot create: 47 done, 1 failed, 2 skipped, 0 in flight, 0 left, "
    assert draws[-1].startswith(final)
    assert err.count("\n") == 2, "the status line ends, then the summary"
    assert err.endswith("(50 virtual machines in " + err.rsplit("in ", 1)[1])
    assert len(out.splitlines()) == 51


def test_help_documents_the_fleet_form():
    result = subprocess.run(
        [sys.executable, "-m", "hostinger_api", "snapshot", "create", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    for text in ["--fresh-within DURATION", "--all", "--match GLOB", "--concurrency N", "130"]:
        assert text in result.stdout
    assert "1 if any error or unknown, else 3 if any failed" in result.stdout


# -- what was confirmed is what runs (issue 15, item 8) ------------------------------------------


class AnswerAfter(Terminal):
    """A terminal whose user answers after something changed in the account."""

    def __init__(self, answer: str, meanwhile) -> None:
        super().__init__(answer)
        self.meanwhile = meanwhile

    def readline(self, *args) -> str:
        self.meanwhile()
        return super().readline(*args)


def test_restore_acts_on_exactly_the_vms_confirmed(fifty):
    for i in (20, 21):
        fifty.add_vm(i, hostname=f"db-{i}.example.com")
        fifty.set_snapshot(i)

    def appears() -> None:
        fifty.add_vm(60, hostname="db-60.example.com")
        fifty.set_snapshot(60)

    out, err = io.StringIO(), Terminal()
    options = build_parser().parse_args(
        ["--host", fifty.url, "snapshot", "restore", "--match", "db-*", *FAST]
    )
    original = sys.stdin
    sys.stdin = AnswerAfter("y\n", appears)
    try:
        code = cli.execute(options, fifty.configuration(), out=out, err=err, poll_interval=0.05)
    finally:
        sys.stdin = original
    assert code == cli.EXIT_OK, err.getvalue()
    assert "Restore these 2 virtual machines" in err.getvalue()
    assert [line.split()[0] for line in out.getvalue().splitlines()[1:]] == ["20", "21"]
    assert [posts(fifty, i, "/restore") for i in (20, 21, 60)] == [1, 1, 0]
    listings = [r for r in fifty.requests if r.path == "/api/vps/v1/virtual-machines"]
    assert len(listings) == 1, "the VMs are listed once, for the confirmation"


# -- the dry run (issue 16, item 4) ---------------------------------------------------------------


def test_a_dry_run_prints_the_plan_sends_nothing_and_asks_nothing(fifty):
    fifty.add_vm(LOCKED, action_seconds=math.inf)
    running = FakeHostingerApi.handle(fifty, "POST", PATH.format(LOCKED), {}, f"Bearer {TOKEN}")
    fifty.clear_requests()
    result = run_cli(fifty, "--json", "snapshot", "restore", "--all", "--dry-run")
    assert result.returncode == cli.EXIT_OK, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"results", "summary"}
    outcomes = by_vm(document)
    assert {i for i, o in outcomes.items() if o == "planned"} == {*FRESH, 20}
    items = {r["vm_id"]: r for r in document["results"]}
    assert items[FRESH[0]]["reason"] == "would restore"
    assert items[1]["reason"] == "no snapshot to restore"
    assert items[LOCKED]["reason"] == f"locked: action {running.body['id']} running"
    assert document["summary"]["planned"] == len(FRESH) + 1
    assert {r.method for r in fifty.requests} == {"GET"}
    assert "Refusing" not in result.stderr

    one = run_cli(fifty, "--json", "snapshot", "create", "2", "--dry-run")
    assert one.returncode == cli.EXIT_OK, one.stderr
    assert json.loads(one.stdout)["results"][0]["reason"] == "would create"
    delete = run_cli(fifty, "snapshot", "delete", "--match", "web-1?.*", "--dry-run")
    assert delete.returncode == cli.EXIT_OK, delete.stderr
    assert "5 planned" in delete.stderr
    assert {r.method for r in fifty.requests} == {"GET"}
    assert [fifty.snapshot(i) is not None for i in FRESH] == [True] * len(FRESH)


def test_a_vm_gone_before_its_restore_exits_1(fifty):
    fifty.set_snapshot(1)
    fifty.inject(faults.vm_gone(), vm=2, method="GET", times=10**6)
    result = run_cli(fifty, "--json", "snapshot", "restore", "1", "2", "--yes", *FAST)
    assert result.returncode == cli.EXIT_API_ERROR, result.stderr
    outcomes = by_vm(json.loads(result.stdout))
    assert outcomes == {1: "started", 2: "error"}
