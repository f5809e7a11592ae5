"""A page of a virtual machine's actions, newest first."""

from __future__ import annotations

from typing import Optional

from hostinger_api.models._base import HostingerModel
from hostinger_api.models.common_schema_pagination_meta_schema import (
    CommonSchemaPaginationMetaSchema,
)
from hostinger_api.models.vpsv1_action_action_resource import VPSV1ActionActionResource


class VPSV1ActionListResponse(HostingerModel):
    """The body of ``get_actions_v1``: ``data`` is the page, ``meta`` says where it sits."""

    data: Optional[list[VPSV1ActionActionResource]] = None
    meta: Optional[CommonSchemaPaginationMetaSchema] = None
