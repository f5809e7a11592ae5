"""What a fleet job tells its caller: each VM's outcome, the report, its progress, Ctrl-C.

Plain values, shared by the job that makes them and the command line that shows them; nothing
here sends a request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from html import escape
from typing import Any, Callable, Optional, Union

from hostinger_api._html import badge, cell
from hostinger_api.exceptions import ApiException
from hostinger_api.models.vpsv1_action_action_resource import VPSV1ActionActionResource

Action = VPSV1ActionActionResource


def error_text(error: BaseException) -> str:
    """One line for a report: the type, the status, and the server's message, or else the
    reason (which says when the request was not sent at all, or what a non-JSON page was)."""
    if isinstance(error, ApiException):
        detail = error.message or error.reason
        status = f"({error.status})" if error.status else None
        return ": ".join(str(part) for part in (type(error).__name__, status, detail) if part)
    text = str(error).strip()
    first = text.splitlines()[0] if text else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__

class Outcome(str, Enum):
    """What became of one VM. A ``str``: ``outcome == "succeeded"`` holds."""

    SUCCEEDED = "succeeded"
    """The action ended in ``success``."""
    FAILED = "failed"
    """The action ended in ``error``."""
    TIMED_OUT = "timed_out"
    """The job's timeout ran out first (the action, if any, goes on)."""
    ERROR = "error"
    """The API refused or failed a request; the exception is kept."""
    SKIPPED = "skipped"
    """Nothing to do, or not doable: the reason says which (state, fresh snapshot, none; in a
    dry run, a locked VM)."""
    STARTED = "started"
    """Without waiting: the action was accepted."""
    UNKNOWN = "unknown"
    """The answer to the request was lost, and no action shows that it was performed."""
    INTERRUPTED = "interrupted"
    """Ctrl-C came first; the reason says how far the VM got."""
    PLANNED = "planned"
    """A dry run: every check passed, the job would act on the VM (``would create``...)."""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class VmResult:
    """The outcome for one VM, with the last action seen and the exception, if any."""

    vm_id: int
    hostname: Optional[str]
    outcome: Outcome
    reason: Optional[str] = None
    action: Optional[Action] = None
    error: Optional[BaseException] = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the exception is not in it, its text is the reason."""
        action = None
        if self.action is not None:
            action = self.action.model_dump(mode="json", by_alias=True, exclude_none=True)
        return {
            "vm_id": self.vm_id,
            "hostname": self.hostname,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "action": action,
        }


@dataclass(frozen=True)
class FleetReport:
    """What a fleet job did: one result per VM, in the order of the VMs."""

    operation: str
    results: list[VmResult]
    elapsed: float
    interrupted: bool = False

    @property
    def summary(self) -> dict[str, int]:
        """How many VMs ended in each outcome; every outcome is a key, zeros included."""
        counts = dict.fromkeys((outcome.value for outcome in Outcome), 0)
        for result in self.results:
            counts[result.outcome.value] += 1
        return counts

    def with_outcome(self, *outcomes: Union[Outcome, str]) -> list[VmResult]:
        """The results that ended in any of these outcomes."""
        wanted = {Outcome(outcome) for outcome in outcomes}
        return [result for result in self.results if result.outcome in wanted]

    def to_dict(self) -> dict[str, Any]:
        """``{"results": [...], "summary": {...}}``: what ``--json`` prints."""
        return {
            "results": [result.to_dict() for result in self.results],
            "summary": self.summary,
        }

    def _repr_html_(self) -> str:
        """How Jupyter shows the report: the counts, then a row per VM."""
        counts = ", ".join(f"{count} {name}" for name, count in self.summary.items() if count)
        title = f"{self.operation} snapshots: {counts or 'no virtual machines'}"
        if self.interrupted:
            title += " (interrupted)"
        head = "".join(
            f'<th style="padding:1px 8px;text-align:left">{name}</th>'
            for name in ("vm_id", "hostname", "outcome", "action", "reason")
        )
        rows = "".join(
            "<tr>"
            + "".join(
                f'<td style="padding:1px 8px;vertical-align:top">{value}</td>'
                for value in (
                    cell(result.vm_id),
                    cell(result.hostname),
                    badge(
                        result.outcome.value, _OUTCOME_COLOURS.get(result.outcome.value, "#6b6b6b")
                    ),
                    cell(_action_text(result.action)),
                    cell(result.reason),
                )
            )
            + "</tr>"
            for result in self.results
        )
        return (
            '<table style="border-collapse:collapse;text-align:left">'
            f'<caption style="text-align:left;font-weight:bold">{escape(title)}</caption>'
            f"<tr>{head}</tr>{rows}</table>"
        )


@dataclass(frozen=True)
class FleetProgress:
    """What ``on_progress`` is given: after each VM ends, and about once a second in between."""

    result: Optional[VmResult]
    """The VM that just ended; None on the once-a-second call."""
    summary: dict[str, int]
    """The outcomes so far, as ``FleetReport.summary``."""
    in_flight: int
    left: int
    """VMs not started yet."""
    total: int
    elapsed: float


class FleetInterrupted(KeyboardInterrupt):
    """Ctrl-C during a fleet job; ``report`` says what was done, and what is in flight."""

    def __init__(self, report: FleetReport) -> None:
        super().__init__(f"interrupted: {report.summary}")
        self.report = report


OnProgress = Callable[[FleetProgress], None]


_OUTCOME_COLOURS = {
    "succeeded": "#1b7f3b",
    "started": "#2f6db5",
    "planned": "#2f6db5",
    "skipped": "#6b6b6b",
    "failed": "#c0162b",
    "error": "#c0162b",
    "unknown": "#b35c00",
    "timed_out": "#b35c00",
    "interrupted": "#7a3db5",
}
"""Each outcome's colour in a notebook: green done, blue started, red failed, orange unsure."""


def _action_text(action: Optional[Action]) -> Optional[str]:
    if action is None:
        return None
    return f"{action.id} {action.name or ''} {action.state or ''}".replace("  ", " ").strip()


def duration_text(span: timedelta) -> str:
    """A duration the way the command line takes it: ``20h``, ``90m``, ``2d``, ``45s``."""
    seconds = span.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and math.isclose(seconds % size, 0, abs_tol=1e-9):
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"
