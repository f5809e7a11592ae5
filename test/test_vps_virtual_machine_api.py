"""VPSVirtualMachineApi: the list of VMs and one VM, in all three forms, over HTTP to the fake."""

from __future__ import annotations

import inspect
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import urllib3
from support import TOKEN, VM

from hostinger_api import (
    ApiClient,
    ApiResponse,
    ApiTypeError,
    ApiValueError,
    NotFoundException,
    ResponseDecodeError,
    ServiceException,
    UnauthorizedException,
    VPSV1VirtualMachineVirtualMachineResource,
    VPSVirtualMachineApi,
)
from hostinger_api.testing import FakeHostingerApi, faults

LIST_PATH = "/api/vps/v1/virtual-machines"
LIST_TYPE = r"List\[VPSV1VirtualMachineVirtualMachineResource\]"
FORMS = ["", "_with_http_info", "_without_preload_content"]
OPTIONS = ["_request_timeout", "_request_auth", "_content_type", "_headers", "_host_index"]
WEB = {
    "id": VM,
    "firewall_group_id": None,
    "subscription_id": "Azz353Uhl1xC54pR0",
    "data_center_id": 16,
    "plan": "KVM 4",
    "hostname": "srv17923.hstgr.cloud",
    "state": "running",
    "actions_lock": "unlocked",
    "cpus": 4,
    "memory": 16384,
    "disk": 204800,
    "bandwidth": 16777216,
    "ns1": "4.4.4.4",
    "ns2": "8.8.8.8",
    "ipv4": [{"id": 52347, "address": "213.331.273.15", "ptr": "srv17923.hstgr.cloud"}],
    "ipv6": [{"id": 52348, "address": "2a02:4780:41:7f::1", "ptr": None}],
    "template": {
        "id": 6123,
        "name": "Ubuntu 24.04 LTS",
        "description": "Ubuntu",
        "documentation": None,
    },
    "created_at": "2024-09-05T07:25:36.00000Z",
}
DB = {"id": 2, "hostname": "db.example.com", "state": "stopped", "actions_lock": "locked"}
GENERATED_PYTHON = Path(
    os.environ.get(
        "HOSTINGER_GENERATED_PYTHON",
        Path(__file__).resolve().parents[2] / "hvenv" / "bin" / "python",
    )
)


@pytest.fixture
def vms(api_client):
    return VPSVirtualMachineApi(api_client)


# -- the three forms ---------------------------------------------------------------------------


def test_list_in_three_forms(fake, vms):
    fake.respond_with(200, [WEB, DB], times=3)

    listed = vms.get_virtual_machines_v1()
    assert [type(vm) for vm in listed] == [VPSV1VirtualMachineVirtualMachineResource] * 2
    assert [(vm.id, vm.hostname, vm.state) for vm in listed] == [
        (VM, "srv17923.hstgr.cloud", "running"),
        (2, "db.example.com", "stopped"),
    ]

    response = vms.get_virtual_machines_v1_with_http_info()
    assert isinstance(response, ApiResponse)
    assert response.status_code == 200
    assert response.data == listed
    assert json.loads(response.raw_data) == [WEB, DB]

    raw = vms.get_virtual_machines_v1_without_preload_content()
    assert isinstance(raw, urllib3.BaseHTTPResponse)
    assert json.loads(raw.data) == [WEB, DB]

    assert [(r.method, r.path, r.query) for r in fake.requests] == [("GET", LIST_PATH, {})] * 3
    assert {r.header("Accept") for r in fake.requests} == {"application/json"}
    assert {r.header("Authorization") for r in fake.requests} == {"<redacted>"}


def test_details_in_three_forms(fake, vms):
    fake.respond_with(200, WEB, times=3)

    vm = vms.get_virtual_machine_details_v1(VM)
    assert isinstance(vm, VPSV1VirtualMachineVirtualMachineResource)
    assert (vm.id, vm.plan, vm.first_ipv4(), vm.is_locked()) == (
        VM,
        "KVM 4",
        "213.331.273.15",
        False,
    )

    response = vms.get_virtual_machine_details_v1_with_http_info(VM)
    assert (response.status_code, response.data) == (200, vm)

    raw = vms.get_virtual_machine_details_v1_without_preload_content(VM)
    assert json.loads(raw.data)["hostname"] == "srv17923.hstgr.cloud"

    path = f"{LIST_PATH}/{VM}"
    assert [(r.method, r.path) for r in fake.requests] == [("GET", path)] * 3


def test_an_account_without_vms_lists_none(fake, vms):
    fake.respond_with(200, [])
    assert vms.get_virtual_machines_v1() == []


# -- tolerance ---------------------------------------------------------------------------------


def test_unknown_states_nulls_and_new_fields_load(fake, vms):
    nothing = dict.fromkeys(WEB)
    novel = dict(DB, state="migrating", actions_lock="frozen", gpu={"model": "L4"}, tags=["a"])
    fake.respond_with(200, [nothing, novel, {}])

    blank, new, empty = vms.get_virtual_machines_v1()

    assert (blank.id, blank.ipv4, blank.template, blank.created_at) == (None, None, None, None)
    assert blank.first_ipv4() is None
    assert not blank.is_locked()
    assert (new.state, new.actions_lock) == ("migrating", "frozen")
    assert not new.is_locked(), "only 'locked' is locked"
    assert new.to_dict()["gpu"] == {"model": "L4"}
    assert json.loads(new.to_json())["tags"] == ["a"]
    assert empty.to_dict() == {}


def test_five_fraction_digits_and_an_address_that_is_no_address(fake, vms):
    fake.respond_with(200, WEB)
    vm = vms.get_virtual_machine_details_v1(VM)
    assert vm.created_at.isoformat() == "2024-09-05T07:25:36+00:00"
    assert vm.ipv4[0].address == "213.331.273.15"
    assert vm.template.name == "Ubuntu 24.04 LTS"


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({}, f"not a {LIST_TYPE}: it is a dict"),
        ({"data": [WEB]}, f"not a {LIST_TYPE}: it is a dict"),
        (b"", f"not a {LIST_TYPE}: it is empty"),
        ([None], f"not a {LIST_TYPE}: item 0 is null"),
        ([WEB, 7], f"not a {LIST_TYPE}: item 1: body:"),
        ([WEB, "db"], f"not a {LIST_TYPE}: item 1: body:"),
        ([{"id": "two"}], f"not a {LIST_TYPE}: item 0: id:"),
        ([dict(DB, ipv4="10.0.0.1")], f"not a {LIST_TYPE}: item 0: ipv4:"),
        ([dict(DB, template=[1])], f"not a {LIST_TYPE}: item 0: template:"),
        (b"[{", "not JSON"),
    ],
)
@pytest.mark.parametrize("form", ["", "_with_http_info"])
def test_a_list_that_is_not_a_list_of_vms_is_our_decode_error(fake, vms, body, why, form):
    fake.respond_with(200, body)
    with pytest.raises(ResponseDecodeError, match=why) as caught:
        getattr(vms, "get_virtual_machines_v1" + form)()
    assert caught.value.status == 200
    sent = body if isinstance(body, bytes) else json.dumps(body).encode()
    assert caught.value.raw_body == sent, "the body is kept for the bug report"


def test_details_of_the_wrong_shape_are_our_decode_error(fake, vms):
    fake.respond_with(200, [WEB])
    with pytest.raises(ResponseDecodeError, match="could not be read"):
        vms.get_virtual_machine_details_v1(VM)


def test_the_raw_form_hands_back_any_body_unchecked(fake, vms):
    fake.respond_with(200, b"not even json")
    assert vms.get_virtual_machines_v1_without_preload_content().data == b"not even json"


def test_generated_style_response_types_name_the_list(fake, api_client):
    fake.respond_with(200, [WEB])
    raw = VPSVirtualMachineApi(api_client).get_virtual_machines_v1_with_http_info()
    assert api_client.deserialize(
        raw.raw_data.decode(), "List[VPSV1VirtualMachineVirtualMachineResource]", None
    ) == [raw.data[0]]


# -- errors and the keyword parameters --------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"), [(401, UnauthorizedException), (500, ServiceException)]
)
@pytest.mark.parametrize("operation", ["get_virtual_machines_v1", "get_virtual_machine_details_v1"])
def test_error_statuses_raise_our_exceptions(fake, vms, status, error, operation):
    fake.respond_with(status, {"message": "No", "correlation_id": "c-9"})
    arguments = (VM,) if "details" in operation else ()
    with pytest.raises(error) as caught:
        getattr(vms, operation)(*arguments)
    assert (caught.value.status, caught.value.data.message) == (status, "No")
    assert caught.value.correlation_id == "c-9"


@pytest.mark.parametrize(
    ("vm_id", "error"),
    [
        (True, ApiTypeError),
        (str(VM), ApiTypeError),
        (1.0, ApiTypeError),
        (None, ApiTypeError),
        (0, ApiValueError),
        (-1, ApiValueError),
    ],
)
@pytest.mark.parametrize("form", FORMS)
def test_bad_ids_are_refused_before_sending(fake, vms, vm_id, error, form):
    with pytest.raises(error, match="virtual_machine_id"):
        getattr(vms, "get_virtual_machine_details_v1" + form)(vm_id)
    assert fake.requests == []


@pytest.mark.parametrize("form", FORMS)
def test_headers_content_type_and_timeout_are_used(fake, vms, form):
    fake.respond_with(200, [DB])
    getattr(vms, "get_virtual_machines_v1" + form)(
        _request_timeout=(2, 10), _headers={"X-Job": "nightly"}, _content_type="application/json"
    )
    (request,) = fake.requests
    assert (request.header("X-Job"), request.header("Content-Type")) == (
        "nightly",
        "application/json",
    )


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("operation", ["get_virtual_machines_v1", "get_virtual_machine_details_v1"])
def test_host_index_other_than_zero_is_refused(fake, vms, form, operation):
    arguments = (VM,) if "details" in operation else ()
    with pytest.raises(ApiValueError, match="_host_index"):
        getattr(vms, operation + form)(*arguments, _host_index=1)
    assert fake.requests == []


# -- against the fake's virtual machines ------------------------------------------------------


def test_the_fakes_vms_are_listed_and_shown():
    web = {"id": 2, "hostname": "web-2.example.com", "state": "stopped"}
    with FakeHostingerApi(vms=[VM, web], token=TOKEN) as fake:
        with ApiClient(fake.configuration()) as api_client:
            api = VPSVirtualMachineApi(api_client)
            listed = api.get_virtual_machines_v1()
            details = [api.get_virtual_machine_details_v1(vm_id) for vm_id in (2, VM)]
        shown = [VPSV1VirtualMachineVirtualMachineResource.from_dict(fake.vm(i)) for i in (2, VM)]
    assert [(vm.id, vm.hostname, vm.state) for vm in listed] == [
        (2, "web-2.example.com", "stopped"),
        (VM, f"srv{VM}.hstgr.cloud", "running"),
    ]
    assert listed == details == shown


def test_every_attribute_the_fake_sets_comes_through(fake, vms):
    fake.add_vm(
        5,
        hostname="db.example.com",
        state="stopped",
        plan="KVM 8",
        ipv4="198.51.100.9",
        ipv6=None,
        template={"id": 9, "name": "Debian 12", "description": "Debian", "documentation": None},
        firewall_group_id=4,
    )
    vm = vms.get_virtual_machine_details_v1(5)
    assert (vm.hostname, vm.state, vm.plan, vm.firewall_group_id) == (
        "db.example.com",
        "stopped",
        "KVM 8",
        4,
    )
    assert (vm.cpus, vm.memory) == (8, 32768)
    assert vm.first_ipv4() == "198.51.100.9"
    assert vm.ipv6 is None
    assert vm.template.name == "Debian 12"
    assert vm.created_at.tzinfo is not None


def test_a_vm_is_locked_while_an_action_runs_on_it(fake, vms, snapshots):
    fake.action_seconds = math.inf
    assert not vms.get_virtual_machine_details_v1(VM).is_locked()
    snapshots.create_snapshot_v1(VM)
    assert vms.get_virtual_machine_details_v1(VM).is_locked()
    assert [vm.is_locked() for vm in vms.get_virtual_machines_v1()] == [True]


def test_an_unknown_vm_is_not_found(vms):
    with pytest.raises(NotFoundException) as caught:
        vms.get_virtual_machine_details_v1(999)
    assert caught.value.message == "Virtual machine not found"


def test_request_auth_replaces_the_configured_token(vms):
    wrong = {"in": "header", "type": "bearer", "key": "Authorization", "value": "Bearer nope"}
    with pytest.raises(UnauthorizedException):
        vms.get_virtual_machines_v1(_request_auth=wrong)
    right = dict(wrong, value=f"Bearer {TOKEN}")
    assert [vm.id for vm in vms.get_virtual_machines_v1(_request_auth=right)] == [VM]


def test_the_fakes_unknown_states_and_new_fields_load(fake, vms):
    fake.inject(faults.unknown_state("migrating"))
    fake.inject(faults.new_fields({"gpu": {"model": "L4"}}))
    assert [vm.state for vm in vms.get_virtual_machines_v1()] == ["migrating"]
    assert vms.get_virtual_machines_v1()[0].to_dict()["gpu"] == {"model": "L4"}


def test_a_vm_list_with_a_bad_item_is_our_decode_error(fake, vms):
    fake.inject(faults.Fault(performed=True, rewrite=lambda body: [*body, "not a vm"]))
    with pytest.raises(ResponseDecodeError, match=f"not a {LIST_TYPE}: item 1: body:"):
        vms.get_virtual_machines_v1()
    fake.inject(faults.wrong_types())
    with pytest.raises(ResponseDecodeError, match=f"not a {LIST_TYPE}: item 0: "):
        vms.get_virtual_machines_v1()


# -- the generated package's surface ----------------------------------------------------------


def test_signatures_match_the_generated_package():
    for form in FORMS:
        listing = inspect.signature(getattr(VPSVirtualMachineApi, "get_virtual_machines_v1" + form))
        assert list(listing.parameters) == ["self", *OPTIONS]
        details = inspect.signature(
            getattr(VPSVirtualMachineApi, "get_virtual_machine_details_v1" + form)
        )
        assert list(details.parameters) == ["self", "virtual_machine_id", *OPTIONS]
        assert details.parameters["_host_index"].default == 0


_DESCRIBE = """
import inspect, json, sys, typing
from hostinger_api.api.vps_virtual_machine_api import VPSVirtualMachineApi
from hostinger_api.models import vpsv1_virtual_machine_virtual_machine_resource as vm
from hostinger_api.models import vpsv1_ip_address_ip_address_resource as ip
from hostinger_api.models import vpsv1_template_template_resource as template

def name(t):
    if typing.get_origin(t) is None:
        return getattr(t, "__name__", str(t)).replace("List[", "list[")
    origin = typing.get_origin(t)  # Python 3.9's typing.Union has _name, not __name__
    label = getattr(origin, "__name__", None) or getattr(origin, "_name", str(origin))
    return label + "[" + ", ".join(map(name, typing.get_args(t))) + "]"

out = {}
for op in ["get_virtual_machines_v1", "get_virtual_machine_details_v1"]:
    for form in ["", "_with_http_info"]:
        f = getattr(VPSVirtualMachineApi, op + form)
        params = inspect.signature(f).parameters.values()
        out[op + form] = [[(p.name, str(p.kind), repr(p.default)) for p in params],
                          name(typing.get_type_hints(f)["return"])]
    f = getattr(VPSVirtualMachineApi, op + "_without_preload_content")
    out[op + "_raw"] = [p.name for p in inspect.signature(f).parameters.values()]
out["models"] = [(m.__name__, list(m.model_fields)) for m in (
    vm.VPSV1VirtualMachineVirtualMachineResource,
    ip.VPSV1IPAddressIPAddressResource,
    template.VPSV1TemplateTemplateResource,
)]
json.dump(out, sys.stdout)
"""


def _described(python: Path) -> object:
    output = subprocess.run(
        # -I and another folder: the generated package, never this checkout on sys.path
        [str(python), "-I", "-c", _DESCRIBE],
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
    """Parameters, defaults, return types and model fields, compared with Hostinger's package."""
    assert _described(Path(sys.executable)) == _described(GENERATED_PYTHON)
