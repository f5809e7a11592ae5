"""``hostinger-api backup list|restore``: run as users run it (a subprocess) against the fake,
and in process where a terminal is needed."""

from __future__ import annotations

import io
import math
import sys
from datetime import datetime, timedelta, timezone

import pytest
from support import TOKEN, VM
from test_cli import Terminal, parsed, run_cli

from hostinger_api import ApiClient, VPSBackupsApi, cli
from hostinger_api.cli._parser import build_parser
from hostinger_api.cli.backup import MAX_PAGES, all_backups, backups_table, size, span
from hostinger_api.models import VPSV1BackupBackupResource
from hostinger_api.testing import FakeHostingerApi, faults

WARNING = (
    f"Overwrite all data on virtual machine {VM} with backup {{}}, and delete the VM's snapshot?"
)


def _newest(fake: FakeHostingerApi) -> int:
    return int(fake.backups(VM)[0]["id"])


def in_process(fake: FakeHostingerApi, *args: str, answer: str = "") -> tuple[int, str, str]:
    """Run a command in this process, its stdin a terminal that types ``answer``."""
    out, err = io.StringIO(), Terminal()
    options = build_parser().parse_args(["--host", fake.url, *args])
    original = sys.stdin
    sys.stdin = Terminal(answer)
    try:
        code = cli.execute(options, fake.configuration(), out=out, err=err, poll_interval=0.05)
    finally:
        sys.stdin = original
    return code, out.getvalue(), err.getvalue()


# -- backup list -------------------------------------------------------------------------------


def test_list_prints_a_table_of_every_backup_newest_first(fake):
    result = run_cli(fake, "backup", "list", str(VM))

    assert result.returncode == cli.EXIT_OK, result.stderr
    header, *rows, footer = result.stdout.splitlines()
    assert [cell.strip() for cell in header.split("  ") if cell] == [
        "id",
        "created",
        "age",
        "size",
        "location",
        "restore time",
    ]
    ids = [b["id"] for b in fake.backups(VM)]
    assert [int(row.split()[0]) for row in rows] == ids
    assert rows[0].split()[2:] == ["1d", "0h", "25.0", "GB", "nl-srv-nodebackups", "1h", "0m"]
    assert rows[1].split()[2:4] == ["8d", "0h"]
    assert footer == f"{len(ids)} backups"
    assert result.stderr == ""


def test_list_json_is_every_backup_across_pages(fake):
    fake.per_page = 2
    for hours in range(3):
        fake.add_backup(VM, created_at=datetime.now(timezone.utc) - timedelta(hours=hours))

    result = run_cli(fake, "--json", "backup", "list", str(VM))

    assert result.returncode == cli.EXIT_OK, result.stderr
    assert parsed(result) == fake.backups(VM)
    assert len(parsed(result)) == 6
    assert [r.query for r in fake.requests] == [{}, {"page": ["2"]}, {"page": ["3"]}]


def test_list_of_a_vm_without_backups(fake):
    fake.clear_backups(VM)
    result = run_cli(fake, "backup", "list", str(VM))
    assert result.returncode == cli.EXIT_OK
    assert result.stdout.splitlines()[1:] == ["0 backups"]
    assert parsed(run_cli(fake, "backup", "list", str(VM), "--json")) == []


def test_list_of_an_unknown_vm_exits_1(fake):
    result = run_cli(fake, "backup", "list", "999")
    assert result.returncode == cli.EXIT_API_ERROR
    assert "NotFoundException: (404)" in result.stderr
    assert result.stdout == ""


# -- backup restore ----------------------------------------------------------------------------


def test_restore_with_yes_and_wait_deletes_the_snapshot(fake):
    fake.action_seconds = 0.2
    fake.set_snapshot(VM)
    backup = _newest(fake)

    result = run_cli(fake, "--json", "backup", "restore", str(VM), str(backup), "--yes", "--wait")

    assert result.returncode == cli.EXIT_OK, result.stderr
    action = parsed(result)
    assert (action["name"], action["state"]) == ("restore_backup", "success")
    assert action == fake.actions(VM)[-1]
    assert "restore_backup: success (" in result.stderr
    assert fake.snapshot(VM) is None
    (post,) = [r for r in fake.requests if r.method == "POST"]
    assert post.path == f"/api/vps/v1/virtual-machines/{VM}/backups/{backup}/restore"


def test_restore_without_wait_prints_the_started_action(fake):
    fake.action_seconds = math.inf
    result = run_cli(fake, "backup", "restore", str(VM), str(_newest(fake)), "--yes", "--json")
    assert result.returncode == cli.EXIT_OK, result.stderr
    assert parsed(result)["state"] == "created"
    assert fake.vm(VM)["actions_lock"] == "locked"


def test_restore_refuses_without_yes_and_without_a_terminal(fake):
    fake.set_snapshot(VM)
    backup = _newest(fake)
    result = run_cli(fake, "backup", "restore", str(VM), str(backup), "--wait")
    assert result.returncode == cli.EXIT_USAGE
    assert result.stderr == (
        f"hostinger-api: error: {WARNING.format(backup)} "
        "Refusing without --yes: no terminal to ask.\n"
    )
    assert result.stdout == ""
    assert fake.requests == [], "nothing was sent"
    assert fake.snapshot(VM) is not None


def test_an_unknown_backup_exits_1_and_changes_nothing(fake):
    fake.set_snapshot(VM)
    result = run_cli(fake, "backup", "restore", str(VM), "999999", "--yes")
    assert result.returncode == cli.EXIT_API_ERROR
    assert "NotFoundException: (404)" in result.stderr
    assert "Backup not found" in result.stderr
    assert fake.actions(VM) == []
    assert fake.snapshot(VM) is not None


def test_a_failed_restore_exits_3(fake):
    fake.add_vm(VM, fail_actions=True)
    result = run_cli(fake, "backup", "restore", str(VM), str(_newest(fake)), "--yes", "--wait")
    assert result.returncode == cli.EXIT_ACTION_FAILED
    assert "restore_backup" in result.stdout


def test_a_restore_on_a_busy_vm_exits_1(fake):
    fake.add_vm(VM, locked=True)
    result = run_cli(fake, "backup", "restore", str(VM), str(_newest(fake)), "--yes")
    assert result.returncode == cli.EXIT_API_ERROR
    assert "ConflictException: (409)" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["backup", "restore", str(VM)], "required: BACKUP_ID"),
        (["backup", "restore", str(VM), "0"], "argument BACKUP_ID: must be 1 or more, not 0"),
        (["backup", "list", "x"], "argument VM_ID: not a positive whole number"),
        (["backup", "copy", str(VM)], "invalid choice: 'copy'"),
        (["backup"], "required: COMMAND"),
    ],
)
def test_usage_errors_exit_2_and_send_nothing(fake, args, expected):
    result = run_cli(fake, *args)
    assert result.returncode == cli.EXIT_USAGE
    assert expected in result.stderr
    assert fake.requests == []


# -- on a terminal -----------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["y\n", "yes\n"])
def test_on_a_terminal_the_question_warns_and_a_yes_goes_on(fake, answer):
    fake.set_snapshot(VM)
    backup = _newest(fake)
    code, out, err = in_process(fake, "backup", "restore", str(VM), str(backup), answer=answer)
    assert code == cli.EXIT_OK
    assert err == (
        f"{WARNING.format(backup)} Everything written since the backup is lost, and so is the "
        "snapshot: it cannot be undone. [y/N] "
    )
    assert "restore_backup" in out


@pytest.mark.parametrize("answer", ["\n", "n\n", ""])
def test_on_a_terminal_anything_else_does_nothing(fake, answer):
    fake.set_snapshot(VM)
    code, _, err = in_process(fake, "backup", "restore", str(VM), "1", answer=answer)
    assert code == cli.EXIT_USAGE
    assert err.endswith("[y/N] hostinger-api: error: Not confirmed: nothing was done.\n")
    assert fake.requests == []


# -- the pieces --------------------------------------------------------------------------------


def test_all_backups_stops_at_a_service_that_ignores_the_page(fake, api_client):
    page = {"data": [{"id": 1}], "meta": {"current_page": 1, "per_page": 1, "total": 10**6}}
    fake.inject(faults.error(200, page), times=MAX_PAGES + 5)
    found = all_backups(VPSBackupsApi(api_client), VM)
    assert len(found) == len(fake.requests) == MAX_PAGES


@pytest.mark.parametrize(
    "body",
    [{"data": [{"id": 1}]}, {"data": [{"id": 1}], "meta": {"total": None}}, {"data": []}],
)
def test_all_backups_reads_one_page_when_it_cannot_tell_more(fake, api_client, body):
    fake.respond_with(200, body)
    assert len(all_backups(VPSBackupsApi(api_client), VM)) == len(body["data"])
    assert len(fake.requests) == 1


def test_the_table_of_backups_with_nothing_known():
    now = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
    future = VPSV1BackupBackupResource(id=2, created_at=now + timedelta(minutes=5))
    lines = backups_table([VPSV1BackupBackupResource(), future], now=now).splitlines()
    assert lines[1].split() == ["-"] * 6
    assert lines[2].split()[2:] == ["-", "-", "-", "-"]
    assert lines[3] == "2 backups"
    assert backups_table([future], now=now).splitlines()[-1] == "1 backup"


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0s"),
        (59.9, "59s"),
        (60, "1m"),
        (3599, "59m"),
        (3600, "1h 0m"),
        (86399, "23h 59m"),
        (86400, "1d 0h"),
        (8 * 86400 + 7200, "8d 2h"),
        (-1, "-"),
    ],
)
def test_spans(seconds, shown):
    assert span(seconds) == shown


@pytest.mark.parametrize(
    ("kilobytes", "shown"),
    [
        (None, "-"),
        (0, "0 KB"),
        (1023, "1023 KB"),
        (1024, "1.0 MB"),
        (15240192, "14.5 GB"),
        (5 * 1024**3, "5.0 TB"),
    ],
)
def test_sizes(kilobytes, shown):
    assert size(kilobytes) == shown


def test_the_client_lists_the_fakes_backups_in_process():
    with FakeHostingerApi(vms=[VM], token=TOKEN, weekly_backups=2, per_page=1) as fake:
        client = ApiClient(fake.configuration())
        found = all_backups(VPSBackupsApi(client), VM)
        client.close()
        assert [b.id for b in found] == [b["id"] for b in fake.backups(VM)]
        assert len(found) == 2
