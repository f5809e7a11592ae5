"""restore_point against the fake: a block that succeeds is kept; one that raises is rolled back."""

from __future__ import annotations

import pytest
from support import VM

from hostinger_api import ActionFailedError, UnprocessableEntityException, restore_point
from hostinger_api.testing import faults

FAST = {"poll_interval": 0.02, "max_poll_interval": 0.05}


def names_of_actions(fake):
    return [action["name"] for action in fake.actions(VM)]


def test_a_block_that_succeeds_keeps_its_changes_and_restores_nothing(fake, api_client):
    with restore_point(api_client, VM, **FAST) as taken:
        assert (taken.name, taken.state) == ("create_snapshot", "success")
        assert fake.snapshot(VM) is not None, "the snapshot exists before the block runs"
    assert names_of_actions(fake) == ["create_snapshot"]


def test_a_block_that_raises_is_rolled_back_and_its_exception_re_raised(fake, api_client):
    fake.action_seconds = 0.1
    seen = []
    failure = RuntimeError("the migration broke")
    with (
        pytest.raises(RuntimeError) as caught,
        restore_point(api_client, VM, on_change=seen.append, **FAST),
    ):
        raise failure
    assert caught.value is failure, "the block's own exception, unchanged"
    assert names_of_actions(fake) == ["create_snapshot", "restore_snapshot"]
    assert [action["state"] for action in fake.actions(VM)] == ["success", "success"]
    assert (seen[-1].name, seen[-1].state) == ("restore_snapshot", "success")


def test_ctrl_c_in_the_block_does_not_restore(fake, api_client):
    with pytest.raises(KeyboardInterrupt), restore_point(api_client, VM, **FAST):
        raise KeyboardInterrupt
    assert names_of_actions(fake) == ["create_snapshot"]


def test_a_snapshot_that_fails_runs_no_block(fake, api_client):
    fake.add_vm(VM, fail_actions=True)
    ran = []
    with pytest.raises(ActionFailedError), restore_point(api_client, VM, **FAST):
        ran.append(True)
    assert ran == []


def test_a_restore_that_fails_raises_its_error_chained_to_the_block_s(fake, api_client):
    failure = ValueError("bad change")

    def risky_work():
        with restore_point(api_client, VM, **FAST):
            fake.inject(faults.error(422), method="POST")  # the restore will be refused
            raise failure

    with pytest.raises(UnprocessableEntityException) as caught:
        risky_work()
    assert caught.value.__context__ is failure, "the block's exception is not lost"
