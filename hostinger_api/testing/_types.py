"""What the fake's service and its faults both speak of: an answer, its JSON, an error body.

Its own module so that ``_service`` (which applies faults) and ``faults`` (which makes
answers) each import it, and not each other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Optional, Union

Json = dict[str, Any]
Body = Union[Json, list[Any]]
"""A JSON answer: an object, or an array (the list of virtual machines)."""


@dataclass
class FakeResponse:
    """What the fake answers: a status, a body (JSON, or raw bytes sent as they are) and headers.

    ``delay`` and ``drop`` come from an injected fault: wait that many seconds first, and hang
    up ``"before"`` answering or ``"during"`` the body.
    """

    status: int
    body: Union[Body, bytes]
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: Optional[str] = None


def error_body(message: str, errors: Optional[dict[str, list[str]]] = None) -> Json:
    """An error body as Hostinger sends it: ``message``, maybe ``errors``, ``correlation_id``."""
    body: Json = {"message": message}
    if errors is not None:
        body["errors"] = errors
    body["correlation_id"] = str(uuid.uuid4())
    return body
