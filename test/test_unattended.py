"""Unattended on a shared machine: real second processes against the fake.

Each process is ``python -m hostinger_api`` (or the fake's own command line), started with the
state folder of the test (conftest sets ``HOSTINGER_API_STATE_DIR``), as cron would start it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Optional

import pytest
import urllib3
from support import TOKEN, VM

from hostinger_api import ApiClient, TooManyRequestsException, VPSSnapshotsApi, cli
from hostinger_api.cli._parser import build_parser
from hostinger_api.testing import EdgeBlock, FakeHostingerApi, faults

OTHER_VM = VM + 1
WAIT = 30  # seconds a helper waits for something that should take well under one


def command(fake: FakeHostingerApi, *args: str) -> list[str]:
    return [sys.executable, "-m", "hostinger_api", "--host", fake.url, *args]


def environment(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["HOSTINGER_API_TOKEN"] = TOKEN
    env.update(extra)
    return env


def run(fake: FakeHostingerApi, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command(fake, *args),
        capture_output=True,
        text=True,
        env=environment(**env),
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert TOKEN not in result.stdout + result.stderr
    return result


def start(fake: FakeHostingerApi, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command(fake, *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(),
        stdin=subprocess.DEVNULL,
    )


def wait_for(condition, what: str) -> None:
    ends = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > ends:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
    process.communicate(timeout=WAIT)


def pause_files() -> list[Path]:
    return list(Path(os.environ["HOSTINGER_API_STATE_DIR"]).glob("pause-*.json"))


@pytest.fixture
def fleet():
    with FakeHostingerApi(vms=[VM, OTHER_VM], token=TOKEN) as fake:
        yield fake


# -- one fleet run at a time ---------------------------------------------------------------------


def first_run_holding_the_lock(fake: FakeHostingerApi) -> subprocess.Popen[str]:
    """A fleet run that has taken the lock and waits (20 s) for the answer to its first request."""
    fake.inject(faults.slow(20))
    first = start(fake, "snapshot", "create", "--all")
    wait_for(lambda: len(fake.requests) == 1, "the first run's listing")
    return first


def test_a_second_fleet_run_exits_5_at_once_and_sends_nothing(fleet):
    first = first_run_holding_the_lock(fleet)
    try:
        started = time.monotonic()
        second = run(fleet, "snapshot", "create", "--all")
        assert time.monotonic() - started < 15  # at once: not after the first run's 20 s
        assert second.returncode == cli.EXIT_LOCKED == 5
        assert re.search(
            rf"another run \(pid {first.pid}, started at \S+, snapshot create\) holds the lock",
            second.stderr,
        )
        assert "nothing was sent" in second.stderr
        assert second.stdout == ""
        assert len(fleet.requests) == 1  # the first run's, still waiting for its answer
    finally:
        stop(first)


def test_after_kill_9_of_the_first_run_the_lock_is_free_at_once(fleet):
    first = first_run_holding_the_lock(fleet)
    first.send_signal(signal.SIGKILL)
    stop(first)
    fleet.clear_requests()
    second = run(fleet, "snapshot", "create", "--all")
    assert second.returncode == cli.EXIT_OK, second.stderr
    posts = [r for r in fleet.requests if r.method == "POST"]
    assert sorted(r.path for r in posts) == sorted(
        f"/api/vps/v1/virtual-machines/{vm}/snapshot" for vm in (VM, OTHER_VM)
    )


def test_wait_for_lock_waits_for_the_first_run_to_end(fleet):
    first = first_run_holding_the_lock(fleet)
    try:
        second = start(fleet, "snapshot", "create", "--all", "--wait-for-lock", "60")
        time.sleep(1)
        assert second.poll() is None  # still waiting
        assert len(fleet.requests) == 1
        first.send_signal(signal.SIGKILL)
        _, err = second.communicate(timeout=60)
        assert second.returncode == cli.EXIT_OK, err
    finally:
        stop(first)


def test_one_vm_commands_take_no_lock(fleet):
    first = first_run_holding_the_lock(fleet)
    try:
        result = run(fleet, "snapshot", "create", str(VM))
        assert result.returncode == cli.EXIT_OK, result.stderr
    finally:
        stop(first)


# -- a pause remembered across processes ---------------------------------------------------------


def first_process_throttled(fake: FakeHostingerApi, retry_after: int) -> subprocess.Popen[str]:
    """A process whose request got a 429 asking for ``retry_after`` s, now sleeping it out."""
    fake.inject(faults.rate_limited(retry_after=retry_after))
    first = start(fake, "snapshot", "get", str(VM))
    wait_for(lambda: pause_files() != [], "the first process's pause file")
    return first


def clock_in(text: str) -> Optional[float]:
    """The end of the pause a message gives, as Unix time."""
    found = re.search(r"paused until (\S+), as recorded by pid (\d+) on (\S+)", text)
    return None if found is None else datetime.fromisoformat(found[1]).timestamp()


def test_a_429_with_retry_after_30_in_one_process_stops_the_next_one_before_it_sends(fleet):
    asked = time.time()
    first = first_process_throttled(fleet, 30)
    try:
        sent = len(fleet.requests)
        started = time.monotonic()
        second = run(fleet, "snapshot", "get", str(VM))
        assert time.monotonic() - started < 15  # fails fast: it does not sleep out the pause
        assert second.returncode == cli.EXIT_API_ERROR
        assert "TooManyRequestsException" in second.stderr
        assert f"as recorded by pid {first.pid} on " in second.stderr
        until = clock_in(second.stderr)
        assert until is not None
        assert asked + 25 < until < time.time() + 31
        assert len(fleet.requests) == sent  # the second process sent nothing
    finally:
        stop(first)


def test_after_the_pause_the_next_process_works(fleet):
    fleet.set_snapshot(VM)
    first = first_process_throttled(fleet, 6)
    try:
        refused = run(fleet, "snapshot", "get", str(VM))
        assert refused.returncode == cli.EXIT_API_ERROR
        until = clock_in(refused.stderr)
        assert until is not None
        time.sleep(max(0.0, until - time.time()) + 0.1)
        later = run(fleet, "--json", "snapshot", "get", str(VM))
        assert later.returncode == cli.EXIT_OK, later.stderr
        _, err = first.communicate(timeout=WAIT)
        assert first.returncode == cli.EXIT_OK, err  # the first waited its pause and went on
    finally:
        stop(first)


def test_another_token_is_not_stopped_by_the_pause(fleet):
    first = first_process_throttled(fleet, 30)
    try:
        other = subprocess.run(
            command(fleet, "snapshot", "get", str(VM)),
            capture_output=True,
            text=True,
            env=environment(HOSTINGER_API_TOKEN="another-token"),
            timeout=120,
        )
        assert "paused until" not in other.stderr
        assert fleet.requests[-1].path.endswith(f"/{VM}/snapshot")  # it was sent (and refused)
    finally:
        stop(first)


# -- a state folder that cannot be used ----------------------------------------------------------


def test_an_unusable_state_folder_degrades_with_one_warning(fleet, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    fleet.inject(faults.rate_limited(retry_after=5))
    result = run(
        fleet,
        "snapshot",
        "create",
        "--all",
        "--wait",
        "--poll-interval",
        "0.1",
        HOSTINGER_API_STATE_DIR=str(blocker / "state"),
    )
    assert result.returncode == cli.EXIT_OK, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "state folder" in line]
    assert len(warnings) == 1
    assert str(blocker / "state") in warnings[0]
    assert "not shared" in warnings[0]


# -- the edge block ------------------------------------------------------------------------------


def test_the_edge_block_is_text_and_the_client_says_it_is_not_json(tmp_path):
    with FakeHostingerApi(vms=[VM], token=TOKEN, edge_block=EdgeBlock(after=1)) as fake:
        fake.edge_block.begin(120)
        configuration = fake.configuration()
        configuration.state_dir = None
        with ApiClient(configuration) as client, pytest.raises(TooManyRequestsException) as raised:
            VPSSnapshotsApi(client).get_snapshot_v1(VM)
        assert len(fake.requests) == 1  # Retry-After is past the retry budget: not retried
    error = raised.value
    assert error.body == "error code: 1015"
    assert error.headers["Content-Type"].startswith("text/plain")
    assert 110 < error.retry_after <= 120
    assert error.edge_block
    assert "not JSON" in str(error)
    assert "edge block" in str(error)


def test_the_fake_command_line_blocks_like_the_edge_and_the_next_process_sends_nothing():
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hostinger_api.testing",
            "--token",
            TOKEN,
            "--vm",
            str(VM),
            "--rate-limit",
            "1/60",
            "--edge-block",
            "1/10/300",
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().split()[-1]
        path = f"{url}/api/vps/v1/virtual-machines/{VM}/snapshot"

        def get() -> urllib3.BaseHTTPResponse:
            return urllib3.request(
                "GET", path, headers={"Authorization": f"Bearer {TOKEN}"}, retries=False
            )

        assert get().status == 404  # no snapshot yet
        limited = get()  # the rate limit's JSON 429
        assert limited.status == 429
        assert limited.headers["Content-Type"] == "application/json"
        blocked = get()  # then the edge's
        assert blocked.status == 429
        assert blocked.data == b"error code: 1015"
        assert blocked.headers["Content-Type"].startswith("text/plain")
        assert 290 < int(blocked.headers["Retry-After"]) <= 300

        env = environment()
        first = subprocess.run(
            [sys.executable, "-m", "hostinger_api", "--host", url, "snapshot", "get", str(VM)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert first.returncode == cli.EXIT_API_ERROR
        assert "not JSON" in first.stderr
        assert "edge block" in first.stderr
        second = subprocess.run(
            [sys.executable, "-m", "hostinger_api", "--host", url, "snapshot", "get", str(VM)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert second.returncode == cli.EXIT_API_ERROR
        assert "Not sent: paused until" in second.stderr
        assert "edge block" in second.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=WAIT)


# -- the units in the docs -----------------------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
UNITS = ("hostinger-api-snapshots.service", "hostinger-api-snapshots.timer")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
def test_the_systemd_units_verify(tmp_path):
    script = Path(sys.executable).with_name("hostinger-api")
    for name in UNITS:
        text = (EXAMPLES / "systemd" / name).read_text()
        # verify checks that ExecStart's program exists: this checkout's, not /usr/local/bin's
        (tmp_path / name).write_text(text.replace("/usr/local/bin/hostinger-api", str(script)))
    result = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / name) for name in UNITS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "hostinger-api-snapshots" not in result.stderr  # no warning about our units


def test_the_units_say_what_the_docs_promise():
    service = (EXAMPLES / "systemd" / UNITS[0]).read_text()
    timer = (EXAMPLES / "systemd" / UNITS[1]).read_text()
    for line in (
        "Type=oneshot",
        "LoadCredential=hostinger-api-token:",
        "StateDirectory=hostinger-api",
    ):
        assert f"\n{line}" in service
    assert "\nRandomizedDelaySec=" in timer
    workflow = (EXAMPLES / "github-actions.yml").read_text()
    assert (
        "\nconcurrency:\n  group: hostinger-api-snapshots\n  cancel-in-progress: false\n"
        in workflow
    )


def documented_commands() -> list[list[str]]:
    """Every ``hostinger-api ...`` command of the units, the workflow and the unattended page."""
    texts = [
        (EXAMPLES / "systemd" / UNITS[0]).read_text(),
        (EXAMPLES / "github-actions.yml").read_text(),
        (EXAMPLES.parent / "unattended.md").read_text(),
    ]
    commands = []
    for text in texts:
        for found in re.finditer(r"hostinger-api (--[^\n>]*?)(?: >|\n)", text):
            commands.append(shlex.split(found[1]))
    return commands


def test_the_documented_commands_parse():
    commands = documented_commands()
    assert len(commands) >= 4
    for args in commands:
        options = build_parser().parse_args(args)
        assert options.command == "create"
        assert options.all
        assert options.fresh_within is not None


def test_the_edge_block_begins_after_k_429s_within_its_span_and_ends():
    now = [0.0]
    edge = EdgeBlock(after=2, span=10, seconds=100, clock=lambda: now[0])
    edge.saw(429)
    now[0] = 11.0  # the first one is out of the span
    edge.saw(200)
    edge.saw(429)
    assert not edge.active
    assert edge.refusal() is None
    now[0] = 12.0
    edge.saw(429)
    assert edge.active
    assert edge.blocks == 1
    answer = edge.refusal()
    assert answer is not None
    assert answer.headers["Retry-After"] == "100"
    now[0] = 111.5
    assert edge.refusal().headers["Retry-After"] == "1"
    edge.end()
    assert edge.refusal() is None
    assert edge.refused == 2


@pytest.mark.parametrize(
    "setting",
    [
        (0, 10, 10),
        (1, 0, 10),
        (1, 10, float("inf")),
        (1, "10", 10),
        (True, 1, 1),
        (1, 2),
        "5/10/60",
    ],
)
def test_a_bad_edge_block_is_refused_clearly(setting):
    with pytest.raises(ValueError, match=r"edge block|edge_block"):
        FakeHostingerApi(edge_block=setting)


def test_a_bad_edge_block_option_is_a_usage_error():
    result = subprocess.run(
        [sys.executable, "-m", "hostinger_api.testing", "--edge-block", "5/10"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "expected K/SPAN/SECONDS" in result.stderr
