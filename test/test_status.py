"""snapshot_status: each verdict against the fake, the exact boundaries, what is sent, timeouts."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import TOKEN

from hostinger_api import (
    ApiClient,
    ApiTypeError,
    ApiValueError,
    VPSSnapshotsApi,
    snapshot_status,
)
from hostinger_api.fleet.status import (
    DEFAULT_EXPIRING_WITHIN,
    StatusReport,
    StatusRow,
    Verdict,
    error_text,
    span_text,
    verdict_of,
)
from hostinger_api.models import VPSV1SnapshotSnapshotResource
from hostinger_api.testing import FakeHostingerApi, Fault, faults

NOW = datetime(2026, 3, 10, 12, 0, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
FRESH, STALE, EXPIRING, MISSING, EXPIRED, LOCKED, FAILING = range(1, 8)


def snapshot(created: datetime, expires: datetime | None = None) -> VPSV1SnapshotSnapshotResource:
    return VPSV1SnapshotSnapshotResource(
        id=1,
        restore_time=60,
        created_at=created,
        expires_at=expires or created + timedelta(days=20),
    )


def ago(span: timedelta) -> datetime:
    return datetime.now(timezone.utc) - span


@pytest.fixture
def fleet():
    vms = [{"id": i, "hostname": f"web-{i}.example.com"} for i in range(1, 8)]
    with FakeHostingerApi(token=TOKEN, vms=vms) as fake:
        fake.set_snapshot(FRESH, created_at=ago(2 * HOUR))
        fake.set_snapshot(STALE, created_at=ago(30 * HOUR))
        fake.set_snapshot(EXPIRING, created_at=ago(HOUR))
        fake.set_snapshot(EXPIRED, created_at=ago(timedelta(days=21)))  # expired a day ago
        fake.set_snapshot(LOCKED, created_at=ago(HOUR))
        fake.set_snapshot(FAILING, created_at=ago(HOUR))
        yield fake


@pytest.fixture
def client(fleet):
    with ApiClient(fleet.configuration()) as api_client:
        yield api_client


def gets(fake: FakeHostingerApi, suffix: str) -> int:
    return sum(1 for r in fake.requests if r.method == "GET" and r.path.endswith(suffix))


# -- each verdict, against the fake ------------------------------------------------------------


def test_every_verdict_of_a_fleet(fleet, client):
    fleet.add_vm(LOCKED, action_seconds=30)
    with ApiClient(fleet.configuration()) as other:  # lock it with a running create
        running = VPSSnapshotsApi(other).create_snapshot_v1(LOCKED)
    fleet.inject(faults.error(403), vm=FAILING, method="GET", times=5)
    in_a_day = (ago(-timedelta(days=1)) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    soon = Fault(performed=True, rewrite=lambda body: {**body, "expires_at": in_a_day})
    fleet.inject(soon, vm=EXPIRING, method="GET")  # its snapshot's GET comes first
    fleet.clear_requests()

    report = snapshot_status(client, max_age=timedelta(hours=26))

    verdicts = {row.vm_id: row.verdict for row in report.rows}
    assert verdicts == {
        FRESH: Verdict.PROTECTED,
        STALE: Verdict.STALE,
        EXPIRING: Verdict.EXPIRING,
        MISSING: Verdict.MISSING,
        EXPIRED: Verdict.MISSING,
        LOCKED: Verdict.PROTECTED,  # the lock shows; the snapshot is what is judged
        FAILING: Verdict.UNKNOWN,
    }
    assert [row.vm_id for row in report.rows] == list(range(1, 8))
    assert report.summary == {"protected": 2, "stale": 1, "expiring": 1, "missing": 2, "unknown": 1}
    assert not report.ok
    rows = {row.vm_id: row for row in report.rows}
    assert rows[FRESH].reason is None
    assert abs(rows[FRESH].age - 2 * HOUR) < timedelta(minutes=1)
    assert abs(rows[FRESH].expires_in - timedelta(days=20) + 2 * HOUR) < timedelta(minutes=1)
    assert rows[FRESH].restore_time == 1800
    assert rows[FRESH].hostname == "web-1.example.com"
    assert rows[FRESH].state == "running"
    assert rows[STALE].reason.startswith("snapshot is 1d 6h old, more than 1d 2h")
    assert "expires in 23h" in rows[EXPIRING].reason
    assert rows[MISSING].reason == "no snapshot"
    assert rows[MISSING].created_at is None
    assert rows[MISSING].age is None
    assert rows[EXPIRED].reason.startswith("snapshot expired at ")
    assert rows[EXPIRED].expires_in < timedelta(0)
    assert rows[LOCKED].actions_lock == "locked"
    assert rows[LOCKED].running_action.id == running.id
    assert rows[LOCKED].running_action.name == "create_snapshot"
    assert rows[FAILING].reason.startswith("ForbiddenException: (403)")
    assert rows[FAILING].error is not None
    assert rows[FAILING].error.status == 403
    # the newest of each VM's weekly backups (the fake's newest is a day old)
    assert abs(rows[FRESH].backup_age - timedelta(days=1)) < timedelta(minutes=1)


def test_one_get_per_vm_two_with_backups_and_the_list_once(fleet, client):
    fleet.clear_requests()
    snapshot_status(client, vms=[FRESH, STALE, MISSING])
    assert len(fleet.requests) == 1 + 3 * 2
    assert all(r.method == "GET" for r in fleet.requests)
    assert gets(fleet, "/virtual-machines") == 1
    assert gets(fleet, "/snapshot") == 3
    assert gets(fleet, "/backups") == 3

    fleet.clear_requests()
    report = snapshot_status(client, vms=[FRESH, STALE, MISSING], backups=False)
    assert len(fleet.requests) == 1 + 3
    assert all(row.backup_created_at is None for row in report.rows)


def test_without_max_age_an_old_snapshot_is_protected_and_every_vm_is_ok(fleet, client):
    report = snapshot_status(client, vms=[FRESH, STALE])
    assert report.ok
    assert report.summary["protected"] == 2


def test_the_newest_backup_is_the_row_s(fleet, client):
    newest = ago(3 * HOUR).replace(microsecond=0)
    fleet.add_backup(FRESH, created_at=newest)
    fleet.clear_backups(STALE)
    rows = {row.vm_id: row for row in snapshot_status(client, vms=[FRESH, STALE]).rows}
    assert rows[FRESH].backup_created_at == newest
    assert rows[STALE].backup_created_at is None
    assert rows[STALE].verdict is Verdict.PROTECTED  # backups inform, they do not judge


def test_a_failing_backup_call_makes_the_vm_unknown_but_keeps_its_snapshot(fleet, client):
    fleet.inject(faults.error(403), vm=FRESH, method="GET", times=1, every=2)  # the 2nd GET
    row = snapshot_status(client, vms=[FRESH]).rows[0]
    assert row.verdict is Verdict.UNKNOWN
    assert row.created_at is not None
    assert row.error is not None


def test_an_edge_block_makes_every_vm_unknown_saying_why(fleet, client):
    edge = {"Content-Type": "text/plain; charset=UTF-8", "Retry-After": "2272"}
    fleet.inject(Fault(status=429, body=b"error code: 1015", headers=edge), vm=FRESH, method="GET")
    fleet.clear_requests()
    report = snapshot_status(client, vms=[FRESH, STALE], concurrency=1)
    blocked, held_back = report.rows
    assert blocked.verdict is held_back.verdict is Verdict.UNKNOWN
    assert "not JSON" in blocked.reason
    assert "error code: 1015" in blocked.reason
    assert held_back.reason.startswith("TooManyRequestsException: (429): Not sent: ")
    assert gets(fleet, f"/{STALE}/snapshot") == 0


def test_match_narrows_and_an_unlisted_id_is_unknown(fleet, client):
    fleet.clear_requests()
    report = snapshot_status(client, vms=[FRESH, 999], match="web-1.*")
    assert [row.vm_id for row in report.rows] == [FRESH, 999]
    unlisted = report.rows[1]
    assert unlisted.verdict is Verdict.UNKNOWN
    assert unlisted.reason.startswith("NotFoundException: (404)")
    assert gets(fleet, "/virtual-machines/999") == 1  # its details, then nothing more

    assert [r.vm_id for r in snapshot_status(client, match=["WEB-2*", "web-3*"]).rows] == [2, 3]


def test_only_the_api_s_snapshot_404_is_missing_a_vanished_vm_or_a_proxy_s_404_is_unknown(
    fleet, client
):
    """A 404 is read by its message, as the fleet job reads it: the API's "Snapshot not found"
    is ``missing``; "Virtual machine not found" (the VM went since the list) and a 404 that is
    not the API's (an HTML page from a proxy, a JSON one that names neither) are ``unknown``,
    the error in the row."""
    fleet.inject(faults.vm_gone(), vm=STALE, times=10)
    fleet.inject(faults.html_page(404), vm=EXPIRING, method="GET", times=1)
    vague = Fault(status=404, body=b'{"message": "Not Found"}')
    fleet.inject(vague, vm=EXPIRED, method="GET", times=1)
    report = snapshot_status(client, vms=[MISSING, STALE, EXPIRING, EXPIRED], backups=False)
    rows = {row.vm_id: row for row in report.rows}
    assert rows[MISSING].verdict is Verdict.MISSING
    assert rows[MISSING].reason == "no snapshot"
    for vm_id in (STALE, EXPIRING, EXPIRED):
        assert rows[vm_id].verdict is Verdict.UNKNOWN, vm_id
        assert rows[vm_id].error is not None
        assert rows[vm_id].error.status == 404
        assert rows[vm_id].reason.startswith("NotFoundException: (404)")
    assert "Virtual machine not found" in rows[STALE].reason
    assert report.summary["unknown"] == 3


def test_the_audit_holds_to_its_timeout(fleet, client):
    fleet.inject(faults.slow(20), vm=FRESH, method="GET")
    started = time.monotonic()
    report = snapshot_status(client, timeout=1.5, concurrency=2)
    assert time.monotonic() - started < 10
    rows = {row.vm_id: row for row in report.rows}
    assert rows[FRESH].verdict is Verdict.UNKNOWN
    assert len(report.rows) == 7


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"max_age": 3600}, ApiTypeError),
        ({"max_age": timedelta(0)}, ApiValueError),
        ({"expiring_within": None}, ApiTypeError),
        ({"expiring_within": -HOUR}, ApiValueError),
        ({"concurrency": 0}, ApiValueError),
        ({"timeout": 0}, ApiValueError),
        ({"vms": []}, ApiValueError),
        ({"backups": "yes"}, ApiTypeError),
        ({"max_age": timedelta(days=3651)}, ApiValueError),
        ({"expiring_within": timedelta.max}, ApiValueError),
    ],
)
def test_bad_arguments_raise_before_anything_is_sent(fleet, client, arguments, error):
    fleet.clear_requests()
    with pytest.raises(error):
        snapshot_status(client, **arguments)
    assert fleet.requests == []


def test_spans_up_to_ten_years_are_taken_and_named_when_refused(fleet, client):
    ten_years = timedelta(days=3650)
    report = snapshot_status(
        client, vms=[FRESH, MISSING], max_age=ten_years, expiring_within=ten_years
    )
    assert [row.verdict for row in report.rows] == [Verdict.EXPIRING, Verdict.MISSING]
    with pytest.raises(ApiValueError, match=r"expiring_within must be at most 3650 days"):
        snapshot_status(client, expiring_within=ten_years + timedelta(seconds=1))


# -- the boundaries, exactly -------------------------------------------------------------------


def test_exactly_max_age_old_is_protected_one_second_more_is_stale():
    day = timedelta(days=1)
    at_limit = verdict_of(snapshot(NOW - day), NOW, max_age=day, expiring_within=HOUR)
    assert at_limit == (Verdict.PROTECTED, None)
    over = verdict_of(snapshot(NOW - day - timedelta(seconds=1)), NOW, max_age=day,
                      expiring_within=HOUR)  # fmt: skip
    assert over[0] is Verdict.STALE


def test_expiring_exactly_at_the_boundary_is_expiring_one_second_later_is_not():
    within = timedelta(days=2)
    created = NOW - HOUR
    at_limit = verdict_of(snapshot(created, NOW + within), NOW, max_age=None,
                          expiring_within=within)  # fmt: skip
    assert at_limit[0] is Verdict.EXPIRING
    later = verdict_of(snapshot(created, NOW + within + timedelta(seconds=1)), NOW, max_age=None,
                       expiring_within=within)  # fmt: skip
    assert later == (Verdict.PROTECTED, None)


def test_expiring_at_this_very_moment_is_missing():
    expired = verdict_of(snapshot(NOW - HOUR, NOW), NOW, max_age=None, expiring_within=HOUR)
    assert expired[0] is Verdict.MISSING
    left = verdict_of(snapshot(NOW - HOUR, NOW + timedelta(seconds=1)), NOW, max_age=None,
                      expiring_within=HOUR)  # fmt: skip
    assert left[0] is Verdict.EXPIRING


def test_no_snapshot_an_empty_one_and_a_stale_one_that_also_expires():
    assert verdict_of(None, NOW, max_age=None, expiring_within=HOUR)[0] is Verdict.MISSING
    empty = VPSV1SnapshotSnapshotResource()
    assert verdict_of(empty, NOW, max_age=None, expiring_within=HOUR)[0] is Verdict.MISSING
    both = snapshot(NOW - timedelta(days=3), NOW + HOUR)
    assert verdict_of(both, NOW, max_age=timedelta(days=1), expiring_within=HOUR)[0] is (
        Verdict.STALE
    )
    undated = VPSV1SnapshotSnapshotResource(id=3)
    assert verdict_of(undated, NOW, max_age=HOUR, expiring_within=HOUR)[0] is Verdict.STALE
    assert verdict_of(undated, NOW, max_age=None, expiring_within=HOUR)[0] is Verdict.PROTECTED


def test_spans_read_as_a_person_reads_them():
    spans = [timedelta(0), timedelta(seconds=45), 90 * HOUR / 60, 26 * HOUR, timedelta(days=2)]
    assert [span_text(span) for span in spans] == ["0s", "45s", "1h 30m", "1d 2h", "2d"]
    assert span_text(-HOUR - timedelta(minutes=2)) == "-1h 2m"
    assert span_text(None) == "-"


# -- what the report shows ---------------------------------------------------------------------


def row(vm_id: int, verdict: Verdict, hostname: str = "web") -> StatusRow:
    return StatusRow(vm_id, hostname, "running", "unlocked", verdict, NOW, created_at=NOW - HOUR,
                     expires_at=NOW + timedelta(days=3))  # fmt: skip


class Cells(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.styles: list[str] = []
        self.open: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.open.append(tag)
        self.styles.extend(value for name, value in attrs if name == "style")

    def handle_endtag(self, tag):
        assert self.open.pop() == tag

    def handle_data(self, data):
        self.texts.append(data)


def test_the_html_colours_each_verdict_and_escapes_what_the_service_sent():
    report = StatusReport(
        [row(1, Verdict.PROTECTED, "<b>x</b>"), row(2, Verdict.MISSING), row(3, Verdict.UNKNOWN)],
        0.5,
        None,
        DEFAULT_EXPIRING_WITHIN,
    )
    html = report._repr_html_()
    cells = Cells(html)
    assert cells.open == []
    assert "<b>x</b>" in cells.texts  # shown as text, not rendered
    assert "protected" in cells.texts
    assert "missing" in cells.texts
    backgrounds = [s for s in cells.styles if s.startswith("background:")]
    assert len(backgrounds) == 3
    assert len(set(backgrounds)) == 3
    assert cells.texts[0].startswith("snapshot status: 1 protected, 1 missing, 1 unknown")


def test_the_text_table_and_the_json_form():
    report = StatusReport([row(12, Verdict.PROTECTED), row(3, Verdict.STALE)], 0.5, None, HOUR)
    lines = report.table().splitlines()
    assert lines[0].split() == [
        "VM_ID", "HOSTNAME", "STATE", "AGE", "EXPIRES_IN", "BACKUP_AGE", "VERDICT", "REASON"
    ]  # fmt: skip
    assert lines[1].split() == ["12", "web", "running", "1h", "3d", "-", "protected"]
    assert str(report) == report.table()
    document = report.to_dict()
    assert set(document) == {"rows", "summary"}
    assert document["rows"][0]["age_seconds"] == 3600
    assert document["rows"][0]["expires_at"] == "2026-03-13T12:00:00Z"
    assert document["rows"][1]["verdict"] == "stale"
    assert document["summary"]["stale"] == 1
    assert StatusReport([], 0.0, None, HOUR).ok


def test_a_verdict_is_its_word_and_an_error_without_a_message_is_its_class():
    assert str(Verdict.STALE) == "stale"
    assert Verdict("missing") is Verdict.MISSING
    assert error_text(TimeoutError()) == "TimeoutError"
    assert error_text(ValueError("bad\nsecond line")) == "ValueError: bad"
    assert row(1, Verdict.PROTECTED).backup_age is None


def test_nothing_is_sent_after_the_audit_returns():
    vms = [{"id": i, "hostname": f"slow-{i}"} for i in range(1, 7)]
    with FakeHostingerApi(token=TOKEN, vms=vms) as fake:
        for vm_id in range(1, 7):
            fake.inject(faults.slow(3), vm=vm_id, method="GET", times=10)
        with ApiClient(fake.configuration()) as api_client:
            report = snapshot_status(api_client, concurrency=2, timeout=1.0)
            returned = time.monotonic()
            time.sleep(1.5)  # time for a straggler to show
        assert {row.verdict for row in report.rows} == {Verdict.UNKNOWN}
        assert len(report.rows) == 6
        late = [r for r in fake.requests if r.received > returned]
        assert late == []


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix", reason="POSIX signals")
def test_ctrl_c_reaches_the_caller_at_once_and_nothing_is_sent_after_it():
    """Workers held in the rate gate (a 429 asked for 3 s) when Ctrl-C comes: the interrupt
    reaches the caller within moments, and none of them sends once the pause is over."""
    vms = [{"id": i, "hostname": f"web-{i}"} for i in range(1, 41)]
    with FakeHostingerApi(token=TOKEN, vms=vms) as fake:
        for vm_id in range(1, 41):
            fake.set_snapshot(vm_id)
        fake.inject(faults.rate_limited(retry_after=3), times=1, after=3)
        with ApiClient(fake.configuration()) as api_client:
            timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
            started = time.monotonic()
            timer.start()
            try:
                with pytest.raises(KeyboardInterrupt):
                    snapshot_status(api_client, concurrency=8, timeout=60)
                interrupted = time.monotonic()
            finally:
                timer.cancel()
            sent = len(fake.requests)
            time.sleep(max(0.0, started + 4.5 - time.monotonic()))  # past the 3 s pause
            late = fake.requests[sent:]
    assert interrupted - started < 5  # at about 1 s; 3 s is the pause it must not sit out
    assert [(r.method, r.path) for r in late] == []
    assert 4 <= sent < 1 + 2 * 40  # mid-way: the list, a few GETs, then the pause


@given(
    age=st.integers(min_value=-60, max_value=40 * 86400),
    life=st.integers(min_value=-86400, max_value=30 * 86400),
    max_age=st.one_of(st.none(), st.integers(min_value=1, max_value=30 * 86400)),
    within=st.integers(min_value=1, max_value=30 * 86400),
)
def test_each_snapshot_gets_the_verdict_the_rules_say(age, life, max_age, within):
    """One verdict per snapshot, by the documented rules in their documented order."""
    created = NOW - timedelta(seconds=age)
    expires = NOW + timedelta(seconds=life)
    limit = None if max_age is None else timedelta(seconds=max_age)
    verdict, reason = verdict_of(
        snapshot(created, expires), NOW, max_age=limit, expiring_within=timedelta(seconds=within)
    )
    if life <= 0:
        expected = Verdict.MISSING
    elif max_age is not None and age > max_age:
        expected = Verdict.STALE
    elif life <= within:
        expected = Verdict.EXPIRING
    else:
        expected = Verdict.PROTECTED
    assert verdict is expected
    assert (reason is None) == (verdict is Verdict.PROTECTED)
