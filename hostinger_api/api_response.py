"""What the ``*_with_http_info`` form of an operation returns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, Optional, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBytes, StrictInt

T = TypeVar("T")


class ResponseHeaders(dict):  # type: ignore[type-arg]  # dict[str, str], subclassable on 3.9
    """An answer's headers: a plain ``dict``, as 4.3.1's ``ApiResponse.headers`` is (so that
    ``json.dumps`` and ``model_dump_json`` take it), whose lookups ignore the names' case, as
    HTTP's do (``headers["content-type"]`` finds ``Content-Type``)."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        super().__init__(headers)
        self._names = {name.lower(): name for name in self}

    def _name(self, name: object) -> object:
        return self._names.get(name.lower(), name) if isinstance(name, str) else name

    def __getitem__(self, name: object) -> str:
        return str(super().__getitem__(self._name(name)))

    def __contains__(self, name: object) -> bool:
        return super().__contains__(self._name(name))

    def get(self, name: object, default: Any = None) -> Any:
        return super().get(self._name(name), default)


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
