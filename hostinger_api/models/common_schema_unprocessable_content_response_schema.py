"""The body of a 422: the request was understood and refused, with reasons per field."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from hostinger_api.models.common_schema_error_response_schema import (
    CommonSchemaErrorResponseSchema,
)


class CommonSchemaUnprocessableContentResponseSchema(CommonSchemaErrorResponseSchema):
    """A 422 body (``Common.Schema.UnprocessableContentResponseSchema``)."""

    errors: Optional[dict[str, list[str]]] = Field(
        default=None, description="For each refused field, why it was refused"
    )
