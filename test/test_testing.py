"""The fake Hostinger API: its semantics, its request log, and running it on its own."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest
import urllib3
from support import TOKEN, VM

from hostinger_api.testing import FakeHostinger, FakeHostingerApi, faults

BASE = f"/api/vps/v1/virtual-machines/{VM}"


def call(fake, method, path, token=TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = urllib3.request(method, fake.url + path, headers=headers, retries=False, timeout=5)
    return response.status, json.loads(response.data), response.headers


def test_a_missing_or_wrong_token_is_unauthenticated(fake):
    for token in [None, "wrong"]:
        status, body, _ = call(fake, "GET", BASE + "/snapshot", token)
        assert status == 401
        assert body["message"] == "Unauthenticated"
        assert body["correlation_id"]


def test_unknown_vms_are_not_found_unless_any_vm_is_accepted(fake):
    assert call(fake, "GET", "/api/vps/v1/virtual-machines/5/snapshot")[0] == 404
    fake.accept_any_vm = True
    assert call(fake, "POST", "/api/vps/v1/virtual-machines/5/snapshot")[0] == 200


def test_an_action_moves_from_created_to_success_and_then_takes_effect(fake):
    fake.action_seconds = 0.3
    status, action, _ = call(fake, "POST", BASE + "/snapshot")
    assert (status, action["state"], action["name"]) == (200, "created", "create_snapshot")
    assert fake.snapshot(VM) is None

    states = []
    deadline = time.monotonic() + 5
    while not states or states[-1] != "success":
        assert time.monotonic() < deadline
        states.append(call(fake, "GET", f"{BASE}/actions/{action['id']}")[1]["state"])
        time.sleep(0.02)
    assert list(dict.fromkeys(states)) == ["created", "sent", "started", "success"]

    snapshot = fake.snapshot(VM)
    created = datetime.strptime(snapshot["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=timezone.utc
    )
    expires = datetime.strptime(snapshot["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=timezone.utc
    )
    assert expires - created == timedelta(days=20)
    assert abs(datetime.now(timezone.utc) - created) < timedelta(seconds=10)
    assert snapshot["restore_time"] == 1800


def test_creating_overwrites_and_deleting_removes(fake):
    first = fake.set_snapshot(VM)
    call(fake, "POST", BASE + "/snapshot")
    second = call(fake, "GET", BASE + "/snapshot")[1]
    assert second["id"] != first["id"]
    call(fake, "DELETE", BASE + "/snapshot")
    status, body, _ = call(fake, "GET", BASE + "/snapshot")
    assert (status, body["message"]) == (404, "Snapshot not found")


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/snapshot/restore"), ("DELETE", "/snapshot")]
)
def test_restore_or_delete_without_a_snapshot_is_refused(fake, method, path):
    status, body, _ = call(fake, method, BASE + path)
    assert status == 422
    assert "has no snapshot" in body["message"]
    assert body["errors"] == {"snapshot": ["The virtual machine has no snapshot."]}
    assert body["correlation_id"]
    assert fake.actions(VM) == []


def test_a_second_action_while_one_runs_is_a_conflict(fake):
    fake.action_seconds = 60
    assert call(fake, "POST", BASE + "/snapshot")[0] == 200
    status, body, _ = call(fake, "POST", BASE + "/snapshot")
    assert (status, body["message"]) == (409, f"Virtual machine {VM} has an action in progress")


def test_failing_vms_end_actions_in_error_without_effect(fake):
    fake.add_vm(VM, fail_actions=True)
    action = call(fake, "POST", BASE + "/snapshot")[1]
    assert call(fake, "GET", f"{BASE}/actions/{action['id']}")[1]["state"] == "error"
    assert fake.snapshot(VM) is None


def test_actions_are_listed_newest_first_in_pages(fake):
    fake.per_page = 2
    for _ in range(3):
        call(fake, "POST", BASE + "/snapshot")
    status, page, _ = call(fake, "GET", BASE + "/actions?page=2")
    assert status == 200
    assert [a["id"] for a in page["data"]] == [1]
    assert page["meta"] == {"current_page": 2, "per_page": 2, "total": 3}
    assert [a["id"] for a in fake.actions(VM)] == [1, 2, 3]


@pytest.mark.parametrize("page", ["0", "-1", "two", ""])
def test_a_bad_page_is_refused(fake, page):
    status, body, _ = call(fake, "GET", f"{BASE}/actions?page={page}")
    assert status == 422
    assert "page" in body["errors"]


def test_unknown_routes_and_methods(fake):
    status, body, _ = call(fake, "GET", "/api/vps/v1/nothing")
    assert (status, body["message"]) == (404, "The route /api/vps/v1/nothing could not be found")
    status, body, headers = call(fake, "PUT", BASE + "/snapshot")
    assert status == 405
    assert headers["Allow"] == "DELETE, GET, POST"
    assert body["correlation_id"]


def test_the_request_log_redacts_the_token(fake):
    call(fake, "GET", BASE + "/snapshot?x=1")
    (request,) = fake.requests
    assert (request.method, request.path, request.query) == (
        "GET",
        BASE + "/snapshot",
        {"x": ["1"]},
    )
    assert request.header("authorization") == "<redacted>"
    assert TOKEN not in repr(request)
    fake.clear_requests()
    assert fake.requests == []


def test_scripted_responses_come_first_and_then_the_service_resumes(fake):
    fake.respond_with(503, times=2, headers={"Retry-After": "1"})
    fake.respond_with(200, b"not json", headers={"Content-Type": "text/plain"})
    first, second = call(fake, "GET", BASE + "/snapshot"), call(fake, "GET", BASE + "/snapshot")
    assert first[0] == second[0] == 503
    assert first[1]["correlation_id"] != second[1]["correlation_id"]
    assert first[2]["Retry-After"] == "1"
    raw = urllib3.request("GET", fake.url + BASE + "/snapshot", retries=False)
    assert (raw.status, raw.data, raw.headers["Content-Type"]) == (200, b"not json", "text/plain")
    assert call(fake, "GET", BASE + "/snapshot")[0] == 404
    with pytest.raises(ValueError, match="times"):
        fake.respond_with(500, times=0)


def test_the_lifecycle_of_the_server():
    fake = FakeHostingerApi()
    with pytest.raises(RuntimeError, match="not running"):
        fake.url  # noqa: B018
    fake.start()
    with pytest.raises(RuntimeError, match="already running"):
        fake.start()
    configuration = fake.configuration()
    assert (configuration.host, configuration.access_token) == (fake.url, "test-token")
    fake.stop()
    fake.stop()


def test_stopping_closes_kept_alive_connections(fake):
    pool = urllib3.HTTPConnectionPool("127.0.0.1", fake.port, retries=False)
    assert pool.request("GET", BASE + "/snapshot").status == 401
    fake.stop()
    with pytest.raises(urllib3.exceptions.HTTPError):
        pool.request("GET", BASE + "/snapshot")
    pool.close()


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="action_seconds"):
        FakeHostinger(action_seconds=-1)
    with pytest.raises(ValueError, match="per_page"):
        FakeHostinger(per_page=0)


def test_it_runs_on_its_own_until_terminated():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hostinger_api.testing",
            "--token",
            TOKEN,
            "--vm",
            str(VM),
            "--action-seconds",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("Fake Hostinger API listening on http://127.0.0.1:")
        url = line.split()[-1]
        response = urllib3.request(
            "POST",
            url + BASE + "/snapshot",
            headers={"Authorization": f"Bearer {TOKEN}"},
            retries=False,
        )
        assert json.loads(response.data)["state"] == "created"
        assert (
            urllib3.request(
                "GET",
                url + "/api/vps/v1/virtual-machines/5/snapshot",
                headers={"Authorization": f"Bearer {TOKEN}"},
                retries=False,
            ).status
            == 404
        )
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "POST /api/vps/v1/virtual-machines" in stderr
    assert TOKEN not in stderr


def test_a_client_that_hangs_up_is_not_an_error(fake, capfd, caplog):
    import socket

    with socket.create_connection(("127.0.0.1", fake.port)) as connection:
        connection.sendall(b"GET " + BASE.encode() + b"/snapshot HTTP/1.1\r\nHost: x\r\n\r\n")
        connection.recv(65536)
        connection.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
        )
    deadline = time.monotonic() + 5
    while fake._connections and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "Traceback" not in capfd.readouterr().err
    assert "failed to answer" not in caplog.text


def test_a_failure_inside_the_fake_is_logged(fake, monkeypatch, caplog):
    def broken(*arguments):
        raise RuntimeError("the fake broke")

    monkeypatch.setattr(fake, "handle", broken)
    answer = urllib3.request("GET", fake.url + BASE + "/snapshot", retries=False, timeout=5)
    assert answer.status == 500
    assert "correlation_id" in answer.json()
    assert "The fake failed to answer" in caplog.text


def test_on_its_own_a_busy_port_is_a_clear_error(fake):
    result = subprocess.run(
        [sys.executable, "-m", "hostinger_api.testing", "--port", str(fake.port)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip() == f"Cannot listen on 127.0.0.1:{fake.port}: Address already in use"
    )


def test_a_started_fake_can_be_entered(fake):
    with fake as entered:
        assert entered is fake


def test_faults_can_be_aimed_at_one_vm_and_one_method(fake):
    fake.add_vm(2)
    fake.inject(faults.error(503), vm=2, method="post")
    assert call(fake, "POST", BASE + "/snapshot")[0] == 200
    assert call(fake, "GET", "/api/vps/v1/virtual-machines/2/snapshot")[0] == 404
    assert fake.pending_faults() == 1
    assert call(fake, "POST", "/api/vps/v1/virtual-machines/2/snapshot")[0] == 503
    assert fake.pending_faults() == 0


def test_every_spreads_faults_over_the_matching_requests(fake):
    fake.inject(faults.error(503), times=2, every=3)
    statuses = [call(fake, "GET", BASE + "/snapshot")[0] for _ in range(8)]
    assert statuses == [404, 404, 503, 404, 404, 503, 404, 404]


def test_faults_are_used_in_the_order_injected_and_can_be_cleared(fake):
    fake.inject(faults.error(502))
    fake.inject(faults.error(503), times=3)
    assert call(fake, "GET", BASE + "/snapshot")[0] == 502
    assert call(fake, "GET", BASE + "/snapshot")[0] == 503
    fake.clear_faults()
    assert fake.pending_faults() == 0
    assert call(fake, "GET", BASE + "/snapshot")[0] == 404


def test_a_fault_for_no_request_is_refused(fake):
    with pytest.raises(ValueError, match="every"):
        fake.inject(faults.error(500), every=0)


def test_requests_outside_the_vm_routes_only_match_faults_for_all_vms(fake):
    fake.inject(faults.error(500), vm=VM)
    assert call(fake, "GET", "/elsewhere")[0] == 404
    fake.inject(faults.error(500))
    assert call(fake, "GET", "/elsewhere")[0] == 500


@pytest.mark.parametrize("count", [0, 1, 5])
def test_on_its_own_each_vm_has_the_weekly_backups_asked_for(count):
    process = subprocess.Popen(
        [sys.executable, "-m", "hostinger_api.testing", "--quiet", "--token", TOKEN, "--vm",
         str(VM), "--weekly-backups", str(count)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().split()[-1]
        response = urllib3.request(
            "GET",
            url + BASE + "/backups",
            headers={"Authorization": f"Bearer {TOKEN}"},
            retries=False,
        )
        assert response.status == 200
        assert len(json.loads(response.data)["data"]) == count
    finally:
        process.terminate()
        process.communicate(timeout=10)


@pytest.mark.parametrize("value", ["-1", "two", "1.5"])
def test_on_its_own_a_bad_backup_count_is_a_usage_error(value):
    finished = subprocess.run(
        [sys.executable, "-m", "hostinger_api.testing", "--weekly-backups", value],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert finished.returncode == 2
    assert "expected a whole number, 0 or more" in finished.stderr
