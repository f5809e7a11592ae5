"""The body of an error response: the server's message and the id to quote to support."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from hostinger_api.models._base import HostingerModel


class CommonSchemaErrorResponseSchema(HostingerModel):
    """An error body (``Common.Schema.ErrorResponseSchema``), sent with 5xx and other errors."""

    message: Optional[str] = Field(default=None, description="What went wrong")
    correlation_id: Optional[str] = Field(
        default=None, description="The id of this failure, for Hostinger's support"
    )
