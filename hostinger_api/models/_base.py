"""What every model shares: the generated package's conversion methods, and tolerance.

Models accept fields the service adds later (kept, and returned by ``to_dict()``), and
datetimes without a zone are taken as UTC, so every datetime a model holds is timezone-aware.
"""

from __future__ import annotations

import json
import pprint
from datetime import datetime, timezone
from typing import Annotated, Any, Optional

from pydantic import AfterValidator, BaseModel, ConfigDict
from typing_extensions import Self


def _assume_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


UtcDatetime = Annotated[datetime, AfterValidator(_assume_utc)]
"""A datetime that is always timezone-aware: one sent without a zone is taken as UTC."""


class HostingerModel(BaseModel):
    """The base of every resource and error body."""

    model_config = ConfigDict(
        populate_by_name=True,
        validate_assignment=True,
        protected_namespaces=(),
        extra="allow",
    )

    def _repr_html_(self) -> str:
        """How Jupyter shows the model: a compact table of its fields (``repr`` is unchanged)."""
        from hostinger_api._html import fields_table

        return fields_table(type(self).__name__, iter(self))

    def to_str(self) -> str:
        """A readable multi-line rendering."""
        return pprint.pformat(self.model_dump(by_alias=True))

    def to_json(self) -> str:
        """The JSON the service would send for this resource."""
        return self.model_dump_json(by_alias=True, exclude_none=True)

    def to_dict(self) -> dict[str, Any]:
        """A dict of the fields that are set, unknown ones included; datetimes stay datetimes."""
        return self.model_dump(by_alias=True, exclude_none=True)

    @classmethod
    def from_json(cls, json_str: str) -> Optional[Self]:
        """Build from JSON text; ``null`` gives None."""
        return cls.from_dict(json.loads(json_str))

    @classmethod
    def from_dict(cls, obj: Any) -> Optional[Self]:
        """Build from a dict; None gives None."""
        if obj is None:
            return None
        return cls.model_validate(obj)
