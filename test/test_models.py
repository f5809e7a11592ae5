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
    VPSV1ActionActionResource,
    VPSV1ActionListResponse,
    VPSV1SnapshotSnapshotResource,
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
