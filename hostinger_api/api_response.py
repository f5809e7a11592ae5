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
