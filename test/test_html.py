"""The HTML tables Jupyter shows for models and ApiResponse; their plain repr stays as it was."""

from __future__ import annotations

from html.parser import HTMLParser

from hostinger_api import ApiResponse
from hostinger_api.models import VPSV1ActionActionResource, VPSV1ActionListResponse

ACTION = {
    "id": 7,
    "name": "create_snapshot",
    "state": "success",
    "created_at": "2025-01-02T03:04:05Z",
}


class Cells(HTMLParser):
    """The text of every header and data cell, in order, and whether the tags balance."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.open: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open.pop() == tag, f"</{tag}> closes another tag"

    def handle_data(self, data):
        self.texts.append(data)


def test_a_model_is_a_table_of_its_fields():
    action = VPSV1ActionActionResource.from_dict(ACTION)
    cells = Cells(action._repr_html_())
    assert cells.open == []
    assert cells.texts == [
        "VPSV1ActionActionResource",
        "id", "7",
        "name", "create_snapshot",
        "state", "success",
        "created_at", "2025-01-02 03:04:05+00:00",
        "updated_at", "None",
    ]  # fmt: skip


def test_the_plain_repr_is_unchanged():
    action = VPSV1ActionActionResource.from_dict(ACTION)
    assert repr(action).startswith("VPSV1ActionActionResource(id=7, name='create_snapshot'")


def test_values_are_escaped_not_rendered():
    action = VPSV1ActionActionResource(id=1, name="<script>alert(1)</script>", state="a&b")
    html = action._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "a&amp;b" in html


def test_a_list_is_a_grid_with_a_column_per_field_and_new_fields_too():
    page = VPSV1ActionListResponse.from_dict(
        {"data": [ACTION, {"id": 8, "extra": "new"}], "meta": {"current_page": 1, "total": 2}}
    )
    cells = Cells(page._repr_html_())
    assert cells.open == []
    texts = cells.texts
    header = texts[2:8]
    assert header == ["id", "name", "state", "created_at", "updated_at", "extra"]
    assert texts[8:14] == [
        "7",
        "create_snapshot",
        "success",
        "2025-01-02 03:04:05+00:00",
        "None",
        "None",
    ]
    assert texts[14:20] == ["8", "None", "None", "None", "None", "new"]
    assert "CommonSchemaPaginationMetaSchema" in texts


def test_an_api_response_shows_status_headers_model_and_body_size():
    action = VPSV1ActionActionResource.from_dict(ACTION)
    response = ApiResponse(
        status_code=200, headers={"Content-Type": "application/json"}, data=action, raw_data=b"{}"
    )
    cells = Cells(response._repr_html_())
    assert cells.open == []
    assert cells.texts[:6] == [
        "ApiResponse",
        "status_code",
        "200",
        "headers",
        "Content-Type",
        "application/json",
    ]
    assert "VPSV1ActionActionResource" in cells.texts
    assert cells.texts[-2:] == ["raw_data", "2 bytes"]
    assert repr(response).startswith("ApiResponse(status_code=200,")
