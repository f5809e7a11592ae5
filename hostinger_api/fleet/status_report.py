"""What the status audit tells its caller: each VM's row and verdict, the report, its looks.

Plain values, shared by the audit that makes them, the metrics file and the command line;
nothing here sends a request. ``verdict_of`` is the one rule that turns a snapshot into a
verdict (see ``hostinger_api.fleet.status`` for the rule in words).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import Enum
from html import escape
from typing import Any, Optional

from hostinger_api._html import badge, cell
from hostinger_api.fleet.report import Action, error_text
from hostinger_api.models.vpsv1_snapshot_snapshot_resource import VPSV1SnapshotSnapshotResource

Snapshot = VPSV1SnapshotSnapshotResource

DEFAULT_EXPIRING_WITHIN = timedelta(days=2)
"""A snapshot expiring sooner than this is reported ``expiring``: time to take a new one."""


class Verdict(str, Enum):
    """Whether a VM can be brought back from its snapshot. A ``str``: ``verdict == "missing"``."""

    PROTECTED = "protected"
    STALE = "stale"
    EXPIRING = "expiring"
    MISSING = "missing"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


VERDICT_COLOURS = {
    Verdict.PROTECTED: "#1b7f3b",
    Verdict.STALE: "#b35c00",
    Verdict.EXPIRING: "#9a7d00",
    Verdict.MISSING: "#c0162b",
    Verdict.UNKNOWN: "#6b6b6b",
}
"""The colour of each verdict's badge in a notebook (white text on it is readable)."""


@dataclass(frozen=True)
class StatusRow:
    """One VM's answer: what the API said of it, and the verdict drawn from it.

    ``age`` and ``expires_in`` are measured at ``checked_at``, when the snapshot's answer came.
    """

    vm_id: int
    hostname: Optional[str]
    state: Optional[str]
    actions_lock: Optional[str]
    verdict: Verdict
    checked_at: datetime
    reason: Optional[str] = None
    running_action: Optional[Action] = None
    snapshot_id: Optional[int] = None
    created_at: Optional[datetime] = None
    expires_at: Optional[datetime] = None
    restore_time: Optional[int] = None
    backup_created_at: Optional[datetime] = None
    error: Optional[BaseException] = field(default=None, compare=False)

    @property
    def age(self) -> Optional[timedelta]:
        """How old the snapshot was when checked; None without one."""
        return None if self.created_at is None else self.checked_at - self.created_at

    @property
    def expires_in(self) -> Optional[timedelta]:
        """How long the snapshot had left when checked (negative: expired); None if unknown."""
        return None if self.expires_at is None else self.expires_at - self.checked_at

    @property
    def backup_age(self) -> Optional[timedelta]:
        """How old the newest backup was when checked; None without one."""
        if self.backup_created_at is None:
            return None
        return self.checked_at - self.backup_created_at

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: times in ISO 8601, spans in seconds, the error as text."""
        action = None
        if self.running_action is not None:
            action = self.running_action.model_dump(mode="json", by_alias=True, exclude_none=True)
        return {
            "vm_id": self.vm_id,
            "hostname": self.hostname,
            "state": self.state,
            "actions_lock": self.actions_lock,
            "running_action": action,
            "snapshot_id": self.snapshot_id,
            "created_at": _iso(self.created_at),
            "age_seconds": _seconds(self.age),
            "expires_at": _iso(self.expires_at),
            "expires_in_seconds": _seconds(self.expires_in),
            "restore_time": self.restore_time,
            "newest_backup_created_at": _iso(self.backup_created_at),
            "newest_backup_age_seconds": _seconds(self.backup_age),
            "verdict": self.verdict.value,
            "reason": self.reason,
            "error": None if self.error is None else error_text(self.error),
        }


@dataclass(frozen=True)
class StatusReport:
    """The audit's answer: one row per VM, in the order of the VMs."""

    rows: list[StatusRow]
    elapsed: float
    max_age: Optional[timedelta]
    expiring_within: timedelta

    @property
    def summary(self) -> dict[str, int]:
        """How many VMs got each verdict; every verdict is a key, zeros included."""
        counts = dict.fromkeys((verdict.value for verdict in Verdict), 0)
        for row in self.rows:
            counts[row.verdict.value] += 1
        return counts

    @property
    def ok(self) -> bool:
        """Every VM is protected (True for no VMs at all: nothing is unprotected)."""
        return all(row.verdict is Verdict.PROTECTED for row in self.rows)

    def to_dict(self) -> dict[str, Any]:
        """``{"rows": [...], "summary": {...}}``: what ``--json`` prints."""
        return {"rows": [row.to_dict() for row in self.rows], "summary": self.summary}

    def table(self) -> str:
        """The rows as a text table: id, hostname, state, snapshot age, expires in, newest
        backup age, verdict, and the reason when there is one."""
        header = ("VM_ID", "HOSTNAME", "STATE", "AGE", "EXPIRES_IN", "BACKUP_AGE", "VERDICT")
        lines = [(*header, "REASON")]
        for row in self.rows:
            lines.append(
                (
                    str(row.vm_id),
                    row.hostname or "-",
                    _state_text(row),
                    span_text(row.age),
                    span_text(row.expires_in),
                    span_text(row.backup_age),
                    row.verdict.value,
                    row.reason or "",
                )
            )
        widths = [max(len(line[index]) for line in lines) for index in range(len(header) + 1)]
        return "\n".join(
            "  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip()
            for line in lines
        )

    def __str__(self) -> str:
        return self.table()

    def summary_line(self) -> str:
        """One line: the verdicts that occur, and how long the audit took."""
        counts = ", ".join(f"{count} {name}" for name, count in self.summary.items() if count)
        noun = "virtual machine" if len(self.rows) == 1 else "virtual machines"
        return (
            f"snapshot status: {counts or 'no virtual machines'} "
            f"({len(self.rows)} {noun} in {self.elapsed:.1f} s)"
        )

    def _repr_html_(self) -> str:
        """How Jupyter shows the report: the counts, then a row per VM, each verdict a badge
        in its colour (green protected, orange stale, amber expiring, red missing, grey
        unknown)."""
        head = "".join(
            f'<th style="padding:1px 8px;text-align:left">{name}</th>'
            for name in (
                "vm_id",
                "hostname",
                "state",
                "snapshot age",
                "expires in",
                "newest backup",
                "verdict",
                "reason",
            )
        )
        body = "".join(
            "<tr>"
            + "".join(
                f'<td style="padding:1px 8px;vertical-align:top">{value}</td>'
                for value in (
                    cell(row.vm_id),
                    cell(row.hostname),
                    cell(_state_text(row)),
                    cell(span_text(row.age)),
                    cell(span_text(row.expires_in)),
                    cell(span_text(row.backup_age)),
                    badge(row.verdict.value, VERDICT_COLOURS[row.verdict]),
                    cell(row.reason),
                )
            )
            + "</tr>"
            for row in self.rows
        )
        return (
            '<table style="border-collapse:collapse;text-align:left">'
            f'<caption style="text-align:left;font-weight:bold">'
            f"{escape(self.summary_line())}</caption>"
            f"<tr>{head}</tr>{body}</table>"
        )


def verdict_of(
    snapshot: Optional[Snapshot],
    now: datetime,
    *,
    max_age: Optional[timedelta],
    expiring_within: timedelta,
) -> tuple[Verdict, Optional[str]]:
    """The verdict on a snapshot (None: there is none) at ``now``, and why when not protected."""
    if snapshot is None or (snapshot.id is None and snapshot.created_at is None):
        return Verdict.MISSING, "no snapshot"
    if snapshot.expires_at is not None and snapshot.expires_at <= now:
        return Verdict.MISSING, f"snapshot expired at {_iso(snapshot.expires_at)}"
    if max_age is not None:
        if snapshot.created_at is None:
            return Verdict.STALE, "the snapshot has no created_at: its age is unknown"
        age = now - snapshot.created_at
        if age > max_age:
            return (
                Verdict.STALE,
                f"snapshot is {span_text(age)} old, more than {span_text(max_age)}",
            )
    if snapshot.expires_at is not None and snapshot.expires_at - now <= expiring_within:
        left = snapshot.expires_at - now
        return (
            Verdict.EXPIRING,
            f"snapshot expires in {span_text(left)}, within {span_text(expiring_within)}",
        )
    return Verdict.PROTECTED, None


def span_text(span: Optional[timedelta]) -> str:
    """A span as a person reads it: ``2d 4h``, ``3h 12m``, ``5m 3s``, ``-1h 2m``; ``-`` for None."""
    if span is None:
        return "-"
    seconds = int(span.total_seconds())
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    for big, big_unit, small, small_unit in (
        (days, "d", hours, "h"),
        (hours, "h", minutes, "m"),
        (minutes, "m", secs, "s"),
    ):
        if big:
            return f"{sign}{big}{big_unit}" + (f" {small}{small_unit}" if small else "")
    return f"{sign}{secs}s"


def _state_text(row: StatusRow) -> str:
    state = row.state or "-"
    if row.actions_lock == "locked":
        action = row.running_action
        state += f" (locked: {action.name})" if action is not None else " (locked)"
    return state


def _iso(moment: Optional[datetime]) -> Optional[str]:
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _seconds(span: Optional[timedelta]) -> Optional[float]:
    return None if span is None else round(span.total_seconds(), 3)
