"""What the ``*_with_http_info`` form of an operation returns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, Optional, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBytes, StrictInt

T = TypeVar("T")


class ResponseHeaders(dict):  # type: ignore[type-arg]  # dict[str, str], subclassable on 3.9
    """An answer's headers: a plain ``dict``, as 4.3.1's ``ApiResponse.headers`` is (so that
    ``json.dumps`` and ``model_dump_json`` take it), whose lookups and writes ignore the names'
    case, as HTTP's do (``headers["content-type"]`` is ``Content-Type``)."""

    def _name(self, name: object) -> object:
        """The stored name ``name`` stands for (itself, when none)."""
        if not isinstance(name, str) or super().__contains__(name):
            return name
        lowered = name.lower()
        return next((stored for stored in self if stored.lower() == lowered), name)

    def __getitem__(self, name: object) -> str:
        return str(super().__getitem__(self._name(name)))

    def __setitem__(self, name: object, value: Any) -> None:
        super().__setitem__(self._name(name), value)

    def __delitem__(self, name: object) -> None:
        super().__delitem__(self._name(name))

    def __contains__(self, name: object) -> bool:
        return super().__contains__(self._name(name))

    def get(self, name: object, default: Any = None) -> Any:
        return super().get(self._name(name), default)

    def pop(self, name: object, *default: Any) -> Any:
        return super().pop(self._name(name), *default)

    def setdefault(self, name: object, default: Any = None) -> Any:
        return super().setdefault(self._name(name), default)

    def update(self, *others: Any, **more: Any) -> None:
        for name, value in dict(*others, **more).items():
            self[name] = value


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
