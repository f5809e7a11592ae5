"""Faults the fake API injects: what can go wrong between a client and Hostinger.

    from hostinger_api.testing import faults

    fake.inject(faults.rate_limited(retry_after=2), times=3)      # the next 3 requests get 429
    fake.inject(faults.dropped_connection(), vm=1268054, method="POST")

A fault either stands in for the service, or spoils its real answer:

- not performed (``error``, ``rate_limited``, ``html_page``, ``token_revoked``, ``vm_gone``,
  ``dropped_connection(performed=False)``): the request was refused or lost before the service
  saw it, so nothing changed;
- performed (all the others, and ``error(..., performed=True)``): the service handled the
  request, so its effect happened, and then the answer was mangled, delayed or lost. This is
  the case where a client must not send a POST again.

With ``fake.inject(fault, after=N, times=...)`` a fault starts at the request after the N-th
that matches: ``fake.inject(faults.token_revoked(), after=20, times=10**6)`` revokes the token
after 20 requests, ``fake.inject(faults.vm_gone(), vm=7, after=3, times=10**6)`` deletes VM 7
after 3 of its requests.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

from hostinger_api.testing._types import Body, FakeResponse, Json, error_body

BEFORE = "before"
"""``drop``: close the connection before sending anything back."""
DURING = "during"
"""``drop``: close the connection half-way through the body."""


@dataclass(frozen=True)
class Fault:
    """One way to answer a request wrongly. The functions below build the usual ones.

    :param status: the status to answer with (by default the service's, or 200).
    :param body: the body to answer with: JSON, or bytes sent as they are.
    :param headers: headers added to the answer.
    :param performed: whether the service handles the request first (its effect happens).
    :param delay: seconds to wait before answering.
    :param drop: ``"before"`` or ``"during"``: hang up instead of answering in full.
    :param truncate: send only the first half of the body, with a matching Content-Length.
    :param rewrite: change the service's JSON answer (a copy of it: an object, or the array of
        the VM list) before it is sent.
    """

    status: Optional[int] = None
    body: Union[Body, bytes, None] = None
    headers: Mapping[str, str] = field(default_factory=dict)
    performed: bool = False
    delay: float = 0.0
    drop: Optional[str] = None
    truncate: bool = False
    rewrite: Optional[Callable[[Any], Any]] = None

    def __post_init__(self) -> None:
        if self.status is not None and not 200 <= self.status <= 599:
            raise ValueError(f"status must be a final status, 200 to 599, not {self.status!r}")
        if self.drop not in (None, BEFORE, DURING):
            raise ValueError(f"drop must be None, {BEFORE!r} or {DURING!r}, not {self.drop!r}")
        if not self.delay >= 0:
            raise ValueError(f"delay must be 0 seconds or more, not {self.delay!r}")

    def apply(self, answer: Optional[FakeResponse]) -> FakeResponse:
        """The response to send, made from the service's answer (None when not performed)."""
        status = self.status or (answer.status if answer is not None else 200)
        headers = dict(answer.headers) if answer is not None else {}
        headers.update(self.headers)
        body: Union[Body, bytes, None] = self.body
        if body is None and answer is not None:
            body = answer.body
            if self.rewrite is not None and not isinstance(body, bytes):
                body = self.rewrite(copy.deepcopy(body))
        if body is None:
            body = error_body(f"Injected fault {status}")
        if self.truncate:
            payload = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
            body = payload[: len(payload) // 2]
        return FakeResponse(status, body, headers, delay=self.delay, drop=self.drop)


def error(
    status: int,
    body: Union[Body, bytes, None] = None,
    headers: Optional[Mapping[str, str]] = None,
    *,
    performed: bool = False,
) -> Fault:
    """Refuse the request with ``status`` (an error body with ``message`` by default).

    ``performed=True``: the service handled the request first, and a gateway in front of it
    answered ``status`` instead (a 502 or 504 after the upstream's answer came too late).
    """
    if performed and body is None:
        body = error_body(f"Injected fault {status}")
    return Fault(status=status, body=body, headers=dict(headers or {}), performed=performed)


def rate_limited(retry_after: Union[float, str, None] = 1) -> Fault:
    """429, with ``Retry-After`` in seconds or as an HTTP date (None: no header)."""
    headers = {} if retry_after is None else {"Retry-After": _header_value(retry_after)}
    return Fault(status=429, body=error_body("Too Many Attempts."), headers=headers)


def html_page(status: int = 502) -> Fault:
    """An HTML error page, as a proxy or load balancer in front of the API would send."""
    page = f"<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>"
    return Fault(
        status=status,
        body=page.encode("utf-8"),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )


def malformed_json(status: int = 200) -> Fault:
    """A body that is not JSON at all, after the request took effect."""
    return Fault(status=status, body=b'{"id": 1, "state": succ', performed=True)


def empty_body(status: int = 200) -> Fault:
    """An empty body, after the request took effect."""
    return Fault(status=status, body=b"", performed=True)


def truncated_json() -> Fault:
    """The real answer cut in half, with a Content-Length that matches the half."""
    return Fault(performed=True, truncate=True)


def dropped_connection(when: str = BEFORE, *, performed: bool = True) -> Fault:
    """Hang up before answering, or (``when="during"``) half-way through the body.

    By default the service handled the request first; ``performed=False``: the connection was
    lost before the request reached it, and nothing changed (the client cannot tell which).
    """
    return Fault(performed=performed, drop=when)


def slow(seconds: float) -> Fault:
    """Answer after ``seconds``: longer than the client's read timeout, it times out."""
    return Fault(performed=True, delay=seconds)


def token_revoked() -> Fault:
    """401 ``Unauthenticated``, as for a token revoked (or expired) since the last request."""
    return Fault(status=401, body=error_body("Unauthenticated"))


def vm_gone() -> Fault:
    """404 ``Virtual machine not found``, as for a VM deleted since the last request; with
    ``vm=`` and ``after=``, a VM that vanishes in the middle of a job."""
    return Fault(status=404, body=error_body("Virtual machine not found"))


def wrong_types() -> Fault:
    """Every value of the real answer turned into a value of another type."""
    return Fault(performed=True, rewrite=_retyped)


def unknown_state(state: str = "paused") -> Fault:
    """The real answer with every resource's ``state`` (an action's, a VM's) set to one no
    document lists."""

    def rewrite(body: Body) -> Body:
        for item in _resources(body):
            if "state" in item:
                item["state"] = state
        return body

    return Fault(performed=True, rewrite=rewrite)


def new_fields(fields: Optional[Mapping[str, Any]] = None) -> Fault:
    """The real answer with fields no version of the API had yet, on every resource in it."""
    added = dict(fields) if fields is not None else {"region": "eu-1", "tags": ["a"], "meta2": {}}

    def rewrite(body: Body) -> Body:
        for item in _resources(body):
            item.update(copy.deepcopy(added))
        return body

    return Fault(performed=True, rewrite=rewrite)


def _resources(body: Body) -> list[Json]:
    """The resources of an answer: the body itself, the items of a page's ``data``, or the
    items of an array (the VM list)."""
    items = body.get("data") if isinstance(body, dict) else body
    if isinstance(items, list):
        return [item for item in items if isinstance(item, dict)]
    return [body] if isinstance(body, dict) else []


def _retyped(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _retyped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_retyped(item) for item in value]
    if isinstance(value, str):
        return {"text": value}
    return f"{value}?"


def _header_value(retry_after: Union[float, str]) -> str:
    if isinstance(retry_after, str):
        return retry_after
    return f"{retry_after:g}"
