"""The shared path of every operation (``hostinger_api.api._operation``): paths from ids."""

from __future__ import annotations

import pytest

from hostinger_api import ApiTypeError, ApiValueError, VPSV1ActionActionResource
from hostinger_api.api._operation import Operation

TWO_IDS = Operation(
    "GET", "/api/vps/v1/virtual-machines/{virtualMachineId}/actions/{actionId}", object
)


def test_ids_fill_the_path_in_order():
    one = Operation("POST", "/vms/{virtualMachineId}/snapshot", VPSV1ActionActionResource)
    assert one.fill((7,)) == "/vms/7/snapshot"
    assert TWO_IDS.fill((7, 42)) == "/api/vps/v1/virtual-machines/7/actions/42"
    assert Operation("GET", "/vms", object).fill(()) == "/vms"
    assert TWO_IDS.path_params((7, 42)) == {"virtualMachineId": 7, "actionId": 42}


@pytest.mark.parametrize(
    ("ids", "error", "named"),
    [
        ((7, True), ApiTypeError, "action_id"),
        (("7", 42), ApiTypeError, "virtual_machine_id"),
        ((7, 0), ApiValueError, "action_id"),
        ((7,), ApiValueError, "takes 2 ids, not 1"),
        ((7, 42, 1), ApiValueError, "takes 2 ids, not 3"),
    ],
)
def test_wrong_ids_are_refused_naming_the_parameter(ids, error, named):
    with pytest.raises(error, match=named):
        TWO_IDS.fill(ids)
