"""The fake's virtual machines: what the API shows of them, and the rules their state sets."""

from __future__ import annotations

import ipaddress
import json
import math
import time
from datetime import datetime, timezone

import pytest
import urllib3
from support import TOKEN, VM

from hostinger_api.testing import FakeHostinger, FakeHostingerApi, faults

VMS = "/api/vps/v1/virtual-machines"
FIELDS = {
    "id",
    "firewall_group_id",
    "subscription_id",
    "data_center_id",
    "plan",
    "hostname",
    "state",
    "actions_lock",
    "cpus",
    "memory",
    "disk",
    "bandwidth",
    "ns1",
    "ns2",
    "ipv4",
    "ipv6",
    "template",
    "created_at",
}


def call(fake, method, path):
    response = urllib3.request(
        method, fake.url + path, headers={"Authorization": f"Bearer {TOKEN}"}, retries=False
    )
    return response.status, json.loads(response.data), response.headers


def wait_for(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        time.sleep(0.02)


def test_the_list_is_every_vm_in_id_order_as_the_documented_resource():
    with FakeHostingerApi(token=TOKEN, vms=[30, {"id": 10, "state": "stopped"}, 20]) as fake:
        status, body, headers = call(fake, "GET", VMS)
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert [vm["id"] for vm in body] == [10, 20, 30]
    for vm in body:
        assert set(vm) == FIELDS
        for name in ("cpus", "memory", "disk", "bandwidth", "data_center_id"):
            assert isinstance(vm[name], int)
        for name in ("hostname", "state", "plan", "subscription_id", "ns1", "ns2"):
            assert isinstance(vm[name], str)
        assert vm["actions_lock"] == "unlocked"
        assert vm["firewall_group_id"] is None
        (ipv4,) = vm["ipv4"]
        assert set(ipv4) == {"id", "address", "ptr"}
        assert ipv4["ptr"] == vm["hostname"]
        assert ipaddress.ip_address(ipv4["address"]).version == 4
        (ipv6,) = vm["ipv6"]
        assert ipaddress.ip_address(ipv6["address"]).version == 6
        assert set(vm["template"]) == {"id", "name", "description", "documentation"}
        created = datetime.strptime(vm["created_at"], "%Y-%m-%dT%H:%M:%SZ")
        assert abs(created.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)).days == 0
    assert [vm["state"] for vm in body] == ["stopped", "running", "running"]


def test_a_vm_by_default():
    vm = FakeHostinger(vms=[VM]).vm(VM)
    assert vm["hostname"] == f"srv{VM}.hstgr.cloud"
    assert (vm["state"], vm["plan"], vm["cpus"], vm["memory"], vm["disk"]) == (
        "running",
        "KVM 2",
        2,
        8192,
        102400,
    )
    assert vm["ipv4"][0]["address"] == "203.0.113.1"
    assert vm["ipv6"][0]["address"] == "2001:db8::1"


def test_every_vm_has_an_address_of_its_own_that_no_one_routes():
    fake = FakeHostinger(vms=range(1, 701))
    addresses = [fake.vm(vm_id)["ipv4"][0]["address"] for vm_id in range(1, 701)]
    assert len(set(addresses)) == 700
    for address in map(ipaddress.IPv4Address, addresses):
        assert address.is_private
        assert not address.is_loopback
        assert not str(address).endswith((".0", ".255"))
    ids = [fake.vm(vm_id)["ipv4"][0]["id"] for vm_id in range(1, 701)]
    assert len(set(ids)) == 700


def test_the_attributes_given_are_shown():
    created_at = datetime(2024, 9, 5, 7, 25, 36, tzinfo=timezone.utc)
    template = {
        "id": 7,
        "name": "Debian 12",
        "description": "Debian 12 64bit",
        "documentation": None,
    }
    attributes = {
        "hostname": "db-1.example.com",
        "state": "stopped",
        "plan": "KVM 4",
        "ipv4": "198.51.100.7",
        "ipv6": None,
        "template": template,
        "data_center_id": 9,
        "subscription_id": "Azz353Uhl1xC54pR0",
        "ns1": "192.0.2.1",
        "ns2": None,
        "firewall_group_id": 12,
        "created_at": created_at,
    }
    with FakeHostingerApi(token=TOKEN, vms=[{"id": VM, **attributes}]) as fake:
        status, vm, _ = call(fake, "GET", f"{VMS}/{VM}")
    assert status == 200
    assert vm == {
        **attributes,
        "id": VM,
        "actions_lock": "unlocked",
        "cpus": 4,
        "memory": 16384,
        "disk": 204800,
        "bandwidth": 16777216,
        "ipv4": [{"id": 1, "address": "198.51.100.7", "ptr": "db-1.example.com"}],
        "created_at": "2024-09-05T07:25:36Z",
    }


def test_sizes_given_win_over_the_plan_and_an_unknown_plan_has_the_default_sizes():
    fake = FakeHostinger(vms=[{"id": 1, "plan": "KVM 8", "cpus": 3}, {"id": 2, "plan": "Custom"}])
    assert (fake.vm(1)["cpus"], fake.vm(1)["memory"]) == (3, 32768)
    assert (fake.vm(2)["plan"], fake.vm(2)["cpus"]) == ("Custom", 2)


def test_adding_a_vm_again_changes_only_the_attributes_given():
    fake = FakeHostinger(action_seconds=60)
    fake.add_vm(VM, hostname="web-1.example.com", action_seconds=math.inf)
    fake.add_vm(VM, state="stopped")
    vm = fake.vm(VM)
    assert (vm["hostname"], vm["state"]) == ("web-1.example.com", "stopped")
    assert fake.add_vm(VM).action_seconds == math.inf


def test_ids_and_mappings_mix():
    fake = FakeHostinger(vms=[1, {"id": 2, "hostname": "two"}, 3])
    assert [fake.vm(vm_id)["hostname"] for vm_id in (1, 2, 3)] == [
        "srv1.hstgr.cloud",
        "two",
        "srv3.hstgr.cloud",
    ]
    assert fake.vm(4) is None


@pytest.mark.parametrize(
    ("vms", "message"),
    [
        ([{"state": "running"}], "needs an 'id'"),
        (["1"], "A VM id must be an int"),
        ([{"id": 1, "colour": "red"}], "Unknown VM attribute 'colour'"),
        ([{"id": 1, "cpus": True}], "cpus must be an int"),
        ([{"id": 1, "memory": -1}], "memory must be an int"),
        ([{"id": 1, "state": ""}], "state must be a non-empty string"),
        ([{"id": 1, "template": "Ubuntu"}], "template must be a mapping"),
        ([{"id": 1, "created_at": datetime(2024, 1, 1)}], "timezone-aware"),
        ([{"id": 1, "action_seconds": -1}], "action_seconds must be a number"),
        ([{"id": 1, "locked": 1}], "locked must be True or False"),
    ],
)
def test_bad_vms_are_refused_clearly(vms, message):
    with pytest.raises(ValueError, match=message):
        FakeHostinger(vms=vms)


def test_an_unknown_vm_is_not_found_unless_any_vm_is_accepted(fake):
    status, body, _ = call(fake, "GET", f"{VMS}/5")
    assert (status, body["message"]) == (404, "Virtual machine not found")
    fake.accept_any_vm = True
    status, body, _ = call(fake, "GET", f"{VMS}/5")
    assert (status, body["hostname"]) == (200, "srv5.hstgr.cloud")
    assert [vm["id"] for vm in call(fake, "GET", VMS)[1]] == [5, VM]


def test_the_vm_routes_only_take_get(fake):
    for path in (VMS, f"{VMS}/{VM}"):
        status, body, headers = call(fake, "DELETE", path)
        assert (status, headers["Allow"]) == (405, "GET")
        assert body["correlation_id"]


def test_an_empty_account_lists_no_vms():
    with FakeHostingerApi(token=TOKEN) as fake:
        assert call(fake, "GET", VMS)[:2] == (200, [])


def test_a_vm_is_locked_while_an_action_runs_on_it(fake):
    fake.action_seconds = 0.3
    assert call(fake, "GET", f"{VMS}/{VM}")[1]["actions_lock"] == "unlocked"
    assert call(fake, "POST", f"{VMS}/{VM}/snapshot")[0] == 200
    assert call(fake, "GET", f"{VMS}/{VM}")[1]["actions_lock"] == "locked"
    assert call(fake, "GET", VMS)[1][0]["actions_lock"] == "locked"
    wait_for(lambda: call(fake, "GET", f"{VMS}/{VM}")[1]["actions_lock"] == "unlocked")
    assert fake.snapshot(VM) is not None


def test_a_vm_locked_from_outside_refuses_actions_until_unlocked(fake):
    fake.add_vm(VM, locked=True)
    assert fake.vm(VM)["actions_lock"] == "locked"
    status, body, _ = call(fake, "POST", f"{VMS}/{VM}/snapshot")
    assert (status, body["message"]) == (409, f"Virtual machine {VM} has an action in progress")
    fake.add_vm(VM, locked=False)
    assert call(fake, "POST", f"{VMS}/{VM}/snapshot")[0] == 200


def test_a_restoring_vm_is_restoring_and_then_back_in_its_state(fake):
    fake.add_vm(VM, state="stopped", action_seconds=0.3)
    fake.set_snapshot(VM)
    assert call(fake, "POST", f"{VMS}/{VM}/snapshot/restore")[0] == 200
    vm = call(fake, "GET", f"{VMS}/{VM}")[1]
    assert (vm["state"], vm["actions_lock"]) == ("restoring", "locked")
    wait_for(lambda: call(fake, "GET", f"{VMS}/{VM}")[1]["state"] == "stopped")


def test_a_failed_restore_also_puts_the_state_back(fake):
    fake.add_vm(VM, fail_actions=True)
    fake.set_snapshot(VM)
    assert call(fake, "POST", f"{VMS}/{VM}/snapshot/restore")[0] == 200
    assert call(fake, "GET", f"{VMS}/{VM}")[1]["state"] == "running"


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/snapshot"), ("DELETE", "/snapshot"), ("POST", "/snapshot/restore")],
)
@pytest.mark.parametrize("state", ["stopping", "suspended", "error", "restoring", "paused"])
def test_actions_on_a_vm_neither_running_nor_stopped_are_refused(fake, method, path, state):
    fake.set_snapshot(VM)
    fake.add_vm(VM, state=state)
    status, body, _ = call(fake, method, f"{VMS}/{VM}{path}")
    assert status == 422
    assert (
        body["message"]
        == f"Virtual machine {VM} is in state {state}: it must be running or stopped"
    )
    assert body["errors"] == {"state": ["The virtual machine must be running or stopped."]}
    assert body["correlation_id"]
    assert fake.actions(VM) == []
    assert fake.vm(VM)["state"] == state


@pytest.mark.parametrize("state", ["running", "stopped"])
def test_actions_on_a_running_or_stopped_vm_start(fake, state):
    fake.add_vm(VM, state=state)
    assert call(fake, "POST", f"{VMS}/{VM}/snapshot")[0] == 200
    assert call(fake, "POST", f"{VMS}/{VM}/snapshot/restore")[0] == 200
    assert call(fake, "DELETE", f"{VMS}/{VM}/snapshot")[0] == 200


def test_a_running_action_is_a_conflict_before_the_state_is_looked_at(fake):
    fake.add_vm(VM, action_seconds=60)
    fake.set_snapshot(VM)
    assert call(fake, "POST", f"{VMS}/{VM}/snapshot/restore")[0] == 200
    assert call(fake, "POST", f"{VMS}/{VM}/snapshot")[0] == 409


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        (faults.new_fields({"region": "eu"}), lambda vm: vm["region"] == "eu"),
        (faults.unknown_state("hibernating"), lambda vm: vm["state"] == "hibernating"),
        (faults.wrong_types(), lambda vm: vm["id"] == f"{VM}?"),
    ],
)
def test_faults_that_rewrite_answers_rewrite_the_vm_list(fake, fault, check):
    fake.inject(fault)
    status, body, _ = call(fake, "GET", VMS)
    assert status == 200
    assert len(body) == 1
    assert check(body[0])


def test_a_scripted_array_is_sent_as_json(fake):
    fake.respond_with(200, [{"id": 1}])
    assert call(fake, "GET", VMS)[:2] == (200, [{"id": 1}])
