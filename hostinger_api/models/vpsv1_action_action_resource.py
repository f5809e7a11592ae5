"""An action: what create, delete and restore start on Hostinger's side."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from hostinger_api.models._base import HostingerModel, UtcDatetime


class ActionState:
    """The states Hostinger documents, plus ``started``, which the live service also sends.

    The service may send others: treat any state not in ``FINISHED`` as still running.
    """

    CREATED = "created"
    SENT = "sent"
    STARTED = "started"
    DELAYED = "delayed"
    SUCCESS = "success"
    ERROR = "error"
    FINISHED = frozenset({SUCCESS, ERROR})


class VPSV1ActionActionResource(HostingerModel):
    """An action on a virtual machine (``VPS.V1.Action.ActionResource``)."""

    id: Optional[int] = Field(default=None, description="Action ID")
    name: Optional[str] = Field(default=None, description="Action name")
    state: Optional[str] = Field(default=None, description="Action state")
    created_at: Optional[UtcDatetime] = None
    updated_at: Optional[UtcDatetime] = None

    def is_finished(self) -> bool:
        """True once the action has succeeded or failed; unknown states count as running."""
        return self.state in ActionState.FINISHED

    def succeeded(self) -> bool:
        """True when the action ended in ``success``."""
        return self.state == ActionState.SUCCESS

    def failed(self) -> bool:
        """True when the action ended in ``error``."""
        return self.state == ActionState.ERROR
