"""The metrics file, read back with prometheus_client's own parser; replaced in one step."""

from __future__ import annotations

import io
import json
import os
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from prometheus_client.parser import text_string_to_metric_families
from support import TOKEN

from hostinger_api import ApiValueError, cli
from hostinger_api.cli._parser import build_parser
from hostinger_api.fleet import (
    FleetReport,
    Outcome,
    StatusReport,
    StatusRow,
    Verdict,
    VmResult,
    metrics,
)
from hostinger_api.fleet.metrics import (
    JobMetricsFile,
    check_path,
    job_metrics,
    previous_success,
    status_metrics,
    write_job_metrics,
    write_textfile,
)
from hostinger_api.testing import FakeHostingerApi, faults

NOW = datetime(2026, 3, 10, 12, 0, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def families(text: str) -> dict:
    return {family.name: family for family in text_string_to_metric_families(text)}


def samples(text: str, name: str) -> dict:
    """A metric's samples, by their labels (sorted pairs), to their values."""
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for sample in families(text)[name].samples
    }


def row(vm_id: int, verdict: Verdict, hostname: str = "web", snapshot: bool = True) -> StatusRow:
    return StatusRow(
        vm_id,
        hostname,
        "running",
        "unlocked",
        verdict,
        NOW,
        created_at=NOW - 2 * HOUR if snapshot else None,
        expires_at=NOW + timedelta(days=19) if snapshot else None,
    )


def status_report(count: int = 3) -> StatusReport:
    rows = [row(1, Verdict.PROTECTED), row(2, Verdict.MISSING, snapshot=False)]
    rows += [row(i, Verdict.STALE) for i in range(3, count + 1)]
    return StatusReport(rows, 1.0, HOUR, timedelta(days=2))


def job(*outcomes: Outcome, interrupted: bool = False) -> FleetReport:
    results = [VmResult(i, f"web-{i}", outcome) for i, outcome in enumerate(outcomes, 1)]
    return FleetReport("create", results, 12.5, interrupted=interrupted)


# -- the status audit ------------------------------------------------------------------------


def test_status_metrics_per_vm_with_help_and_type():
    text = status_metrics(status_report(), now=1_700_000_000)
    found = families(text)
    for name in (
        "hostinger_snapshot_protected",
        "hostinger_snapshot_age_seconds",
        "hostinger_snapshot_expiry_timestamp_seconds",
        "hostinger_snapshot_status_vms",
        "hostinger_snapshot_status_timestamp_seconds",
    ):
        assert found[name].type == "gauge"
        assert found[name].documentation
    assert samples(text, "hostinger_snapshot_protected") == {
        (("hostname", "web"), ("vm_id", "1")): 1.0,
        (("hostname", "web"), ("vm_id", "2")): 0.0,
        (("hostname", "web"), ("vm_id", "3")): 0.0,
    }
    ages = samples(text, "hostinger_snapshot_age_seconds")
    assert ages == {
        (("hostname", "web"), ("vm_id", "1")): 7200.0,
        (("hostname", "web"), ("vm_id", "3")): 7200.0,  # VM 2 has no snapshot: no age
    }
    expiry = samples(text, "hostinger_snapshot_expiry_timestamp_seconds")
    assert expiry[(("hostname", "web"), ("vm_id", "1"))] == (NOW + timedelta(days=19)).timestamp()
    assert samples(text, "hostinger_snapshot_status_vms") == {
        (("verdict", "protected"),): 1.0,
        (("verdict", "stale"),): 1.0,
        (("verdict", "expiring"),): 0.0,
        (("verdict", "missing"),): 1.0,
        (("verdict", "unknown"),): 0.0,
    }
    assert samples(text, "hostinger_snapshot_status_timestamp_seconds") == {(): 1_700_000_000}


@pytest.mark.parametrize("hostname", ['a"b', "back\\slash", "new\nline", 'all\\"\n', "", "é"])
def test_label_values_are_escaped_and_read_back_as_they_were(hostname):
    report = StatusReport([row(7, Verdict.PROTECTED, hostname)], 0.1, None, HOUR)
    text = status_metrics(report)
    assert text.count("\n") == len(text.splitlines())  # a newline in a value stays escaped
    (labels,) = samples(text, "hostinger_snapshot_protected")
    assert dict(labels) == {"vm_id": "7", "hostname": hostname}


def test_an_empty_audit_is_a_valid_file():
    text = status_metrics(StatusReport([], 0.0, None, HOUR))
    assert samples(text, "hostinger_snapshot_status_vms")[(("verdict", "protected"),)] == 0


# -- the fleet job ---------------------------------------------------------------------------


def test_a_successful_job_sets_its_last_success_to_now():
    report = job(Outcome.SUCCEEDED, Outcome.SUCCEEDED, Outcome.SKIPPED)
    text = job_metrics("create", report, previous_success=100.0, now=5000.0)
    assert (
        samples(text, "hostinger_fleet_job_vms")[
            (("operation", "create"), ("outcome", "succeeded"))
        ]
        == 2
    )
    vms = samples(text, "hostinger_fleet_job_vms")
    assert len(vms) == len(Outcome)  # every outcome, zeros included
    assert vms[(("operation", "create"), ("outcome", "skipped"))] == 1
    assert samples(text, "hostinger_fleet_job_duration_seconds") == {
        (("operation", "create"),): 12.5
    }
    assert samples(text, "hostinger_fleet_job_last_run_timestamp_seconds") == {
        (("operation", "create"),): 5000.0
    }
    assert samples(text, "hostinger_fleet_job_last_success_timestamp_seconds") == {
        (("operation", "create"),): 5000.0
    }
    assert samples(text, "hostinger_fleet_job_success") == {(("operation", "create"),): 1.0}


@pytest.mark.parametrize(
    "report",
    [
        job(Outcome.SUCCEEDED, Outcome.FAILED),
        job(Outcome.ERROR),
        job(Outcome.UNKNOWN),
        job(Outcome.TIMED_OUT),
        job(Outcome.SUCCEEDED, interrupted=True),
        None,  # the job raised before its report: listing the VMs failed
    ],
)
def test_a_failed_run_keeps_the_previous_success(report):
    text = job_metrics("create", report, previous_success=100.0, duration=3.0, now=5000.0)
    assert samples(text, "hostinger_fleet_job_last_success_timestamp_seconds") == {
        (("operation", "create"),): 100.0
    }
    assert samples(text, "hostinger_fleet_job_last_run_timestamp_seconds") == {
        (("operation", "create"),): 5000.0
    }
    assert samples(text, "hostinger_fleet_job_success") == {(("operation", "create"),): 0.0}


def test_a_failed_first_run_has_no_last_success():
    text = job_metrics("delete", job(Outcome.FAILED), previous_success=None, now=5000.0)
    assert samples(text, "hostinger_fleet_job_last_success_timestamp_seconds") == {}
    assert "hostinger_fleet_job_last_run_timestamp_seconds" in families(text)


def test_the_last_success_survives_failed_runs_through_the_file(tmp_path):
    path = tmp_path / "job.prom"
    write_job_metrics(path, "create", job(Outcome.SUCCEEDED))
    first = previous_success(path, "create")
    assert first is not None
    write_job_metrics(path, "create", job(Outcome.FAILED))
    write_job_metrics(path, "create", None, duration=0.5)
    assert samples(path.read_text(), "hostinger_fleet_job_last_success_timestamp_seconds") == {
        (("operation", "create"),): first
    }
    assert previous_success(path, "restore") is None  # another operation's success is not ours
    assert previous_success(tmp_path / "absent.prom", "create") is None


def test_job_metrics_file_checks_its_path_first_and_times_a_failed_listing(tmp_path):
    with pytest.raises(ApiValueError, match="does not exist"):
        JobMetricsFile(tmp_path / "missing" / "x.prom", "create")
    with pytest.raises(ApiValueError, match="is a folder"):
        JobMetricsFile(tmp_path, "create")
    path = tmp_path / "x.prom"
    JobMetricsFile(path, "restore").write(None)
    assert samples(path.read_text(), "hostinger_fleet_job_success") == {
        (("operation", "restore"),): 0.0
    }


# -- written in one step ---------------------------------------------------------------------


def test_the_file_is_replaced_whole_and_readable_by_all(tmp_path):
    path = tmp_path / "status.prom"
    path.write_text("old\n")
    os.chmod(path, 0o600)
    write_textfile(path, "hostinger_x 1\n")
    assert path.read_text() == "hostinger_x 1\n"
    assert os.stat(path).st_mode & 0o777 == 0o644
    assert os.listdir(tmp_path) == ["status.prom"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path, monkeypatch):
    path = tmp_path / "status.prom"
    path.write_text("old\n")

    def refuse(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(metrics.os, "replace", refuse)
    with pytest.raises(OSError, match="No space"):
        write_textfile(path, "new\n")
    assert path.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["status.prom"]


def test_a_reader_never_sees_half_a_file(tmp_path):
    """node_exporter reads while the next audit writes: every read is one whole file."""
    path = tmp_path / "status.prom"
    small, large = status_metrics(status_report(3)), status_metrics(status_report(3000))
    write_textfile(path, small)
    stop = threading.Event()
    reads: list[int] = []
    problems: list[str] = []

    def read() -> None:
        while not stop.is_set():
            text = path.read_text()
            try:
                vms = len(families(text)["hostinger_snapshot_protected"].samples)
            except (ValueError, KeyError) as error:  # the parser's refusal of a partial file
                problems.append(f"{len(text)} bytes: {error!r}")
                continue
            if vms not in (3, 3000) or "hostinger_snapshot_status_timestamp_seconds" not in text:
                problems.append(f"{len(text)} bytes, {vms} VMs")
            reads.append(vms)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for turn in range(60):
            write_textfile(path, large if turn % 2 == 0 else small)
    finally:
        stop.set()
        reader.join(timeout=60)
    assert problems == []
    assert len(reads) > 0
    assert not [name for name in os.listdir(tmp_path) if name != "status.prom"]


def test_check_path_refuses_what_cannot_be_written(tmp_path):
    check_path(tmp_path / "fine.prom")
    with pytest.raises(ApiValueError):
        check_path(tmp_path / "no" / "x.prom")


# -- the fleet commands' --metrics-file ------------------------------------------------------


def fleet_command(fake: FakeHostingerApi, *args: str) -> int:
    options = build_parser().parse_args(["--host", fake.url, "snapshot", *args])
    out, err = io.StringIO(), io.StringIO()
    return cli.execute(options, fake.configuration(), out=out, err=err, poll_interval=0.05)


def test_snapshot_create_writes_the_job_s_metrics_and_keeps_the_last_success(tmp_path):
    path = tmp_path / "nightly.prom"
    with FakeHostingerApi(token=TOKEN, vms=[1, 2, 3]) as fake:
        args = ["create", "--all", "--wait", "--poll-interval", "0.05"]
        assert fleet_command(fake, *args, "--metrics-file", str(path)) == cli.EXIT_OK
        text = path.read_text()
        vms = samples(text, "hostinger_fleet_job_vms")
        assert vms[(("operation", "create"), ("outcome", "succeeded"))] == 3
        success = samples(text, "hostinger_fleet_job_last_success_timestamp_seconds")
        assert abs(success[(("operation", "create"),)] - time.time()) < 60

        fake.add_vm(2, fail_actions=True)
        assert fleet_command(fake, *args, "--metrics-file", str(path)) == cli.EXIT_ACTION_FAILED
        failed = path.read_text()
        assert samples(failed, "hostinger_fleet_job_success") == {(("operation", "create"),): 0}
        assert samples(failed, "hostinger_fleet_job_last_success_timestamp_seconds") == success

        fake.inject(faults.error(403), method="GET")  # the list of VMs fails
        assert fleet_command(fake, *args, "--metrics-file", str(path)) == cli.EXIT_API_ERROR
        unlisted = path.read_text()
        assert samples(unlisted, "hostinger_fleet_job_vms") == {}
        assert samples(unlisted, "hostinger_fleet_job_last_success_timestamp_seconds") == success


def test_a_metrics_file_that_cannot_be_written_is_refused_before_anything_is_sent(tmp_path):
    with FakeHostingerApi(token=TOKEN, vms=[1]) as fake:
        missing = str(tmp_path / "no" / "x.prom")
        for args in (["create", "--all"], ["delete", "--all", "--yes"]):
            assert fleet_command(fake, *args, "--metrics-file", missing) == cli.EXIT_USAGE
        assert fleet_command(fake, "create", "--all", "--metrics-file", "") == cli.EXIT_USAGE
        assert fake.requests == []


def test_a_broken_previous_file_has_no_last_success(tmp_path):
    path = tmp_path / "job.prom"
    path.write_text('hostinger_fleet_job_last_success_timestamp_seconds{operation="create"} soon\n')
    assert previous_success(path, "create") is None
    path.write_text('hostinger_fleet_job_last_success_timestamp_seconds{operation="create"} +Inf\n')
    assert previous_success(path, "create") is None


def test_a_job_file_that_cannot_be_written_is_a_line_on_stderr_not_an_exception(
    tmp_path, monkeypatch
):
    metrics_file = JobMetricsFile(tmp_path / "job.prom", "create")

    def refuse(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(metrics.os, "replace", refuse)
    err = io.StringIO()
    metrics_file.write(job(Outcome.SUCCEEDED), err)
    assert "cannot write the metrics file" in err.getvalue()
    assert "No space left on device" in err.getvalue()
    with pytest.raises(OSError, match="No space"):
        metrics_file.write(job(Outcome.SUCCEEDED))


@pytest.mark.parametrize(
    "previous",
    [b"\xff\xfe garbage\n", b"hostinger_fleet_job_last_success\x00\x81\n", b"\x80" * 4096],
    ids=["utf16-bom", "nul-and-latin1", "binary"],
)
def test_a_previous_file_that_is_not_utf8_is_no_last_success_and_the_report_still_goes_out(
    tmp_path, previous, caplog
):
    """The job has acted: a garbled previous file costs its last success (one warning), never
    the report, the new file or the job's exit code."""
    path = tmp_path / "job.prom"
    path.write_bytes(previous)
    with caplog.at_level("WARNING", logger="hostinger_api"):
        assert previous_success(path, "create") is None
    assert [r.getMessage() for r in caplog.records if str(path) in r.getMessage()] != []
    caplog.clear()
    path.write_bytes(previous)
    with FakeHostingerApi(token=TOKEN, vms=[1, 2]) as fake:
        args = ["snapshot", "create", "--all", "--json", "--metrics-file", str(path)]
        options = build_parser().parse_args(["--host", fake.url, *args])
        out, err = io.StringIO(), io.StringIO()
        with caplog.at_level("WARNING", logger="hostinger_api"):
            code = cli.execute(options, fake.configuration(), out=out, err=err)
        assert code == cli.EXIT_OK
        assert len([m for m in fake.requests if m.method == "POST"]) == 2
    assert [r["outcome"] for r in json.loads(out.getvalue())["results"]] == ["started"] * 2
    warnings = [r for r in caplog.records if str(path) in r.getMessage()]
    assert len(warnings) == 1
    assert "previous" in warnings[0].getMessage()
    text = path.read_text(encoding="utf-8")
    assert samples(text, "hostinger_fleet_job_success") == {(("operation", "create"),): 1}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_under_the_previous_file_s_name_neither_blocks_nor_counts(tmp_path, caplog):
    path = tmp_path / "job.prom"
    os.mkfifo(path)
    with caplog.at_level("WARNING", logger="hostinger_api"):
        assert previous_success(path, "create") is None  # returns at once: no writer is waited for
    assert "not a regular file" in caplog.text
    write_job_metrics(path, "create", job(Outcome.SUCCEEDED))
    assert samples(path.read_text(), "hostinger_fleet_job_success") == {
        (("operation", "create"),): 1
    }
