"""Where a page sits in a paginated list."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from hostinger_api.models._base import HostingerModel


class CommonSchemaPaginationMetaSchema(HostingerModel):
    """Pagination of a list (``Common.Schema.PaginationMetaSchema``)."""

    current_page: Optional[int] = Field(default=None, description="The page this list is")
    per_page: Optional[int] = Field(default=None, description="How many items a page holds")
    total: Optional[int] = Field(default=None, description="How many items all pages hold")
