"""The operating-system template a virtual machine was installed from."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from hostinger_api.models._base import HostingerModel


class VPSV1TemplateTemplateResource(HostingerModel):
    """An OS template (``VPS.V1.Template.TemplateResource``)."""

    id: Optional[int] = Field(default=None, description="Template ID")
    name: Optional[str] = Field(default=None, description="Template name")
    description: Optional[str] = Field(default=None, description="Template description")
    documentation: Optional[str] = Field(
        default=None, description="Link to official OS documentation"
    )
