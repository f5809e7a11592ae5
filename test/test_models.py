"""The models: round trips, timezone-aware datetimes, tolerance of what the service adds."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from hostinger_api.models import (
    ActionState,
    CommonSchemaErrorResponseSchema,
    CommonSchemaPaginationMetaSchema,
    CommonSchemaUnauthorizedResponseSchema,
    CommonSchemaUnprocessableContentResponseSchema,
    VirtualMachineState,
    VPSV1ActionActionResource,
    VPSV1ActionListResponse,
    VPSV1IPAddressIPAddressResource,
    VPSV1SnapshotSnapshotResource,
    VPSV1TemplateTemplateResource,
    VPSV1VirtualMachineVirtualMachineResource,
)

ACTION = {
    "id": 8123712,
    "name": "action_name",
    "state": "success",
    "created_at": "2025-02-27T11:54:22Z",
    "updated_at": "2025-02-27T11:58:22Z",
}
SNAPSHOT = {
    "id": 325,
    "restore_time": 1800,
    "created_at": "2025-02-27T11:54:22Z",
    "expires_at": "2025-03-19T11:54:22Z",
}
EXAMPLES = [
    (VPSV1ActionActionResource, ACTION),
    (VPSV1SnapshotSnapshotResource, SNAPSHOT),
    (CommonSchemaPaginationMetaSchema, {"current_page": 1, "per_page": 15, "total": 1}),
    (
        VPSV1ActionListResponse,
        {"data": [ACTION], "meta": {"current_page": 1, "per_page": 15, "total": 1}},
    ),
    (CommonSchemaErrorResponseSchema, {"message": "Oops", "correlation_id": "c-1"}),
    (
        CommonSchemaUnauthorizedResponseSchema,
        {"message": "Unauthenticated", "correlation_id": "c-2"},
    ),
    (
        CommonSchemaUnprocessableContentResponseSchema,
        {"message": "Invalid", "errors": {"page": ["must be 1 or more"]}, "correlation_id": "c-3"},
    ),
]


@pytest.mark.parametrize(("model", "example"), EXAMPLES)
def test_json_round_trip_gives_back_the_same_json(model, example):
    loaded = model.from_json(json.dumps(example))
    assert json.loads(loaded.to_json()) == example
    assert model.from_json(loaded.to_json()) == loaded


@pytest.mark.parametrize(("model", "example"), EXAMPLES)
def test_dict_round_trip_gives_back_the_same_model(model, example):
    loaded = model.from_dict(example)
    assert model.from_dict(loaded.to_dict()) == loaded


@pytest.mark.parametrize(("model", "example"), EXAMPLES)
def test_to_str_shows_every_field(model, example):
    text = model.from_dict(example).to_str()
    for name in example:
        assert repr(name) in text


@pytest.mark.parametrize(("model", "example"), EXAMPLES)
def test_none_gives_none(model, example):
    assert model.from_dict(None) is None
    assert model.from_json("null") is None


def test_datetimes_are_timezone_aware():
    action = VPSV1ActionActionResource.from_dict(ACTION)
    assert action.created_at == datetime(2025, 2, 27, 11, 54, 22, tzinfo=timezone.utc)
    assert action.updated_at.utcoffset() == timedelta(0)


def test_datetimes_without_a_zone_are_taken_as_utc():
    snapshot = VPSV1SnapshotSnapshotResource.from_dict(
        dict(SNAPSHOT, created_at="2025-02-27T11:54:22")
    )
    assert snapshot.created_at == datetime(2025, 2, 27, 11, 54, 22, tzinfo=timezone.utc)


def test_datetimes_with_an_offset_keep_it():
    snapshot = VPSV1SnapshotSnapshotResource.from_dict(
        dict(SNAPSHOT, created_at="2025-02-27T13:54:22+02:00")
    )
    assert snapshot.created_at == datetime(2025, 2, 27, 11, 54, 22, tzinfo=timezone.utc)


def test_unknown_fields_are_kept_and_survive_to_dict():
    action = VPSV1ActionActionResource.from_dict(dict(ACTION, progress=40, region={"id": 3}))
    assert action.to_dict()["progress"] == 40
    assert json.loads(action.to_json())["region"] == {"id": 3}


def test_missing_fields_are_none_and_left_out_of_to_dict():
    action = VPSV1ActionActionResource.from_dict({"id": 1})
    assert action.state is None
    assert action.to_dict() == {"id": 1}


def test_an_unknown_state_loads_and_counts_as_running():
    action = VPSV1ActionActionResource.from_dict(dict(ACTION, state="queued_for_review"))
    assert action.state == "queued_for_review"
    assert not action.is_finished()
    assert not action.succeeded()
    assert not action.failed()


@pytest.mark.parametrize(
    ("state", "finished", "succeeded", "failed"),
    [
        (ActionState.SUCCESS, True, True, False),
        (ActionState.ERROR, True, False, True),
        (ActionState.CREATED, False, False, False),
        (ActionState.SENT, False, False, False),
        (ActionState.STARTED, False, False, False),
        (ActionState.DELAYED, False, False, False),
        (None, False, False, False),
    ],
)
def test_state_helpers(state, finished, succeeded, failed):
    action = VPSV1ActionActionResource(id=1, state=state)
    assert (action.is_finished(), action.succeeded(), action.failed()) == (
        finished,
        succeeded,
        failed,
    )


def test_a_field_of_the_wrong_type_is_refused():
    with pytest.raises(ValidationError):
        VPSV1SnapshotSnapshotResource.from_dict(dict(SNAPSHOT, id="three hundred"))


def test_assignment_is_validated():
    snapshot = VPSV1SnapshotSnapshotResource.from_dict(SNAPSHOT)
    with pytest.raises(ValidationError):
        snapshot.restore_time = "soon"


def test_the_list_response_holds_models():
    page = VPSV1ActionListResponse.from_dict(EXAMPLES[3][1])
    assert isinstance(page.data[0], VPSV1ActionActionResource)
    assert isinstance(page.meta, CommonSchemaPaginationMetaSchema)
    assert page.to_dict()["data"][0]["created_at"] == datetime(
        2025, 2, 27, 11, 54, 22, tzinfo=timezone.utc
    )


def test_unauthorized_and_unprocessable_bodies_are_error_bodies():
    assert issubclass(CommonSchemaUnauthorizedResponseSchema, CommonSchemaErrorResponseSchema)
    assert issubclass(
        CommonSchemaUnprocessableContentResponseSchema, CommonSchemaErrorResponseSchema
    )


def test_the_generated_packages_names_for_error_bodies_are_the_same_classes():
    from hostinger_api.models.inline_object import InlineObject
    from hostinger_api.models.inline_object1 import InlineObject1

    assert InlineObject is CommonSchemaErrorResponseSchema
    assert InlineObject1 is CommonSchemaUnauthorizedResponseSchema


# -- virtual machines --------------------------------------------------------------------------

TEMPLATE = {
    "id": 6123,
    "name": "Ubuntu 24.04 LTS",
    "description": "Ubuntu 24.04 LTS 64bit",
    "documentation": "https://ubuntu.com/server/docs",
}
IPV4 = {"id": 52347, "address": "203.0.113.15", "ptr": "srv17923.hstgr.cloud"}
VIRTUAL_MACHINE = {
    "id": 17923,
    "firewall_group_id": 3,
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
    "ipv4": [IPV4],
    "ipv6": [{"id": 52348, "address": "2001:db8::1", "ptr": "srv17923.hstgr.cloud"}],
    "template": TEMPLATE,
    "created_at": "2024-09-05T07:25:36Z",
}
VM_EXAMPLES = [
    (VPSV1VirtualMachineVirtualMachineResource, VIRTUAL_MACHINE),
    (VPSV1IPAddressIPAddressResource, IPV4),
    (VPSV1TemplateTemplateResource, TEMPLATE),
]


@pytest.mark.parametrize(("model", "example"), VM_EXAMPLES)
def test_vm_models_round_trip(model, example):
    loaded = model.from_json(json.dumps(example))
    assert json.loads(loaded.to_json()) == example
    assert model.from_dict(loaded.to_dict()) == loaded
    assert model.from_dict(None) is None
    for name in example:
        assert repr(name) in loaded.to_str()


def test_a_vm_holds_models_and_an_aware_datetime():
    vm = VPSV1VirtualMachineVirtualMachineResource.from_dict(VIRTUAL_MACHINE)
    assert isinstance(vm.ipv4[0], VPSV1IPAddressIPAddressResource)
    assert isinstance(vm.template, VPSV1TemplateTemplateResource)
    assert vm.created_at == datetime(2024, 9, 5, 7, 25, 36, tzinfo=timezone.utc)


def test_the_specs_own_created_at_with_five_fraction_digits_loads():
    vm = VPSV1VirtualMachineVirtualMachineResource.from_json(
        '{"created_at": "2024-09-05T07:25:36.00000Z"}'
    )
    assert vm.created_at == datetime(2024, 9, 5, 7, 25, 36, tzinfo=timezone.utc)
    fraction = VPSV1VirtualMachineVirtualMachineResource(created_at="2024-09-05T07:25:36.12345")
    assert fraction.created_at.microsecond == 123450
    assert fraction.created_at.tzinfo is not None


def test_every_vm_field_may_be_null_or_missing():
    nulls = VPSV1VirtualMachineVirtualMachineResource.from_dict(dict.fromkeys(VIRTUAL_MACHINE))
    assert all(value is None for _, value in nulls)
    assert nulls.to_dict() == {}
    assert VPSV1VirtualMachineVirtualMachineResource.from_dict({}).to_dict() == {}
    assert VPSV1IPAddressIPAddressResource.from_dict({"address": None}).address is None
    assert VPSV1TemplateTemplateResource.from_dict({}).name is None


def test_unknown_vm_states_and_locks_load_as_they_are():
    vm = VPSV1VirtualMachineVirtualMachineResource.from_dict(
        dict(VIRTUAL_MACHINE, state="migrating", actions_lock="frozen")
    )
    assert (vm.state, vm.actions_lock) == ("migrating", "frozen")
    assert not vm.is_locked()


def test_new_vm_fields_are_kept_at_every_level():
    vm = VPSV1VirtualMachineVirtualMachineResource.from_dict(
        dict(
            VIRTUAL_MACHINE,
            gpu={"model": "L4"},
            ipv4=[dict(IPV4, netmask=24)],
            template=dict(TEMPLATE, family="debian"),
        )
    )
    dumped = json.loads(vm.to_json())
    assert dumped["gpu"] == {"model": "L4"}
    assert dumped["ipv4"][0]["netmask"] == 24
    assert dumped["template"]["family"] == "debian"


def test_an_ip_address_is_kept_as_the_service_spells_it():
    for address in ["213.331.273.15", "2001:DB8::1", "not an address"]:
        assert VPSV1IPAddressIPAddressResource(address=address).address == address


@pytest.mark.parametrize(
    "wrong",
    [{"id": "seventeen"}, {"ipv4": "203.0.113.15"}, {"ipv4": [7]}, {"template": "ubuntu"}],
)
def test_a_vm_field_of_the_wrong_type_is_refused(wrong):
    with pytest.raises(ValidationError):
        VPSV1VirtualMachineVirtualMachineResource.from_dict(dict(VIRTUAL_MACHINE, **wrong))


@pytest.mark.parametrize(
    ("actions_lock", "locked"),
    [("locked", True), ("unlocked", False), (None, False), ("LOCKED", False)],
)
def test_is_locked(actions_lock, locked):
    vm = VPSV1VirtualMachineVirtualMachineResource(id=1, actions_lock=actions_lock)
    assert vm.is_locked() is locked


@pytest.mark.parametrize(
    ("ipv4", "first"),
    [
        (None, None),
        ([], None),
        ([IPV4], "203.0.113.15"),
        ([{"id": 1, "address": None}, dict(IPV4, address="198.51.100.7"), IPV4], "198.51.100.7"),
    ],
)
def test_first_ipv4(ipv4, first):
    vm = VPSV1VirtualMachineVirtualMachineResource.from_dict(
        {"id": 1, "ipv4": ipv4, "ipv6": [{"address": "2001:db8::1"}]}
    )
    assert vm.first_ipv4() == first


def test_vm_states_are_named():
    documented = {
        "running", "starting", "stopping", "stopped", "creating", "initial", "error",
        "suspending", "unsuspending", "suspended", "destroying", "destroyed", "recreating",
        "restoring", "recovery", "stopping_recovery",
    }  # fmt: skip
    named = {
        value
        for name, value in vars(VirtualMachineState).items()
        if name.isupper() and isinstance(value, str)
    }
    assert named == documented
    assert {"running", "stopped"} == VirtualMachineState.SETTLED
