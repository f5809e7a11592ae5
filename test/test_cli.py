"""The command line: the demo, in process and as the user runs it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hostinger_api import cli
from hostinger_api._version import __version__
from hostinger_api.testing import FakeHostingerApi

STEPS = [
    "1. create_snapshot_v1",
    "2. get_snapshot_v1",
    "3. restore_snapshot_v1",
    "4. delete_snapshot_v1",
    "5. get_snapshot_v1",
    "Done:",
]


def test_the_demo_walks_a_snapshot_through_its_life(capsys):
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    for step in STEPS:
        assert step in out
    assert out.count("finished in") == 3
    assert "404 Snapshot not found: it is gone" in out


def test_python_dash_m_runs_the_demo():
    result = subprocess.run(
        [sys.executable, "-m", "hostinger_api", "demo"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert all(step in result.stdout for step in STEPS)
    assert result.stderr == ""


def test_a_failing_demo_says_why_and_exits_1(monkeypatch, capsys):
    class FailingFake(FakeHostingerApi):
        def __init__(self, **settings):
            super().__init__(**settings)
            self.add_vm(settings["vms"][0], fail_actions=True)

    monkeypatch.setattr("hostinger_api.testing.FakeHostingerApi", FailingFake)
    assert cli.main(["demo"]) == cli.EXIT_API_ERROR
    assert (
        "The demo failed: ActionFailedError: Action 1 (create_snapshot)" in capsys.readouterr().err
    )


def test_a_demo_whose_snapshot_survives_deletion_fails(monkeypatch, capsys):
    class StubbornFake(FakeHostingerApi):
        def _delete_snapshot(self, vm, query):
            return self._start(vm, "delete_snapshot", lambda at: None)

    monkeypatch.setattr("hostinger_api.testing.FakeHostingerApi", StubbornFake)
    assert cli.main(["demo"]) == cli.EXIT_API_ERROR
    assert "still there after it was deleted" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main([])
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        cli.main(["no-such-command"])
    assert caught.value.code == 2


def test_version(capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.strip() == f"hostinger-api {__version__}"
