"""Each fault of ``hostinger_api.testing.faults``, as a raw HTTP client sees it."""

from __future__ import annotations

import json
import threading
import time

import pytest
import urllib3
from support import TOKEN, VM

from hostinger_api.testing import FakeHostingerApi, Fault, faults

BASE = f"/api/vps/v1/virtual-machines/{VM}"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def send(fake, method="GET", path=BASE + "/snapshot", timeout=5.0):
    return urllib3.request(method, fake.url + path, headers=AUTH, retries=False, timeout=timeout)


def test_an_error_stands_in_for_the_service(fake):
    fake.inject(faults.error(500, headers={"X-Why": "test"}))
    response = send(fake, "POST")
    assert response.status == 500
    assert response.headers["X-Why"] == "test"
    assert response.json()["message"] == "Injected fault 500"
    assert fake.actions(VM) == []  # not performed


def test_rate_limited_sends_retry_after_in_seconds_or_as_a_date(fake):
    date = "Fri, 27 Nov 2026 03:00:00 GMT"
    fake.inject(faults.rate_limited(retry_after=2.5))
    fake.inject(faults.rate_limited(retry_after=date))
    fake.inject(faults.rate_limited(retry_after=None))
    first, second, third = send(fake), send(fake), send(fake)
    assert (first.status, first.headers["Retry-After"]) == (429, "2.5")
    assert second.headers["Retry-After"] == date
    assert "Retry-After" not in third.headers
    assert third.json()["message"] == "Too Many Attempts."


def test_html_page_is_html(fake):
    fake.inject(faults.html_page(504))
    response = send(fake)
    assert response.status == 504
    assert response.headers["Content-Type"].startswith("text/html")
    assert b"<h1>504</h1>" in response.data


@pytest.mark.parametrize(
    ("fault", "body"),
    [(faults.malformed_json(), b'{"id": 1, "state": succ'), (faults.empty_body(), b"")],
)
def test_broken_bodies_come_after_the_request_took_effect(fake, fault, body):
    fake.inject(fault)
    response = send(fake, "POST")
    assert (response.status, response.data) == (200, body)
    assert len(fake.actions(VM)) == 1  # performed


def test_truncated_json_is_the_first_half_of_the_real_answer(fake):
    fake.inject(faults.truncated_json())
    response = send(fake, "POST")
    assert int(response.headers["Content-Length"]) == len(response.data)
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.data)
    whole = json.dumps(fake.actions(VM)[0]).encode()
    assert whole.startswith(response.data[:10])


def test_a_connection_dropped_before_the_answer(fake):
    fake.inject(faults.dropped_connection())
    with pytest.raises(urllib3.exceptions.ProtocolError):
        send(fake, "POST")
    assert len(fake.actions(VM)) == 1


def test_a_connection_dropped_during_the_body(fake):
    fake.inject(faults.dropped_connection("during"))
    with pytest.raises(urllib3.exceptions.ProtocolError, match=r"IncompleteRead|broken"):
        send(fake, "POST")
    assert len(fake.actions(VM)) == 1


def test_slow_answers_late_and_a_short_read_timeout_gives_up(fake):
    fake.inject(faults.slow(5))
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        send(fake, "POST", timeout=0.2)
    assert len(fake.actions(VM)) == 1


def test_stopping_cuts_a_slow_answer_short():
    fake = FakeHostingerApi(vms=[VM], token=TOKEN).start()
    fake.inject(faults.slow(60))
    failures = []

    def request():
        try:
            send(fake, timeout=60)
        except urllib3.exceptions.HTTPError as error:
            failures.append(error)

    client = threading.Thread(target=request)
    client.start()
    while not fake.requests:
        threading.Event().wait(0.01)
    fake.stop()  # returns without waiting out the 60 seconds
    client.join(timeout=10)
    assert not client.is_alive()
    assert len(failures) == 1


def test_wrong_types_change_the_type_of_every_value(fake):
    fake.set_snapshot(VM)
    fake.inject(faults.wrong_types())
    body = send(fake).json()
    assert body["id"] == "1?"
    assert body["restore_time"] == "1800?"
    assert isinstance(body["created_at"], dict)


def test_unknown_state_replaces_the_state_of_each_action(fake):
    send(fake, "POST")
    fake.inject(faults.unknown_state("hibernating"), times=2)
    assert send(fake, "GET", BASE + "/actions/1").json()["state"] == "hibernating"
    page = send(fake, "GET", BASE + "/actions").json()
    assert [action["state"] for action in page["data"]] == ["hibernating"]


def test_unknown_state_leaves_a_snapshot_alone(fake):
    fake.set_snapshot(VM)
    fake.inject(faults.unknown_state())
    assert "state" not in send(fake).json()


def test_new_fields_are_added_to_each_resource(fake):
    send(fake, "POST")
    fake.inject(faults.new_fields({"region": "eu"}))
    fake.inject(faults.new_fields())
    assert send(fake, "GET", BASE + "/actions/1").json()["region"] == "eu"
    page = send(fake, "GET", BASE + "/actions").json()
    assert page["data"][0]["tags"] == ["a"]
    assert "tags" not in page["meta"]


def test_a_fault_of_your_own(fake):
    fake.set_snapshot(VM)
    fake.inject(Fault(status=203, rewrite=lambda body: {**body, "id": 99}, performed=True))
    response = send(fake)
    assert (response.status, response.json()["id"]) == (203, 99)


def test_no_body_is_sent_with_a_204(fake):
    fake.inject(faults.error(204))
    pool = urllib3.HTTPConnectionPool("127.0.0.1", fake.port, retries=False, maxsize=1)
    first = pool.request("GET", BASE + "/snapshot", headers=AUTH)
    second = pool.request("GET", BASE + "/snapshot", headers=AUTH)  # same connection, unspoiled
    assert (first.status, first.data, second.status) == (204, b"", 404)


@pytest.mark.parametrize(
    "arguments",
    [{"status": 101}, {"status": 600}, {"drop": "after"}, {"delay": -1}],
)
def test_an_impossible_fault_is_refused(arguments):
    with pytest.raises(ValueError, match=r"status|drop|delay"):
        Fault(**arguments)


def test_a_connection_dropped_before_the_request_reached_the_service(fake):
    fake.inject(faults.dropped_connection(performed=False))
    with pytest.raises(urllib3.exceptions.ProtocolError):
        send(fake, "POST")
    assert fake.actions(VM) == []  # lost on the way in: nothing happened


def test_an_error_after_the_service_performed_the_request(fake):
    fake.inject(faults.error(502, performed=True))
    response = send(fake, "POST")
    assert response.status == 502
    assert response.json()["message"] == "Injected fault 502"  # the gateway's, not the action
    assert len(fake.actions(VM)) == 1  # performed


def test_a_revoked_token_refuses_every_request_from_the_nth_on(fake):
    fake.inject(faults.token_revoked(), after=2, times=10**6)
    statuses = [send(fake).status for _ in range(5)]
    assert statuses == [404, 404, 401, 401, 401]  # no snapshot, then the token no longer works
    refused = send(fake, "POST")
    assert (refused.status, refused.json()["message"]) == (401, "Unauthenticated")
    assert fake.actions(VM) == []


def test_a_vm_that_vanishes_after_some_of_its_requests(fake):
    other = VM + 1
    fake.add_vm(other)
    fake.inject(faults.vm_gone(), vm=VM, after=1, times=10**6)
    assert send(fake, "POST").status == 200  # its first request: performed
    gone = send(fake, "GET", BASE)
    assert (gone.status, gone.json()["message"]) == (404, "Virtual machine not found")
    assert send(fake, "GET", f"/api/vps/v1/virtual-machines/{other}").status == 200
    assert send(fake, "GET", BASE + "/actions").status == 404
    assert len(fake.actions(VM)) == 1


def test_after_counts_only_the_matching_requests_and_combines_with_every(fake):
    fake.inject(faults.error(500), method="POST", after=1, every=2, times=2)
    statuses = [send(fake, method).status for method in ["POST", "GET", "POST", "POST", "POST"]]
    # POSTs: the 1st passes (after), then every 2nd of the rest gets the fault
    assert statuses == [200, 200, 200, 500, 200]
    assert fake.pending_faults() == 1


def test_a_429_without_any_header(fake):
    fake.inject(faults.rate_limited(retry_after=None))
    response = send(fake)
    assert response.status == 429
    assert not [name for name in response.headers if "rate" in name.lower()]
    assert "Retry-After" not in response.headers


def test_each_request_is_recorded_with_when_the_fake_read_it(fake):
    before = time.monotonic()
    send(fake)
    send(fake, "POST")
    first, second = fake.requests
    assert before <= first.received <= second.received <= time.monotonic()


@pytest.mark.parametrize("arguments", [{"after": -1}, {"times": 0}, {"every": 0}])
def test_an_impossible_schedule_is_refused(fake, arguments):
    with pytest.raises(ValueError, match=r"1 or more|0 or more"):
        fake.inject(faults.error(500), **arguments)
