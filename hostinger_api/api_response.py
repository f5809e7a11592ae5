"""What the ``*_with_http_info`` form of an operation returns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, Optional, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBytes, StrictInt

T = TypeVar("T")


class ApiResponse(BaseModel, Generic[T]):
    """The deserialized body (``data``) with the status, headers and raw bytes it came from."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    status_code: StrictInt = Field(description="HTTP status code")
    headers: Optional[Mapping[str, str]] = Field(default=None, description="HTTP headers")
    data: T = Field(description="Deserialized data given the data type")
    raw_data: StrictBytes = Field(description="Raw data (HTTP response body)")

    def _repr_html_(self) -> str:
        """How Jupyter shows the response: status, headers, the model, and the body's size."""
        from hostinger_api._html import fields_table

        return fields_table(
            "ApiResponse",
            [
                ("status_code", self.status_code),
                ("headers", dict(self.headers or {})),
                ("data", self.data),
                ("raw_data", f"{len(self.raw_data)} bytes"),
            ],
        )
