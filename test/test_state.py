"""The state folder: where it is, the pause shared between processes, and the fleet run lock.

Other processes are played here by files written as they write them (another pid); the tests
with real second processes are in test_unattended.py.
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import stat
import threading
import time
from pathlib import Path

import pytest
from support import TOKEN, VM

from hostinger_api import ApiClient, Configuration, TooManyRequestsException, VPSSnapshotsApi, state
from hostinger_api.state import (
    MAX_SHARED_PAUSE,
    FleetLockHeld,
    PauseBoard,
    default_state_dir,
    fleet_lock,
    pause_board,
    state_dir_source,
    state_key,
)
from hostinger_api.testing import FakeHostingerApi, faults

URL = "https://developers.hostinger.com/api/vps/v1/virtual-machines"


@pytest.fixture(autouse=True)
def _fresh_warnings():
    state._warned.clear()
    yield
    state._warned.clear()


def other_process_pause(
    board: PauseBoard, seconds: float, pid: int = 1, hostname: str = "other-host"
) -> float:
    """Write the pause file as another process would; returns its end (Unix time)."""
    until = time.time() + seconds
    os.makedirs(board.folder, exist_ok=True)
    record = {"until": until, "pid": pid, "hostname": hostname, "reason": "a test"}
    with open(board.path, "w", encoding="utf-8") as file:
        json.dump(record, file)
    return until


# -- where the folder is -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "folder", "source"),
    [
        (
            {"HOSTINGER_API_STATE_DIR": "/a", "STATE_DIRECTORY": "/b", "HOME": "/h"},
            "/a",
            "HOSTINGER_API_STATE_DIR",
        ),
        ({"STATE_DIRECTORY": "/b:/c", "XDG_STATE_HOME": "/x"}, "/b", "STATE_DIRECTORY"),
        ({"XDG_STATE_HOME": "/x", "HOME": "/h"}, "/x/hostinger-api", "XDG_STATE_HOME"),
        (  # the XDG spec: a relative path is ignored
            {"XDG_STATE_HOME": "relative", "HOME": "/h"},
            "/h/.local/state/hostinger-api",
            "the home folder",
        ),
        ({"HOME": "/h"}, "/h/.local/state/hostinger-api", "the home folder"),
        (
            {"HOSTINGER_API_STATE_DIR": "  ", "HOME": "/h"},
            "/h/.local/state/hostinger-api",
            "the home folder",
        ),
    ],
)
def test_the_folder_follows_the_environment_in_order(environ, folder, source):
    assert state_dir_source(environ) == (folder, source)
    assert default_state_dir(environ) == folder


def test_configuration_state_dir_follows_the_environment_until_set(monkeypatch, tmp_path):
    configuration = Configuration()
    monkeypatch.setenv("HOSTINGER_API_STATE_DIR", str(tmp_path / "one"))
    assert configuration.state_dir == str(tmp_path / "one")
    configuration.state_dir = tmp_path / "two"
    assert configuration.state_dir == str(tmp_path / "two")
    configuration.state_dir = None
    assert configuration.state_dir is None
    assert pause_board(configuration) is None


def test_a_plain_configuration_makes_no_folder(tmp_path, monkeypatch):
    folder = tmp_path / "unmade"
    monkeypatch.setenv("HOSTINGER_API_STATE_DIR", str(folder))
    with FakeHostingerApi(vms=[VM], token=TOKEN) as fake:
        configuration = Configuration(host=fake.url, access_token=TOKEN)
        assert configuration.state_dir == str(folder)
        with ApiClient(configuration) as client:
            VPSSnapshotsApi(client).create_snapshot_v1(VM)
        assert fake.configuration().state_dir is None  # a fake's pauses stay in its tests
    assert not folder.exists()  # made only when there is something to write


def test_file_names_hide_the_token():
    key = state_key("https://developers.hostinger.com", TOKEN)
    assert TOKEN not in key
    assert len(key) == 24
    assert key == state_key("https://developers.hostinger.com/", TOKEN)
    assert key != state_key("https://developers.hostinger.com", TOKEN + "x")
    assert key != state_key("http://127.0.0.1:1", TOKEN)


# -- the pause -----------------------------------------------------------------------------------


def test_a_long_429_is_written_for_other_processes(tmp_path):
    folder = tmp_path / "state"
    with FakeHostingerApi(vms=[VM], token=TOKEN) as fake:
        configuration = fake.configuration()
        configuration.state_dir = folder
        configuration.retries = 0
        fake.inject(faults.rate_limited(retry_after=30))
        with ApiClient(configuration) as client, pytest.raises(TooManyRequestsException):
            VPSSnapshotsApi(client).get_snapshot_v1(VM)
        board = pause_board(configuration)
    assert board is not None
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    text = Path(board.path).read_text()
    record = json.loads(text)
    assert record["pid"] == os.getpid()
    assert record["hostname"] == socket.gethostname()
    assert 25 < record["until"] - time.time() <= 30
    assert "429" in record["reason"]
    assert TOKEN not in text
    assert os.listdir(folder) == [os.path.basename(board.path)]  # no temporary file left


def test_a_short_429_is_not_shared(tmp_path):
    board = PauseBoard(str(tmp_path), "k")
    board.learn({"Retry-After": "1", "Content-Type": "application/json"}, "GET", URL)
    assert not os.path.exists(board.path)


def test_a_pause_is_capped_at_an_hour_and_never_shortened(tmp_path):
    board = PauseBoard(str(tmp_path), "k")
    board.record(100_000, "the edge")
    until = state.read_pause(board.path).until
    assert until - time.time() == pytest.approx(MAX_SHARED_PAUSE, abs=5)
    board.record(60, "a shorter one")
    assert state.read_pause(board.path).until == until


def test_another_process_pause_fails_the_request_fast_naming_the_time_and_who(tmp_path):
    with FakeHostingerApi(vms=[VM], token=TOKEN) as fake:
        configuration = fake.configuration()
        configuration.state_dir = tmp_path
        with ApiClient(configuration) as client:
            until = other_process_pause(client.rest_client.pause_board, 30, pid=4242)
            started = time.monotonic()
            with pytest.raises(TooManyRequestsException) as raised:
                VPSSnapshotsApi(client).get_snapshot_v1(VM)
            assert time.monotonic() - started < 5
        assert fake.requests == []  # nothing was sent
    message = str(raised.value)
    clock = time.strftime("%H:%M:%S", time.localtime(math.ceil(until)))  # never too early
    assert clock in message
    assert "pid 4242 on other-host" in message
    assert 25 < raised.value.retry_after <= 30


def test_a_pause_that_ended_stops_nothing(tmp_path):
    with FakeHostingerApi(vms=[VM], token=TOKEN) as fake:
        configuration = fake.configuration()
        configuration.state_dir = tmp_path
        with ApiClient(configuration) as client:
            other_process_pause(client.rest_client.pause_board, -1)
            VPSSnapshotsApi(client).create_snapshot_v1(VM)
        assert len(fake.requests) == 1


def test_a_client_own_pause_is_left_to_its_gate_and_another_client_obeys_it(tmp_path):
    writer, other = PauseBoard(str(tmp_path), "k"), PauseBoard(str(tmp_path), "k")
    writer.record(30, "a test")
    writer.check("GET", URL)  # no exception: the writer's own gate holds its requests
    with pytest.raises(TooManyRequestsException, match=f"recorded by pid {os.getpid()} on "):
        other.check("GET", URL)  # a client made later in this process: as any other process


def test_a_new_client_in_the_process_that_met_the_block_sends_nothing(tmp_path):
    with FakeHostingerApi(vms=[VM], token=TOKEN) as fake:
        configuration = fake.configuration()
        configuration.state_dir = tmp_path
        configuration.retries = 0
        fake.inject(faults.rate_limited(retry_after=30))
        with ApiClient(configuration) as first, pytest.raises(TooManyRequestsException):
            VPSSnapshotsApi(first).get_snapshot_v1(VM)
        for _ in range(3):  # a notebook cell run again, a client per task
            with ApiClient(configuration) as later, pytest.raises(TooManyRequestsException):
                VPSSnapshotsApi(later).get_snapshot_v1(VM)
        assert len(fake.requests) == 1


@pytest.mark.parametrize("until", ["Infinity", "NaN", "\"soon\"", "-Infinity", "[1]"])
def test_a_pause_file_with_an_impossible_time_is_ignored(tmp_path, until):
    board = PauseBoard(str(tmp_path), "k")
    Path(board.path).write_text(f'{{"until": {until}, "pid": 1, "hostname": "h", "reason": "r"}}')
    board.check("GET", URL)  # neither stopped for ever nor an OverflowError


@pytest.mark.parametrize("ahead", [10 * 365 * 86400, 1e300])
def test_a_pause_file_is_never_obeyed_past_max_pause(tmp_path, ahead):
    board = PauseBoard(str(tmp_path), "k", max_pause=60)
    record = {"until": time.time() + ahead, "pid": 1, "hostname": "h"}
    Path(board.path).write_text(json.dumps(record))
    with pytest.raises(TooManyRequestsException) as raised:
        board.check("GET", URL)
    assert 55 < raised.value.retry_after <= 60


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_as_the_pause_file_blocks_nothing(tmp_path):
    board = PauseBoard(str(tmp_path), "k")
    os.mkfifo(board.path)
    outcome = in_other_thread(lambda: board.check("GET", URL))
    assert outcome is None  # returned at once (in_other_thread gives up after 30 s)
    assert state.read_pause(board.path) is None


def test_a_symlink_as_the_pause_file_is_not_followed(tmp_path):
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps({"until": time.time() + 30, "pid": 1, "hostname": "h"}))
    board = PauseBoard(str(tmp_path), "k")
    os.symlink(elsewhere, board.path)
    board.check("GET", URL)


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="no file owners here")
@pytest.mark.parametrize("mode", [0o777, 0o770, 0o702])
def test_a_folder_others_can_write_is_not_used(client, tmp_path, caplog, mode):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(mode)
    client.configuration.state_dir = str(shared)
    board = PauseBoard(str(shared), "k")
    with caplog.at_level(logging.WARNING, logger="hostinger_api"):
        board.record(30, "a test")
        with fleet_lock(client):
            refused = in_other_thread(lambda: take(client))
    assert refused is None  # nothing was locked
    assert os.listdir(shared) == []  # nothing written
    record = {"until": time.time() + 30, "pid": 1, "hostname": "h"}
    Path(board.path).write_text(json.dumps(record))  # as another user could
    board.check("GET", URL)  # not obeyed
    assert f"writable by others (mode {mode:04o})" in caplog.text
    assert len(caplog.records) == 1


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="no file owners here")
def test_a_planted_lock_symlink_is_not_followed(client, tmp_path, caplog):
    victim = tmp_path / "victim"
    victim.write_text("precious")
    folder = Path(client.configuration.state_dir)
    folder.mkdir(mode=0o700, exist_ok=True)
    key = state_key(client.configuration.host, client.configuration.access_token)
    os.symlink(victim, folder / f"lock-{key}")
    with caplog.at_level(logging.WARNING, logger="hostinger_api"), fleet_lock(client):
        pass
    assert victim.read_text() == "precious"
    assert "opening the lock" in caplog.text


def test_the_file_is_read_again_only_when_it_changed(tmp_path, monkeypatch):
    monkeypatch.setattr(state, "LOOK_EVERY", 0.0)  # a stat at every request
    board = PauseBoard(str(tmp_path), "k")
    other_process_pause(board, -1)
    reads = []
    real = state.read_pause
    monkeypatch.setattr(state, "read_pause", lambda path: reads.append(path) or real(path))
    for _ in range(100):
        board.check("GET", URL)
    assert len(reads) == 1
    time.sleep(0.01)
    other_process_pause(board, 30)  # a new file (another inode, size or mtime)
    with pytest.raises(TooManyRequestsException):
        board.check("GET", URL)
    assert len(reads) == 2


def test_a_busy_client_looks_at_the_file_once_per_interval(tmp_path, monkeypatch):
    board = PauseBoard(str(tmp_path), "k")
    looks = []
    real = PauseBoard._look
    monkeypatch.setattr(PauseBoard, "_look", lambda self: looks.append(1) or real(self))
    started = time.monotonic()
    for _ in range(1000):
        board.check("GET", URL)
    elapsed = time.monotonic() - started
    assert 1 <= len(looks) <= 1 + elapsed / state.LOOK_EVERY
    time.sleep(state.LOOK_EVERY * 2)
    other_process_pause(board, 30)
    with pytest.raises(TooManyRequestsException):
        board.check("GET", URL)  # seen at the next look


def test_a_broken_pause_file_is_ignored(tmp_path):
    board = PauseBoard(str(tmp_path), "k")
    with open(board.path, "w") as file:
        file.write("{not json")
    board.check("GET", URL)


# -- a folder that cannot be used ----------------------------------------------------------------


def unusable_folder(tmp_path) -> str:
    """A folder that cannot be made, even by root: its parent is a file."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    return str(blocker / "state")


def test_an_unusable_folder_costs_one_warning_and_nothing_else(tmp_path, caplog):
    folder = unusable_folder(tmp_path)
    with FakeHostingerApi(vms=[VM], token=TOKEN) as fake:
        configuration = fake.configuration()
        configuration.state_dir = folder
        configuration.retries = 0
        configuration.shared_rate_limit = False  # each call meets its own 429
        fake.inject(faults.rate_limited(retry_after=30), times=3)
        with (
            caplog.at_level(logging.WARNING, logger="hostinger_api"),
            ApiClient(configuration) as client,
        ):
            for _ in range(3):
                with pytest.raises(TooManyRequestsException):
                    VPSSnapshotsApi(client).get_snapshot_v1(VM)
            with fleet_lock(client, operation="test"):
                pass
    warnings = [r for r in caplog.records if "state folder" in r.getMessage()]
    assert len(warnings) == 1
    assert folder in warnings[0].getMessage()


# -- the fleet lock ------------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path):
    configuration = Configuration(host="http://127.0.0.1:9", access_token=TOKEN)
    configuration.state_dir = tmp_path / "state"
    with ApiClient(configuration) as api_client:
        yield api_client


def take(client, **settings):
    """Take the lock and let it go: what another run does."""
    with fleet_lock(client, **settings):
        pass


def in_other_thread(work):
    """Run ``work`` in another thread (another holder of the lock): what it raised, or None."""
    outcome = []

    def run():
        try:
            work()
            outcome.append(None)
        except BaseException as error:  # handed to the test
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    return outcome[0]


def test_a_second_holder_is_refused_at_once_with_the_first_one_described(client):
    with fleet_lock(client, operation="snapshot create"):
        started = time.monotonic()
        refused = in_other_thread(lambda: take(client, operation="other"))
        assert time.monotonic() - started < 5
    assert isinstance(refused, FleetLockHeld)
    assert refused.pid == os.getpid()
    assert refused.operation == "snapshot create"
    assert f"another run (pid {os.getpid()}, started at " in str(refused)
    assert "snapshot create) holds the lock" in str(refused)
    assert TOKEN not in str(refused)


def test_the_lock_is_free_once_released(client):
    with fleet_lock(client):
        pass
    assert in_other_thread(lambda: take(client)) is None


def test_the_same_thread_may_nest_it(client):
    with fleet_lock(client, operation="outer"), fleet_lock(client, operation="inner"):
        refused = in_other_thread(lambda: take(client))
    assert isinstance(refused, FleetLockHeld)
    assert refused.operation == "outer"


def test_waiting_for_the_lock_gets_it_when_the_holder_ends(client):
    release = threading.Event()

    def hold():
        with fleet_lock(client, operation="first"):
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.3)
    threading.Timer(0.5, release.set).start()
    with fleet_lock(client, operation="second", wait=20):
        got = True
    holder.join(30)
    assert got


def test_waiting_gives_up_after_its_time(client):
    with fleet_lock(client, operation="first"):
        started = time.monotonic()
        refused = in_other_thread(lambda: take(client, wait=0.5))
        assert 0.4 < time.monotonic() - started < 10
    assert isinstance(refused, FleetLockHeld)


def test_without_a_folder_nothing_is_locked(client):
    client.configuration.state_dir = None
    with fleet_lock(client):
        assert in_other_thread(lambda: take(client)) is None


def test_a_holder_that_wrote_nothing_readable_is_still_reported(client, tmp_path):
    with fleet_lock(client, operation="first"):
        lock = next(Path(client.configuration.state_dir).glob("lock-*"))
        lock.write_text('{"pid": "x", "started": [], "operation": 5}')
        refused = in_other_thread(lambda: take(client))
    assert isinstance(refused, FleetLockHeld)
    assert "another run (pid unknown, started at an unknown time, operation unknown)" in str(
        refused
    )


def test_without_flock_nothing_is_locked_after_one_warning(client, monkeypatch, caplog):
    monkeypatch.setattr(state, "_FLOCK", False)  # as on Windows
    with caplog.at_level(logging.WARNING, logger="hostinger_api"):
        with fleet_lock(client):
            assert in_other_thread(lambda: take(client)) is None
        take(client)
    warnings = [r.getMessage() for r in caplog.records if "state folder" in r.getMessage()]
    assert len(warnings) == 1
    assert "no fcntl.flock here" in warnings[0]


def test_without_retry_after_the_reset_is_the_pause(tmp_path):
    board = PauseBoard(str(tmp_path), "k")
    board.learn({"RateLimit-Reset": "30", "Content-Type": "application/json"}, "GET", URL)
    pause = state.read_pause(board.path)
    assert pause is not None
    assert 25 < pause.until - time.time() <= 30
    assert "edge block" not in pause.reason


def test_a_pause_that_cannot_be_written_costs_one_warning(tmp_path, caplog):
    board = PauseBoard(str(tmp_path), "k")
    os.makedirs(os.path.join(board.path, "in-the-way"))  # a folder where the file would go
    with caplog.at_level(logging.WARNING, logger="hostinger_api"):
        board.record(30, "first")
        board.record(60, "second")
    warnings = [r.getMessage() for r in caplog.records if "state folder" in r.getMessage()]
    assert len(warnings) == 1
    assert "writing the pause" in warnings[0]
    assert [name for name in os.listdir(tmp_path) if name.startswith(".pause-")] == []


def test_a_lock_file_that_cannot_be_opened_locks_nothing(client, caplog):
    folder = client.configuration.state_dir
    os.makedirs(folder)
    key = state_key(client.configuration.host, client.configuration.access_token)
    os.makedirs(os.path.join(folder, f"lock-{key}"))  # a folder: open() fails
    with caplog.at_level(logging.WARNING, logger="hostinger_api"), fleet_lock(client):
        assert in_other_thread(lambda: take(client)) is None
    assert any("opening the lock" in r.getMessage() for r in caplog.records)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="this platform has no fork()")
def test_a_child_forked_while_the_lock_table_was_busy_can_still_take_the_lock(client):
    # As if another thread of the parent were inside fleet_lock's bookkeeping at the fork.
    assert state._held_lock.acquire(timeout=5)
    try:
        pid = os.fork()
        if pid == 0:  # the child: without new locks it would hang here for ever
            code = 1
            try:
                with fleet_lock(client, operation="in the child"):
                    code = 0
            finally:
                os._exit(code)
    finally:
        state._held_lock.release()
    deadline = time.monotonic() + 20
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the child hung on a lock held at the fork")
        time.sleep(0.05)
    assert os.waitstatus_to_exitcode(status) == 0
