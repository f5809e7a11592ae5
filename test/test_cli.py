"""The command line, run as users run it: a subprocess against the fake, one per command.

Every run is checked for the token: it must not appear on stdout or stderr, whatever happened.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest
from support import TOKEN, VM

from hostinger_api import Configuration, cli
from hostinger_api._version import __version__
from hostinger_api.cli._parser import build_parser
from hostinger_api.testing import FakeHostingerApi, faults

OTHER_VM = 1268055


def run_cli(
    fake: Optional[FakeHostingerApi], *args: str, token: Optional[str] = TOKEN
) -> subprocess.CompletedProcess[str]:
    """``python -m hostinger_api [--host FAKE] ARGS`` with the token in the environment only."""
    env = {k: v for k, v in os.environ.items() if k != "HOSTINGER_API_TOKEN"}
    if token is not None:
        env["HOSTINGER_API_TOKEN"] = token
    host = ["--host", fake.url] if fake is not None else []
    result = subprocess.run(
        [sys.executable, "-m", "hostinger_api", *host, *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert TOKEN not in result.stdout + result.stderr
    return result


def parsed(result: subprocess.CompletedProcess[str]) -> dict:
    """The one JSON document ``--json`` prints: stdout must hold it and nothing else."""
    return json.loads(result.stdout)


# -- every command, with --json parsed -----------------------------------------------------------


def test_snapshot_create_wait_json_prints_the_finished_action_and_exits_0(fake):
    fake.action_seconds = 0.2
    result = run_cli(fake, "--json", "snapshot", "create", str(VM), "--wait")
    assert result.returncode == cli.EXIT_OK, result.stderr
    action = parsed(result)
    assert (action["name"], action["state"]) == ("create_snapshot", "success")
    assert action == fake.actions(VM)[0]
    assert f"action {action['id']} create_snapshot: success (" in result.stderr
    assert fake.snapshot(VM) is not None


def test_snapshot_create_without_wait_prints_the_started_action(fake):
    fake.action_seconds = math.inf
    result = run_cli(fake, "snapshot", "create", str(VM), "--json")
    assert result.returncode == cli.EXIT_OK, result.stderr
    assert parsed(result)["state"] == "created"
    assert result.stderr == "", "no wait, no progress"


def test_snapshot_get_as_json_and_as_a_table(fake):
    snapshot = fake.set_snapshot(VM)
    as_json = run_cli(fake, "--json", "snapshot", "get", str(VM))
    assert as_json.returncode == cli.EXIT_OK
    assert parsed(as_json) == snapshot
    table = run_cli(fake, "snapshot", "get", str(VM))
    assert table.stdout.splitlines() == [
        f"id            {snapshot['id']}",
        f"restore_time  {snapshot['restore_time']}",
        f"created_at    {snapshot['created_at'].replace('Z', '+00:00')}",
        f"expires_at    {snapshot['expires_at'].replace('Z', '+00:00')}",
    ]


@pytest.mark.parametrize(
    ("command", "name"), [("delete", "delete_snapshot"), ("restore", "restore_snapshot")]
)
def test_delete_and_restore_with_yes_and_wait(fake, command, name):
    fake.set_snapshot(VM)
    result = run_cli(fake, "--json", "snapshot", command, str(VM), "--yes", "--wait")
    assert result.returncode == cli.EXIT_OK, result.stderr
    assert (parsed(result)["name"], parsed(result)["state"]) == (name, "success")
    assert (fake.snapshot(VM) is None) == (command == "delete")


@pytest.mark.parametrize("command", ["delete", "restore"])
def test_delete_and_restore_refuse_without_yes_and_without_a_terminal(fake, command):
    fake.set_snapshot(VM)
    result = run_cli(fake, "snapshot", command, str(VM), "--wait")
    assert result.returncode == cli.EXIT_USAGE
    assert "Refusing without --yes: no terminal to ask." in result.stderr
    assert result.stdout == ""
    assert fake.requests == [], "nothing was sent"
    assert fake.snapshot(VM) is not None


def test_action_get_and_wait(fake):
    fake.action_seconds = 0.2
    action_id = run_cli(fake, "--json", "snapshot", "create", str(VM)).stdout
    action_id = json.loads(action_id)["id"]
    got = run_cli(fake, "action", "get", str(VM), str(action_id), "--json")
    assert got.returncode == cli.EXIT_OK
    assert parsed(got)["id"] == action_id
    waited = run_cli(fake, "action", "wait", str(VM), str(action_id), "--json")
    assert waited.returncode == cli.EXIT_OK, waited.stderr
    assert parsed(waited)["state"] == "success"
    table = run_cli(fake, "action", "get", str(VM), str(action_id))
    assert table.stdout.splitlines()[:3] == [
        f"id          {action_id}",
        "name        create_snapshot",
        "state       success",
    ]


def test_action_list_pages():
    with FakeHostingerApi(vms=[VM], token=TOKEN, per_page=2) as fake:
        fake.set_snapshot(VM)
        for command in (["create"], ["restore", "--yes"], ["restore", "--yes"]):
            assert run_cli(fake, "snapshot", *command, str(VM), "--wait").returncode == 0
        second = run_cli(fake, "--json", "action", "list", str(VM), "--page", "2")
        assert second.returncode == cli.EXIT_OK
        page = parsed(second)
        assert [a["id"] for a in page["data"]] == [1]
        assert page["meta"] == {"current_page": 2, "per_page": 2, "total": 3}
        table = run_cli(fake, "action", "list", str(VM)).stdout.splitlines()
    assert table[0].split() == ["id", "name", "state", "created_at", "updated_at"]
    assert [row.split()[:3] for row in table[1:3]] == [
        ["3", "restore_snapshot", "success"],
        ["2", "restore_snapshot", "success"],
    ]
    assert table[3] == "page 1 of 2, 3 actions in all"


# -- every exit code -----------------------------------------------------------------------------


def test_a_failing_action_exits_3_and_prints_it(fake):
    fake.add_vm(VM, fail_actions=True)
    result = run_cli(fake, "--json", "snapshot", "create", str(VM), "--wait")
    assert result.returncode == cli.EXIT_ACTION_FAILED
    assert parsed(result)["state"] == "error"
    assert "ended in state 'error'" in result.stderr


def test_a_stuck_action_exits_4_at_the_timeout_and_says_how_to_resume(fake):
    fake.add_vm(VM, action_seconds=math.inf)
    result = run_cli(fake, "--json", "--timeout", "0.5", "snapshot", "create", str(VM), "--wait")
    assert result.returncode == cli.EXIT_WAIT_TIMED_OUT
    action = parsed(result)
    assert action["state"] == "created"
    assert f"Resume the wait with: hostinger-api action wait {VM} {action['id']}" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["snapshot", "get", str(OTHER_VM)], "NotFoundException: (404)"),
        (["action", "get", str(VM), "99"], "NotFoundException: (404)"),
        (["snapshot", "delete", str(VM), "--yes"], "UnprocessableEntityException: (422)"),
    ],
)
def test_api_errors_exit_1_with_nothing_on_stdout(fake, args, expected):
    result = run_cli(fake, "--json", *args)
    assert result.returncode == cli.EXIT_API_ERROR
    assert result.stdout == ""
    assert expected in result.stderr


def test_a_wrong_token_exits_1(fake):
    result = run_cli(fake, "snapshot", "get", str(VM), token="not-the-token")
    assert result.returncode == cli.EXIT_API_ERROR
    assert "UnauthorizedException: (401)" in result.stderr


def test_no_server_exits_1():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    options = build_parser().parse_args(["--host", url, "snapshot", "get", str(VM)])
    out, err = io.StringIO(), io.StringIO()
    configuration = Configuration(host=url, access_token=TOKEN, retries=0)  # in process: no waits
    assert cli.execute(options, configuration, out=out, err=err) == cli.EXIT_API_ERROR
    assert err.getvalue().startswith("hostinger-api: ApiConnectionError: (0)")
    assert out.getvalue() == ""


def test_a_poll_that_fails_for_good_exits_1_and_says_how_to_resume(fake):
    fake.add_vm(VM, action_seconds=math.inf)
    fake.inject(faults.error(500), method="GET")
    result = run_cli(fake, "snapshot", "create", str(VM), "--wait")
    assert result.returncode == cli.EXIT_API_ERROR
    assert "ServiceException: (500)" in result.stderr
    assert f"Resume the wait with: hostinger-api action wait {VM} 1" in result.stderr


@pytest.mark.parametrize(
    ("args", "token", "expected"),
    [
        (["snapshot", "get", str(VM)], None, "HOSTINGER_API_TOKEN is not set"),
        (["snapshot", "get", str(VM)], "  ", "HOSTINGER_API_TOKEN is not set"),
        (["snapshot", "get", "0"], TOKEN, "argument VM_ID: must be 1 or more, not 0"),
        (["snapshot", "get", "abc"], TOKEN, "argument VM_ID: not a positive whole number"),
        (["action", "get", str(VM), "-3"], TOKEN, "ACTION_ID"),
        (["action", "list", str(VM), "--page", "0"], TOKEN, "--page: must be 1 or more"),
        (["--timeout", "0", "action", "wait", str(VM), "1"], TOKEN, "must be more than 0"),
        (["--timeout", "inf", "action", "wait", str(VM), "1"], TOKEN, "must be more than 0"),
        (["snapshot", "rename", str(VM)], TOKEN, "invalid choice: 'rename'"),
        (["snapshot"], TOKEN, "required: COMMAND"),
    ],
)
def test_usage_errors_exit_2_and_send_nothing(fake, args, token, expected):
    result = run_cli(fake, *args, token=token)
    assert result.returncode == cli.EXIT_USAGE
    assert expected in result.stderr
    assert fake.requests == []


def test_a_host_that_would_expose_the_token_is_a_usage_error():
    result = run_cli(None, "--host", "http://example.com", "snapshot", "get", str(VM))
    assert result.returncode == cli.EXIT_USAGE
    assert "Refusing to send the token in clear text to http://example.com" in result.stderr


def test_ctrl_c_while_waiting_exits_130_and_prints_the_action_id(fake):
    fake.add_vm(VM, action_seconds=math.inf)
    env = {**os.environ, "HOSTINGER_API_TOKEN": TOKEN}
    command = ["--host", fake.url, "snapshot", "create", str(VM), "--wait"]
    with subprocess.Popen(
        [sys.executable, "-m", "hostinger_api", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    ) as process:
        assert process.stderr is not None
        first = process.stderr.readline()  # the first progress line: the wait has begun
        assert first.startswith("action 1 create_snapshot: created")
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == cli.EXIT_INTERRUPTED
    assert (
        f"interrupted; action 1 goes on. Resume the wait with: hostinger-api action wait {VM} 1"
        in err
    )
    assert out == ""
    assert TOKEN not in out + err + first


# -- the parts a subprocess cannot reach: a terminal -------------------------------------------


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def in_process(fake: FakeHostingerApi, *args: str, answer: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), Terminal()
    options = build_parser().parse_args(["--host", fake.url, *args])
    original = sys.stdin
    sys.stdin = Terminal(answer)
    try:
        code = cli.execute(options, fake.configuration(), out=out, err=err, poll_interval=0.05)
    finally:
        sys.stdin = original
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("answer", ["y\n", "yes\n", "Y\n"])
def test_on_a_terminal_a_yes_goes_on(fake, answer):
    fake.set_snapshot(VM)
    code, out, err = in_process(fake, "snapshot", "delete", str(VM), answer=answer)
    assert code == cli.EXIT_OK
    assert err == f"Delete the snapshot of virtual machine {VM}? It cannot be undone. [y/N] "
    assert "delete_snapshot" in out


@pytest.mark.parametrize("answer", ["\n", "n\n", "", "yess\n"])
def test_on_a_terminal_anything_else_does_nothing(fake, answer):
    fake.set_snapshot(VM)
    code, _, err = in_process(fake, "snapshot", "restore", str(VM), answer=answer)
    assert code == cli.EXIT_USAGE
    assert err.endswith("[y/N] hostinger-api: error: Not confirmed: nothing was done.\n")
    assert fake.requests == []


def test_on_a_terminal_progress_is_redrawn_in_place(fake):
    fake.action_seconds = 0.3
    code, _, err = in_process(fake, "snapshot", "create", str(VM), "--wait")
    assert code == cli.EXIT_OK
    draws = err.split("\r\x1b[K")[1:]
    assert len(draws) >= 2, "one line, redrawn at each poll"
    assert draws[-1].startswith("action 1 create_snapshot: success (")
    assert err.endswith("\n")
    assert err.count("\n") == 1


def test_an_action_without_an_id_cannot_be_waited_for(fake):
    fake.respond_with(200, {"name": "create_snapshot", "state": "created"})
    code, out, err = in_process(fake, "snapshot", "create", str(VM), "--wait")
    assert (code, out) == (cli.EXIT_API_ERROR, "")
    assert err.startswith("hostinger-api: OpenApiException: The service started an action")


def test_missing_fields_show_as_a_dash_and_a_page_without_meta_has_no_footer(fake):
    fake.respond_with(200, {"id": 4})
    code, out, _ = in_process(fake, "snapshot", "get", str(VM))
    assert code == cli.EXIT_OK
    assert out.splitlines()[1:] == ["restore_time  -", "created_at    -", "expires_at    -"]
    fake.respond_with(200, {"data": [{"id": 9}]})
    code, out, _ = in_process(fake, "action", "list", str(VM))
    assert out.splitlines()[1:] == ["9   -     -      -           -"]


def test_a_page_of_one_action_says_so(fake):
    fake.respond_with(
        200, {"data": [{"id": 9}], "meta": {"current_page": 1, "per_page": 15, "total": 1}}
    )
    _, out, _ = in_process(fake, "action", "list", str(VM))
    assert out.splitlines()[-1] == "page 1 of 1, 1 action in all"


def test_a_timeout_that_is_not_a_number_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["--timeout", "soon", "action", "wait", str(VM), "1"])
    assert caught.value.code == cli.EXIT_USAGE
    assert "argument --timeout: not a number of seconds: 'soon'" in capsys.readouterr().err


def test_ctrl_c_outside_a_wait_exits_130(fake, monkeypatch):
    def interrupted(session):
        raise KeyboardInterrupt

    monkeypatch.setattr("hostinger_api.cli.snapshot.snapshot_get", interrupted)
    code, out, err = in_process(fake, "snapshot", "get", str(VM))
    assert (code, out) == (cli.EXIT_INTERRUPTED, "")
    assert err == "hostinger-api: interrupted\n"


# -- help, version, demo -------------------------------------------------------------------------


def test_help_documents_the_exit_codes_and_the_token(capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["--help"])
    assert caught.value.code == 0
    text = capsys.readouterr().out
    for line in [
        "0    done",
        "1    API or connection error",
        "2    usage error",
        "3    the action",
        "4    waiting timed out",
        "130  interrupted",
    ]:
        assert line in text
    assert "HOSTINGER_API_TOKEN" in text


def test_the_docs_list_every_exit_code():
    table = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text()
    codes = [value for name, value in vars(cli).items() if name.startswith("EXIT_")]
    assert sorted(codes) == [0, 1, 2, 3, 4, 5, 130]
    for code in codes:
        assert f"\n| {code} | " in table


def test_options_may_follow_the_command(fake):
    fake.set_snapshot(VM)
    result = run_cli(fake, "snapshot", "get", str(VM), "--json")
    assert parsed(result)["id"] == fake.snapshot(VM)["id"]


def test_the_console_script_is_installed_and_runs():
    script = Path(sys.executable).with_name("hostinger-api")
    assert script.exists(), "pip install puts hostinger-api beside the interpreter"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout.strip()) == (0, f"hostinger-api {__version__}")


def test_version(capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.strip() == f"hostinger-api {__version__}"


DEMO_COMMANDS = [
    f"$ hostinger-api snapshot create {VM} --wait",
    f"$ hostinger-api snapshot get {VM}",
    f"$ hostinger-api snapshot restore {VM} --wait --yes",
    f"$ hostinger-api action list {VM}",
    f"$ hostinger-api snapshot delete {VM} --wait --yes",
    "NotFoundException: (404)",
    "$ hostinger-api vm list",
    "$ hostinger-api snapshot create --all --wait",
    "$ hostinger-api snapshot create --all --fresh-within 1h --wait",
    "$ hostinger-api snapshot restore --match web-* --wait --yes",
    "Done:",
]


def test_the_demo_runs_the_commands_against_the_fake():
    result = run_cli(None, "demo", token=None)
    assert result.returncode == 0, result.stderr
    for line in DEMO_COMMANDS:
        assert line in result.stdout
    assert result.stdout.count("(exit code 0)") == 9
    assert result.stdout.count("(exit code 1)") == 1
    assert result.stderr == ""


def test_a_demo_step_that_goes_wrong_fails_the_demo(monkeypatch, capsys):
    class FailingFake(FakeHostingerApi):
        def __init__(self, **settings):
            super().__init__(**settings)
            self.add_vm(settings["vms"][0], fail_actions=True)

    monkeypatch.setattr("hostinger_api.testing.FakeHostingerApi", FailingFake)
    assert cli.main(["demo"]) == cli.EXIT_ACTION_FAILED
    assert f"'hostinger-api snapshot create {VM} --wait' exited 3, not 0" in capsys.readouterr().err


def test_a_demo_whose_snapshot_survives_deletion_fails(monkeypatch, capsys):
    class StubbornFake(FakeHostingerApi):
        def _delete_snapshot(self, vm, query):
            return self._start(vm, "delete_snapshot", lambda at: None)

    monkeypatch.setattr("hostinger_api.testing.FakeHostingerApi", StubbornFake)
    assert cli.main(["demo"]) == cli.EXIT_API_ERROR
    assert f"'hostinger-api snapshot get {VM}' exited 0, not 1" in capsys.readouterr().err


# -- virtual machines ----------------------------------------------------------------------------


def without_nulls(document):
    """The JSON as ``--json`` prints it: fields that are null are left out, at every level."""
    if isinstance(document, dict):
        return {k: without_nulls(v) for k, v in document.items() if v is not None}
    if isinstance(document, list):
        return [without_nulls(item) for item in document]
    return document


@pytest.fixture
def fleet():
    """Three VMs: one running, one stopped with a plan and address of its own, one with no IPv4."""
    with FakeHostingerApi(vms=[VM], token=TOKEN) as fake:
        fake.add_vm(
            2, hostname="web-2.example.com", state="stopped", plan="KVM 8", ipv4="198.51.100.7"
        )
        fake.add_vm(3, hostname="bare.example.com", plan=None, ipv4=None, locked=True)
        yield fake


def test_vm_list_prints_a_table_of_every_vm(fleet):
    result = run_cli(fleet, "vm", "list")
    assert result.returncode == cli.EXIT_OK, result.stderr
    lines = result.stdout.splitlines()
    address = fleet.vm(VM)["ipv4"][0]["address"]
    assert [re.split(r"\s{2,}", line) for line in lines] == [
        ["id", "hostname", "state", "plan", "ipv4"],
        ["2", "web-2.example.com", "stopped", "KVM 8", "198.51.100.7"],
        ["3", "bare.example.com", "running", "-", "-"],
        [str(VM), f"srv{VM}.hstgr.cloud", "running", "KVM 2", address],
        ["3 virtual machines"],
    ]
    starts = {tuple(m.start() for m in re.finditer(r"(?<=  )\S", line)) for line in lines[:4]}
    assert len(starts) == 1, "the columns line up"
    assert result.stderr == ""
    assert [(r.method, r.path) for r in fleet.requests] == [("GET", "/api/vps/v1/virtual-machines")]


def test_vm_list_json_is_the_array_the_api_returns(fleet):
    result = run_cli(fleet, "--json", "vm", "list")
    assert result.returncode == cli.EXIT_OK, result.stderr
    listed = parsed(result)
    assert listed == [without_nulls(fleet.vm(vm_id)) for vm_id in (2, 3, VM)]
    assert listed[1]["actions_lock"] == "locked"
    assert "ipv4" not in listed[1], "null fields are left out, as --json does for every command"


def test_vm_list_of_an_account_without_vms(fake):
    fake.respond_with(200, [])
    assert parsed(run_cli(fake, "vm", "list", "--json")) == []
    fake.respond_with(200, [])
    assert run_cli(fake, "vm", "list").stdout.splitlines() == [
        "id  hostname  state  plan  ipv4",
        "0 virtual machines",
    ]


def test_vm_list_keeps_what_it_does_not_know(fake):
    novel = {"id": 7, "state": "migrating", "gpu": {"model": "L4"}, "firewall_group_id": None}
    fake.respond_with(200, [novel], times=2)
    assert parsed(run_cli(fake, "--json", "vm", "list")) == [
        {"id": 7, "state": "migrating", "gpu": {"model": "L4"}}
    ]
    table = run_cli(fake, "vm", "list").stdout.splitlines()
    assert table[1:] == ["7   -         migrating  -     -", "1 virtual machine"]


def test_vm_get_as_a_table_and_as_json(fleet):
    table = run_cli(fleet, "vm", "get", "2")
    assert table.returncode == cli.EXIT_OK, table.stderr
    rows = dict(line.split(None, 1) for line in table.stdout.splitlines())
    vm = fleet.vm(2)
    assert rows["hostname"] == "web-2.example.com"
    assert rows["state"] == "stopped"
    assert rows["plan"] == "KVM 8"
    assert rows["ipv4"] == "198.51.100.7"
    assert rows["ipv6"] == vm["ipv6"][0]["address"]
    assert rows["template"] == vm["template"]["name"]
    assert rows["firewall_group_id"] == "-"
    assert rows["created_at"] == vm["created_at"].replace("Z", "+00:00")

    as_json = run_cli(fleet, "vm", "get", "3", "--json")
    assert parsed(as_json) == without_nulls(fleet.vm(3))


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (["vm", "get", "99"], cli.EXIT_API_ERROR, "NotFoundException: (404)"),
        (["vm", "get", "0"], cli.EXIT_USAGE, "argument VM_ID: must be 1 or more, not 0"),
        (["vm", "get"], cli.EXIT_USAGE, "required: VM_ID"),
        (["vm", "list", str(VM)], cli.EXIT_USAGE, "unrecognized arguments"),
        (["vm"], cli.EXIT_USAGE, "required: COMMAND"),
    ],
)
def test_vm_errors(fleet, args, code, expected):
    fleet.clear_requests()
    result = run_cli(fleet, *args)
    assert result.returncode == code
    assert result.stdout == ""
    assert expected in result.stderr
    assert len(fleet.requests) == (1 if code == cli.EXIT_API_ERROR else 0)


def test_vm_list_with_a_body_that_is_not_a_list_exits_1(fake):
    fake.respond_with(200, {"data": []})
    result = run_cli(fake, "vm", "list")
    assert result.returncode == cli.EXIT_API_ERROR
    assert "ResponseDecodeError" in result.stderr
    assert "not a List[VPSV1VirtualMachineVirtualMachineResource]: it is a dict" in result.stderr
    assert result.stdout == ""
