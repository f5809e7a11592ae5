"""VPSActionsApi: action details and pages of actions, in all three forms."""

from __future__ import annotations

import inspect
import json

import pytest
import urllib3
from support import VM

from hostinger_api import (
    ApiResponse,
    ApiTypeError,
    ApiValueError,
    NotFoundException,
    VPSActionsApi,
    VPSV1ActionActionResource,
    VPSV1ActionListResponse,
)

BASE = f"/api/vps/v1/virtual-machines/{VM}/actions"


@pytest.fixture
def action_ids(fake, snapshots):
    """Five finished actions on the VM, oldest first."""
    ids = []
    for _ in range(5):
        ids.append(snapshots.create_snapshot_v1(VM).id)
    fake.clear_requests()
    return ids


def test_get_action_details_in_three_forms(fake, actions, action_ids):
    action_id = action_ids[0]

    action = actions.get_action_details_v1(VM, action_id)
    assert isinstance(action, VPSV1ActionActionResource)
    assert (action.id, action.state, action.name) == (action_id, "success", "create_snapshot")

    response = actions.get_action_details_v1_with_http_info(VM, action_id)
    assert isinstance(response, ApiResponse)
    assert response.status_code == 200
    assert response.data == action

    raw = actions.get_action_details_v1_without_preload_content(VM, action_id)
    assert isinstance(raw, urllib3.BaseHTTPResponse)
    assert json.loads(raw.data)["id"] == action_id

    assert [(r.method, r.path) for r in fake.requests] == [("GET", f"{BASE}/{action_id}")] * 3


def test_get_actions_pages_newest_first(fake, actions, action_ids):
    fake.per_page = 2

    first = actions.get_actions_v1(VM)
    assert [a.id for a in first.data] == action_ids[::-1][:2]
    assert (first.meta.current_page, first.meta.per_page, first.meta.total) == (1, 2, 5)

    third = actions.get_actions_v1(VM, page=3)
    assert [a.id for a in third.data] == action_ids[:1]
    assert actions.get_actions_v1(VM, page=4).data == []

    assert [r.query for r in fake.requests] == [{}, {"page": ["3"]}, {"page": ["4"]}]


def test_get_actions_in_the_other_two_forms(actions, action_ids):
    response = actions.get_actions_v1_with_http_info(VM, page=1)
    assert isinstance(response.data, VPSV1ActionListResponse)
    assert response.data.meta.total == 5

    raw = actions.get_actions_v1_without_preload_content(VM, 1)
    assert json.loads(raw.data)["meta"]["total"] == 5


def test_an_action_of_another_vm_is_not_found(fake, actions, action_ids):
    fake.add_vm(42)
    with pytest.raises(NotFoundException, match="Action not found"):
        actions.get_action_details_v1(42, action_ids[0])


@pytest.mark.parametrize(
    ("arguments", "error", "name"),
    [
        ((VM, 0), ApiValueError, "action_id"),
        ((VM, "7"), ApiTypeError, "action_id"),
        ((VM, None), ApiTypeError, "action_id"),
        ((False, 1), ApiTypeError, "virtual_machine_id"),
    ],
)
@pytest.mark.parametrize("form", ["", "_with_http_info", "_without_preload_content"])
def test_bad_action_ids_are_refused_before_sending(fake, actions, arguments, error, name, form):
    with pytest.raises(error, match=name):
        getattr(actions, "get_action_details_v1" + form)(*arguments)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("page", "error"),
    [
        (0, ApiValueError),
        (-1, ApiValueError),
        ("2", ApiTypeError),
        (2.0, ApiTypeError),
        (True, ApiTypeError),
    ],
)
@pytest.mark.parametrize("form", ["", "_with_http_info", "_without_preload_content"])
def test_bad_pages_are_refused_before_sending(fake, actions, page, error, form):
    with pytest.raises(error, match="page"):
        getattr(actions, "get_actions_v1" + form)(VM, page=page)
    assert fake.requests == []


def test_signatures_match_the_generated_package():
    options = ["_request_timeout", "_request_auth", "_content_type", "_headers", "_host_index"]
    for form in ["", "_with_http_info", "_without_preload_content"]:
        details = inspect.signature(getattr(VPSActionsApi, "get_action_details_v1" + form))
        assert list(details.parameters) == ["self", "virtual_machine_id", "action_id", *options]
        listing = inspect.signature(getattr(VPSActionsApi, "get_actions_v1" + form))
        assert list(listing.parameters) == ["self", "virtual_machine_id", "page", *options]
        assert listing.parameters["page"].default is None


def test_two_ids_through_a_subclass_replacing_call_api(fake, action_ids):
    """The path and the checks of the ids are the same when a subclass replaces call_api, and
    the API classes hand param_serialize the ids by placeholder, as generated code does."""
    from hostinger_api import ApiClient

    serialized = []

    class Audited(ApiClient):
        def param_serialize(self, *args, **kwargs):
            serialized.append(kwargs["path_params"])
            return super().param_serialize(*args, **kwargs)

        def call_api(self, *args, **kwargs):
            return super().call_api(*args, **kwargs)

    with Audited(fake.configuration()) as client:
        actions = VPSActionsApi(client)
        assert actions.get_action_details_v1(VM, action_ids[0]).id == action_ids[0]
        with pytest.raises(ApiTypeError, match="action_id"):
            actions.get_action_details_v1(VM, "7")
    assert serialized == [{"virtualMachineId": VM, "actionId": action_ids[0]}]
    assert [(r.method, r.path) for r in fake.requests][-1] == ("GET", f"{BASE}/{action_ids[0]}")
