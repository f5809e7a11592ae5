"""VPSBackupsApi: pages of backups and restoring one, in all three forms, over HTTP to the fake."""

from __future__ import annotations

import inspect
import json
import math
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import urllib3
from support import TOKEN, VM
from test_vps_virtual_machine_api import GENERATED_PYTHON

from hostinger_api import (
    ApiClient,
    ApiResponse,
    ApiTypeError,
    ApiValueError,
    ConflictException,
    NotFoundException,
    ResponseDecodeError,
    ServiceException,
    UnauthorizedException,
    UnprocessableEntityException,
    VPSBackupsApi,
    VPSSnapshotsApi,
    VPSV1ActionActionResource,
    VPSV1BackupBackupResource,
    VPSV1BackupListResponse,
    VPSVirtualMachineApi,
    wait_for_action,
)
from hostinger_api.testing import FakeHostingerApi, faults
from hostinger_api.testing._backups import (
    BACKUP_INTERVAL,
    BACKUP_LOCATION,
    BACKUP_RESTORE_TIME,
    NEWEST_BACKUP_AGE,
    WEEKLY_BACKUPS,
)

BASE = f"/api/vps/v1/virtual-machines/{VM}/backups"
FORMS = ["", "_with_http_info", "_without_preload_content"]
OPTIONS = ["_request_timeout", "_request_auth", "_content_type", "_headers", "_host_index"]
SPEC_EXAMPLE = {
    "id": 325,
    "location": "nl-srv-nodebackups",
    "size": 15240192,
    "restore_time": 3600,
    "created_at": "2025-02-27T11:54:22Z",
}


@pytest.fixture
def backups(api_client):
    return VPSBackupsApi(api_client)


def _newest_id(fake, vm_id=VM):
    return fake.backups(vm_id)[0]["id"]


# -- listing -----------------------------------------------------------------------------------


def test_get_backups_in_three_forms(fake, backups):
    listed = backups.get_backups_v1(VM)
    assert isinstance(listed, VPSV1BackupListResponse)
    assert all(isinstance(b, VPSV1BackupBackupResource) for b in listed.data)
    assert [b.id for b in listed.data] == [b["id"] for b in fake.backups(VM)]

    response = backups.get_backups_v1_with_http_info(VM)
    assert isinstance(response, ApiResponse)
    assert (response.status_code, response.data) == (200, listed)

    raw = backups.get_backups_v1_without_preload_content(VM)
    assert isinstance(raw, urllib3.BaseHTTPResponse)
    assert json.loads(raw.data)["meta"]["total"] == WEEKLY_BACKUPS

    assert [(r.method, r.path, r.query) for r in fake.requests] == [("GET", BASE, {})] * 3
    assert {r.header("Authorization") for r in fake.requests} == {"<redacted>"}


def test_every_vm_has_weekly_backups_by_default_newest_first(fake, backups):
    before = datetime.now(timezone.utc)
    fake.add_vm(7)
    after = datetime.now(timezone.utc)

    listed = backups.get_backups_v1(7).data

    assert len(listed) == WEEKLY_BACKUPS
    newest = listed[0].created_at
    # The fake's timestamps have whole seconds.
    assert before - NEWEST_BACKUP_AGE - timedelta(seconds=1) <= newest
    assert newest <= after - NEWEST_BACKUP_AGE
    assert [newest - b.created_at for b in listed] == [
        weeks * BACKUP_INTERVAL for weeks in range(WEEKLY_BACKUPS)
    ]
    assert {(b.location, b.restore_time) for b in listed} == {
        (BACKUP_LOCATION, BACKUP_RESTORE_TIME)
    }
    disk_kb = VPSVirtualMachineApi(backups.api_client).get_virtual_machine_details_v1(7).disk * 1024
    assert {b.size for b in listed} == {disk_kb // 4}


def test_weekly_backups_can_be_turned_off_and_added_one_by_one():
    made = datetime(2026, 11, 1, 3, 0, tzinfo=timezone.utc)
    with FakeHostingerApi(vms=[VM], token=TOKEN, weekly_backups=0) as fake:
        api_client = ApiClient(fake.configuration())
        api = VPSBackupsApi(api_client)
        assert api.get_backups_v1(VM).data == []
        assert api.get_backups_v1(VM).meta.total == 0
        added = fake.add_backup(
            VM, created_at=made, size=2048, restore_time=600, location="us-srv-backups"
        )
        (backup,) = api.get_backups_v1(VM).data
        api_client.close()
    assert backup.to_dict() == {
        "id": added["id"],
        "location": "us-srv-backups",
        "size": 2048,
        "restore_time": 600,
        "created_at": made,
    }


def test_added_backups_take_their_place_by_date(fake, backups):
    fake.clear_backups(VM)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    middle = fake.add_backup(VM, created_at=now - timedelta(days=2))
    newest = fake.add_backup(VM, created_at=now)
    oldest = fake.add_backup(VM, created_at=now - timedelta(days=9))
    assert [b.id for b in backups.get_backups_v1(VM).data] == [
        newest["id"],
        middle["id"],
        oldest["id"],
    ]


def test_pages_hold_per_page_backups_like_the_actions(fake, backups):
    fake.per_page = 2
    for days in range(4):
        fake.add_backup(VM, created_at=datetime.now(timezone.utc) - timedelta(hours=days))
    everything = [b["id"] for b in fake.backups(VM)]
    assert len(everything) == WEEKLY_BACKUPS + 4

    pages = [backups.get_backups_v1(VM, page=page) for page in (1, 2, 3, 4, 5)]

    assert [b.id for page in pages for b in page.data] == everything
    assert [len(page.data) for page in pages] == [2, 2, 2, 1, 0]
    assert {(p.meta.per_page, p.meta.total) for p in pages} == {(2, len(everything))}
    assert [p.meta.current_page for p in pages] == [1, 2, 3, 4, 5]
    assert [r.query for r in fake.requests] == [{"page": [str(n)]} for n in (1, 2, 3, 4, 5)]


def test_the_fake_refuses_a_page_below_one(fake):
    # The client refuses such a page before sending it: ask the fake directly.
    http = urllib3.PoolManager()
    answer = http.request(
        "GET", fake.url + BASE + "?page=0", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert answer.status == 422
    assert json.loads(answer.data)["errors"] == {"page": ["The page must be at least 1."]}


def test_the_spec_example_loads_and_new_fields_and_nulls_are_tolerated(fake, backups):
    novel = dict(SPEC_EXAMPLE, id=326, encrypted=True, location="lt-srv-nodebackups")
    nulls = dict.fromkeys(SPEC_EXAMPLE)
    body = {"data": [SPEC_EXAMPLE, novel, nulls, {}], "meta": None, "links": {"next": None}}
    fake.respond_with(200, body)

    example, new, blank, empty = backups.get_backups_v1(VM).data

    assert (example.id, example.size, example.restore_time, example.location) == (
        325,
        15240192,
        3600,
        "nl-srv-nodebackups",
    )
    assert example.created_at == datetime(2025, 2, 27, 11, 54, 22, tzinfo=timezone.utc)
    assert new.to_dict()["encrypted"] is True
    assert json.loads(new.to_json())["location"] == "lt-srv-nodebackups"
    assert (blank.id, blank.size, blank.created_at) == (None, None, None)
    assert empty.to_dict() == {}


def test_the_fakes_new_fields_fault_reaches_each_backup(fake, backups):
    fake.inject(faults.new_fields({"kind": "weekly"}))
    assert {b.to_dict()["kind"] for b in backups.get_backups_v1(VM).data} == {"weekly"}


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"data": [{"id": "first"}]}, "id"),
        ({"data": {"id": 1}}, "data"),
        (b"{", "Invalid JSON"),
    ],
)
def test_a_page_of_the_wrong_shape_is_our_decode_error(fake, backups, body, why):
    fake.respond_with(200, body)
    with pytest.raises(ResponseDecodeError, match=why):
        backups.get_backups_v1(VM)


def test_models_are_deserialized_by_name(fake, api_client):
    fake.respond_with(200, {"data": [SPEC_EXAMPLE]})
    raw = VPSBackupsApi(api_client).get_backups_v1_with_http_info(VM)
    assert api_client.deserialize(raw.raw_data.decode(), "VPSV1BackupListResponse", None) == (
        raw.data
    )


def test_a_vm_made_on_first_use_has_its_weekly_backups_too():
    with FakeHostingerApi(token=TOKEN, accept_any_vm=True) as fake:
        client = ApiClient(fake.configuration())
        listed = VPSBackupsApi(client).get_backups_v1(77).data
        client.close()
        assert [b.id for b in listed] == [b["id"] for b in fake.backups(77)]
    assert len(listed) == WEEKLY_BACKUPS


def test_a_passing_outage_on_the_list_is_retried(fake, backups):
    fake.inject(faults.error(503), vm=VM)
    assert len(backups.get_backups_v1(VM).data) == WEEKLY_BACKUPS
    assert len(fake.requests) == 2, "a GET is retried after a 503"


# -- restoring ---------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["", "_with_http_info"])
def test_restore_starts_an_action_that_deletes_the_snapshot(fake, backups, form):
    fake.set_snapshot(VM)
    backup_id = _newest_id(fake)

    answer = getattr(backups, "restore_backup_v1" + form)(VM, backup_id)
    action = answer if form == "" else answer.data

    assert isinstance(action, VPSV1ActionActionResource)
    assert (action.name, action.state) == ("restore_backup", "created")
    assert fake.requests[-1].method == "POST"
    assert fake.requests[-1].path == f"{BASE}/{backup_id}/restore"
    done = wait_for_action(backups.api_client, VM, action, poll_interval=0.01, timeout=5)
    assert done.state == "success"
    assert fake.snapshot(VM) is None, "Hostinger deletes the VM's snapshot on a backup restore"
    assert len(fake.backups(VM)) == WEEKLY_BACKUPS, "the backups themselves stay"


def test_restore_in_the_raw_form(fake, backups):
    raw = backups.restore_backup_v1_without_preload_content(VM, _newest_id(fake))
    assert isinstance(raw, urllib3.BaseHTTPResponse)
    assert json.loads(raw.data)["name"] == "restore_backup"


def test_a_running_restore_locks_the_vm_and_keeps_the_snapshot_until_it_ends(fake, backups):
    fake.action_seconds = math.inf
    fake.set_snapshot(VM)
    backups.restore_backup_v1(VM, _newest_id(fake))

    vm = VPSVirtualMachineApi(backups.api_client).get_virtual_machine_details_v1(VM)
    assert (vm.actions_lock, vm.state) == ("locked", "restoring")
    assert fake.snapshot(VM) is not None
    with pytest.raises(ConflictException):
        backups.restore_backup_v1(VM, _newest_id(fake))
    with pytest.raises(ConflictException):
        VPSSnapshotsApi(backups.api_client).create_snapshot_v1(VM)


def test_a_failed_restore_keeps_the_snapshot_and_unlocks_the_vm(fake, backups):
    fake.add_vm(VM, fail_actions=True)
    fake.set_snapshot(VM)
    action = backups.restore_backup_v1(VM, _newest_id(fake))
    assert fake.actions(VM)[-1] == dict(fake.actions(VM)[-1], id=action.id, state="error")
    assert fake.snapshot(VM) is not None
    assert fake.vm(VM)["state"] == "running"


def test_restoring_without_a_snapshot_is_fine(fake, backups):
    assert fake.snapshot(VM) is None
    action = backups.restore_backup_v1(VM, _newest_id(fake))
    assert fake.actions(VM)[-1]["id"] == action.id
    assert fake.actions(VM)[-1]["state"] == "success"


def test_a_restore_whose_answer_may_be_lost_is_never_sent_twice(fake, backups):
    fake.set_snapshot(VM)
    fake.inject(
        faults.Fault(performed=True, status=502, body={"message": "Bad gateway"}), method="POST"
    )
    with pytest.raises(ServiceException) as caught:
        backups.restore_backup_v1(VM, _newest_id(fake))
    assert caught.value.status == 502
    assert [r.method for r in fake.requests] == ["POST"]
    assert [a["name"] for a in fake.actions(VM)] == ["restore_backup"], "performed once"


def test_an_unknown_backup_or_another_vms_backup_is_not_found(fake, backups):
    fake.add_vm(42)
    with pytest.raises(NotFoundException, match="Backup not found"):
        backups.restore_backup_v1(VM, 999_999)
    with pytest.raises(NotFoundException, match="Backup not found"):
        backups.restore_backup_v1(VM, _newest_id(fake, 42))
    assert fake.actions(VM) == []


def test_a_vm_in_the_wrong_state_cannot_restore(fake, backups):
    fake.add_vm(VM, state="stopping")
    with pytest.raises(UnprocessableEntityException):
        backups.restore_backup_v1(VM, _newest_id(fake))


def test_an_unknown_vm_is_not_found(backups):
    with pytest.raises(NotFoundException, match="Virtual machine not found"):
        backups.get_backups_v1(999)


# -- errors and arguments -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"), [(401, UnauthorizedException), (500, ServiceException)]
)
def test_error_statuses_raise_our_exceptions(fake, backups, status, error):
    fake.respond_with(status, {"message": "No", "correlation_id": "c-7"}, times=2)
    for call in (lambda: backups.get_backups_v1(VM), lambda: backups.restore_backup_v1(VM, 1)):
        with pytest.raises(error) as caught:
            call()
        assert (caught.value.status, caught.value.correlation_id) == (status, "c-7")
        assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("arguments", "error", "name"),
    [
        ((VM, 0), ApiValueError, "backup_id"),
        ((VM, "7"), ApiTypeError, "backup_id"),
        ((VM, None), ApiTypeError, "backup_id"),
        ((False, 1), ApiTypeError, "virtual_machine_id"),
        ((0, 1), ApiValueError, "virtual_machine_id"),
    ],
)
@pytest.mark.parametrize("form", FORMS)
def test_bad_ids_are_refused_before_sending(fake, backups, arguments, error, name, form):
    with pytest.raises(error, match=name):
        getattr(backups, "restore_backup_v1" + form)(*arguments)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("page", "error"), [(0, ApiValueError), ("2", ApiTypeError), (2.0, ApiTypeError)]
)
@pytest.mark.parametrize("form", FORMS)
def test_bad_pages_are_refused_before_sending(fake, backups, page, error, form):
    with pytest.raises(error, match="page"):
        getattr(backups, "get_backups_v1" + form)(VM, page=page)
    assert fake.requests == []


@pytest.mark.parametrize("form", FORMS)
def test_headers_and_host_index(fake, backups, form):
    getattr(backups, "get_backups_v1" + form)(VM, _headers={"X-Job": "audit"})
    assert fake.requests[-1].header("X-Job") == "audit"
    with pytest.raises(ApiValueError, match="_host_index"):
        getattr(backups, "restore_backup_v1" + form)(VM, 1, _host_index=1)
    assert len(fake.requests) == 1


def test_the_fake_rejects_bad_backups():
    with FakeHostingerApi(vms=[VM]) as fake:
        with pytest.raises(ValueError, match="timezone-aware"):
            fake.add_backup(VM, created_at=datetime(2026, 1, 1))
        with pytest.raises(ValueError, match="size"):
            fake.add_backup(VM, size=-1)
        with pytest.raises(ValueError, match="location"):
            fake.add_backup(VM, location="")
    with pytest.raises(ValueError, match="weekly_backups"):
        FakeHostingerApi(weekly_backups=-1)


# -- the generated package's surface -----------------------------------------------------------


def test_signatures_match_the_generated_package():
    for form in FORMS:
        listing = inspect.signature(getattr(VPSBackupsApi, "get_backups_v1" + form))
        assert list(listing.parameters) == ["self", "virtual_machine_id", "page", *OPTIONS]
        assert listing.parameters["page"].default is None
        restore = inspect.signature(getattr(VPSBackupsApi, "restore_backup_v1" + form))
        assert list(restore.parameters) == ["self", "virtual_machine_id", "backup_id", *OPTIONS]


_DESCRIBE = """
import inspect, json, sys, typing
import hostinger_api
from hostinger_api.api.vps_backups_api import VPSBackupsApi
from hostinger_api.models.vpsv1_backup_backup_resource import VPSV1BackupBackupResource
from hostinger_api.models.vpsv1_backup_list_response import VPSV1BackupListResponse
from hostinger_api.models.vpsv1_action_action_resource import VPSV1ActionActionResource

def name(t):
    if typing.get_origin(t) is None:
        return getattr(t, "__name__", str(t))
    origin = typing.get_origin(t)  # Python 3.9's typing.Union has _name, not __name__
    label = getattr(origin, "__name__", None) or getattr(origin, "_name", str(origin))
    return label + "[" + ", ".join(map(name, typing.get_args(t))) + "]"

out = {}
for op in ["get_backups_v1", "restore_backup_v1"]:
    for form in ["", "_with_http_info"]:
        f = getattr(VPSBackupsApi, op + form)
        params = inspect.signature(f).parameters.values()
        out[op + form] = [[(p.name, str(p.kind), repr(p.default)) for p in params],
                          name(typing.get_type_hints(f)["return"])]
    f = getattr(VPSBackupsApi, op + "_without_preload_content")
    out[op + "_raw"] = [p.name for p in inspect.signature(f).parameters.values()]
out["models"] = [(m.__name__, m.__module__, list(m.model_fields)) for m in (
    VPSV1BackupBackupResource, VPSV1BackupListResponse,
)]
out["list item"] = name(VPSV1BackupListResponse.model_fields["data"].annotation)
out["top level"] = [n for n in ("VPSBackupsApi", "VPSV1BackupBackupResource",
                                "VPSV1BackupListResponse") if hasattr(hostinger_api, n)]
out["example"] = VPSV1BackupBackupResource.from_dict(json.loads(sys.argv[1])).to_dict()
out["example"]["created_at"] = out["example"]["created_at"].isoformat()
json.dump(out, sys.stdout)
"""


def _described(python: Path) -> object:
    output = subprocess.run(
        # -I and another folder: the generated package, never this checkout on sys.path
        [str(python), "-I", "-c", _DESCRIBE, json.dumps(SPEC_EXAMPLE)],
        cwd=tempfile.gettempdir(),
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return json.loads(output.stdout)


@pytest.mark.skipif(
    not GENERATED_PYTHON.exists(),
    reason="Hostinger's generated package lives in its own virtual environment, beside the "
    "repository (or at HOSTINGER_GENERATED_PYTHON)",
)
def test_the_same_surface_as_the_generated_package_4_3_1():
    """Parameters, defaults, return types, model modules and fields, compared with 4.3.1's."""
    assert _described(Path(sys.executable)) == _described(GENERATED_PYTHON)


def test_both_operations_have_a_documented_example():
    """The examples themselves run in test_docs.py, as every page's do."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "VPSBackupsApi.md").read_text()
    for operation in ("get_backups_v1", "restore_backup_v1"):
        assert f"api_instance.{operation}(virtual_machine_id" in page, operation
        assert f"# **{operation}**" in page
