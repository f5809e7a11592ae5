"""``snapshot status``: the table, --json, the summary line, the exit codes, the metrics file."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from prometheus_client.parser import text_string_to_metric_families
from support import TOKEN

from hostinger_api import cli
from hostinger_api.cli._parser import build_parser
from hostinger_api.cli.status import EXIT_NOT_PROTECTED
from hostinger_api.fleet import Verdict
from hostinger_api.testing import FakeHostingerApi, faults

FRESH, OLD, NONE = 1, 2, 3


def ago(hours: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(hours=hours)


@pytest.fixture
def fake():
    vms = [{"id": i, "hostname": f"web-{i}.example.com"} for i in (FRESH, OLD, NONE)]
    vms.append({"id": 4, "hostname": "db-4.example.com"})
    with FakeHostingerApi(token=TOKEN, vms=vms) as server:
        server.set_snapshot(FRESH, created_at=ago(2))
        server.set_snapshot(OLD, created_at=ago(30))
        server.set_snapshot(4, created_at=ago(1))
        yield server


def verdict_in(line: str) -> str:
    (verdict,) = [word for word in line.split() if word in {v.value for v in Verdict}]
    return verdict


def run(fake: FakeHostingerApi, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    options = build_parser().parse_args(["--host", fake.url, "snapshot", "status", *args])
    code = cli.execute(options, fake.configuration(), out=out, err=err)
    assert TOKEN not in out.getvalue() + err.getvalue()
    return code, out.getvalue(), err.getvalue()


def test_all_protected_exits_0_with_the_table_on_stdout_and_the_summary_on_stderr(fake):
    code, out, err = run(fake, str(FRESH), "4", "--max-age", "26h")
    assert code == cli.EXIT_OK
    lines = out.splitlines()
    assert lines[0].split() == [
        "VM_ID", "HOSTNAME", "STATE", "AGE", "EXPIRES_IN", "BACKUP_AGE", "VERDICT", "REASON"
    ]  # fmt: skip
    assert lines[1].split()[:3] == ["1", "web-1.example.com", "running"]
    assert verdict_in(lines[1]) == "protected"
    assert [line.split()[0] for line in lines[1:]] == ["1", "4"]
    assert err.startswith("hostinger-api: snapshot status: 2 protected (2 virtual machines in ")
    assert err.count("\n") == 1


def test_a_stale_or_missing_vm_exits_3(fake):
    code, out, err = run(fake, "--match", "web-*", "--max-age", "26h")
    assert code == EXIT_NOT_PROTECTED == 3
    verdicts = {line.split()[0]: verdict_in(line) for line in out.splitlines()[1:]}
    assert verdicts == {"1": "protected", "2": "stale", "3": "missing"}
    assert "1 protected, 1 stale, 1 missing" in err


def test_without_max_age_only_missing_and_expiring_count(fake):
    code, _, _ = run(fake, str(FRESH), str(OLD))
    assert code == cli.EXIT_OK
    code, _, _ = run(fake, str(FRESH), str(OLD), "--expiring-within", "20d")
    assert code == EXIT_NOT_PROTECTED


def test_a_failed_call_exits_1_even_with_unprotected_vms(fake):
    fake.inject(faults.error(403), vm=FRESH, method="GET")
    code, out, err = run(fake, "--all", "--max-age", "26h", "--json")
    assert code == cli.EXIT_API_ERROR
    document = json.loads(out)
    verdicts = {row["vm_id"]: row["verdict"] for row in document["rows"]}
    assert verdicts == {1: "unknown", 2: "stale", 3: "missing", 4: "protected"}
    failed = document["rows"][0]
    assert failed["error"].startswith("ForbiddenException: (403)")
    assert "1 unknown" in err


@pytest.mark.parametrize("fault", [faults.vm_gone(), faults.html_page(404)], ids=["gone", "html"])
def test_a_404_that_is_not_the_api_s_no_snapshot_exits_1_not_3(fake, fault):
    fake.inject(fault, vm=4, method="GET", times=10)
    code, out, err = run(fake, str(FRESH), "4", "--json")
    assert "1 unknown" in err
    assert code == cli.EXIT_API_ERROR
    rows = {row["vm_id"]: row for row in json.loads(out)["rows"]}
    assert rows[4]["verdict"] == "unknown"
    assert rows[4]["error"].startswith("NotFoundException: (404)")
    assert rows[FRESH]["verdict"] == "protected"


def test_listing_the_vms_failing_exits_1(fake):
    fake.inject(faults.error(403), method="GET")
    code, out, err = run(fake, "--all")
    assert code == cli.EXIT_API_ERROR
    assert out == ""
    assert "ForbiddenException" in err


def test_json_is_one_document_of_rows_and_summary(fake):
    code, out, _ = run(fake, "--all", "--json", "--no-backups")
    assert code == EXIT_NOT_PROTECTED  # VM 3 has no snapshot
    document = json.loads(out)
    assert set(document) == {"rows", "summary"}
    assert document["summary"] == {
        "protected": 3, "stale": 0, "expiring": 0, "missing": 1, "unknown": 0
    }  # fmt: skip
    row = document["rows"][0]
    assert set(row) == {
        "vm_id", "hostname", "state", "actions_lock", "running_action", "snapshot_id",
        "created_at", "age_seconds", "expires_at", "expires_in_seconds", "restore_time",
        "newest_backup_created_at", "newest_backup_age_seconds", "verdict", "reason", "error",
    }  # fmt: skip
    assert 7100 < row["age_seconds"] < 7300
    assert row["newest_backup_created_at"] is None  # --no-backups
    assert not any(r.path.endswith("/backups") for r in fake.requests)


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["1", "--all"],
        ["--max-age", "soon", "--all"],
        ["--expiring-within", "0", "--all"],
        ["--expiring-within", "99999999999d", "--all"],
        ["--max-age", "3651d", "--all"],
        ["--timeout", "1e308", "--all"],
        ["--concurrency", "0", "--all"],
        ["--all", "--metrics-file", "/nonexistent-folder/x.prom"],
    ],
)
def test_usage_errors_exit_2_and_send_nothing(fake, args, capsys):
    fake.clear_requests()
    try:
        code, _, err = run(fake, *args)
    except SystemExit as exited:  # argparse's own refusal
        code, err = int(str(exited.code)), capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert err
    assert fake.requests == []


def test_the_metrics_file_holds_every_vm(fake, tmp_path):
    path = tmp_path / "hostinger.prom"
    code, _, _ = run(fake, "--all", "--max-age", "26h", "--metrics-file", str(path))
    assert code == EXIT_NOT_PROTECTED
    families = {f.name: f for f in text_string_to_metric_families(path.read_text())}
    protected = {
        (s.labels["vm_id"], s.labels["hostname"]): s.value
        for s in families["hostinger_snapshot_protected"].samples
    }
    assert protected == {
        ("1", "web-1.example.com"): 1.0,
        ("2", "web-2.example.com"): 0.0,
        ("3", "web-3.example.com"): 0.0,
        ("4", "db-4.example.com"): 1.0,
    }
    ages = {s.labels["vm_id"]: s.value for s in families["hostinger_snapshot_age_seconds"].samples}
    assert set(ages) == {"1", "2", "4"}  # VM 3 has no snapshot, so no age
    assert 29 * 3600 < ages["2"] < 31 * 3600
    assert os.stat(path).st_mode & 0o644 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["hostinger.prom"]  # no temporary file left


def test_the_command_as_users_run_it(fake, tmp_path):
    """The done-when line of issue 16, in a subprocess."""
    path = tmp_path / "m.prom"
    env = {**os.environ, "HOSTINGER_API_TOKEN": TOKEN}
    args = ["snapshot", "status", "--all", "--max-age", "26h", "--metrics-file", str(path)]
    result = subprocess.run(
        [sys.executable, "-m", "hostinger_api", "--host", fake.url, *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert result.returncode == EXIT_NOT_PROTECTED, result.stderr
    assert len(result.stdout.splitlines()) == 5
    assert result.stderr.count("\n") == 1
    assert TOKEN not in result.stdout + result.stderr
    assert "hostinger_snapshot_protected" in {
        f.name for f in text_string_to_metric_families(path.read_text())
    }


def test_help_documents_the_verdicts_and_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["snapshot", "status", "--help"])
    shown = capsys.readouterr().out
    assert "--max-age DURATION" in shown
    assert "3    at least one VM is stale, expiring or missing" in shown
    assert "exactly --max-age old is still protected" in shown


def test_no_vm_matching_exits_0_and_says_nothing_was_checked(fake):
    code, out, err = run(fake, "--match", "nothing-*")
    assert code == cli.EXIT_OK
    assert out == ""
    assert "no virtual machine matches: nothing was checked" in err


def test_a_metrics_file_that_cannot_be_written_exits_1_after_the_audit(fake, tmp_path, monkeypatch):
    def refuse(path, report):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("hostinger_api.cli.status.write_status_metrics", refuse)
    code, out, err = run(fake, "--all", "--metrics-file", str(tmp_path / "x.prom"))
    assert code == cli.EXIT_API_ERROR
    assert len(out.splitlines()) == 5  # the audit's table is shown all the same
    assert "cannot write" in err
    assert "No space left on device" in err
