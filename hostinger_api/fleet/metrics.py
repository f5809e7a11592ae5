"""The metrics file: what the status audit and the fleet job tell Prometheus, through a file.

node_exporter's textfile collector (``--collector.textfile.directory=DIR``) reads every ``*.prom``
file of DIR at each scrape. A file is written whole or not at all: the text goes to a temporary
file in the same folder (a name not ending in ``.prom``, so the collector skips it), is flushed
to disk, and then replaces the old file in one ``os.replace``; a reader sees the old file or the
new one, never a part.

For a status audit, per VM (labels ``vm_id``, ``hostname``)::

    hostinger_snapshot_protected            1 when the verdict is protected, else 0
    hostinger_snapshot_age_seconds          the snapshot's age (VMs with a snapshot only)
    hostinger_snapshot_expiry_timestamp_seconds   its expires_at, Unix time (when known)

and ``hostinger_snapshot_status_vms{verdict}``, ``hostinger_snapshot_status_timestamp_seconds``.

For a fleet job (label ``operation``: create, restore or delete)::

    hostinger_fleet_job_vms{operation,outcome}              VMs per outcome, zeros included
    hostinger_fleet_job_duration_seconds{operation}
    hostinger_fleet_job_last_run_timestamp_seconds{operation}
    hostinger_fleet_job_last_success_timestamp_seconds{operation}
    hostinger_fleet_job_success{operation}                  1 when this run succeeded

A run succeeded when no VM ended ``failed``, ``error``, ``unknown`` or ``timed_out`` and it was
not interrupted (the command's exit code 0). When it did not, the last success is the one read
from the previous file at that path, so ``time() - hostinger_fleet_job_last_success_...`` keeps
growing until a run succeeds; with no previous success the metric is left out.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import math
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterable, Sequence
from typing import Optional, TextIO, Union

from hostinger_api.exceptions import ApiValueError
from hostinger_api.fleet.report import FleetReport, Outcome
from hostinger_api.fleet.status import StatusReport, Verdict

PathLike = Union[str, "os.PathLike[str]"]
Labels = Sequence[tuple[str, str]]

_FAILED_OUTCOMES = (Outcome.FAILED, Outcome.ERROR, Outcome.UNKNOWN, Outcome.TIMED_OUT)
_LAST_SUCCESS = "hostinger_fleet_job_last_success_timestamp_seconds"
_MAX_PREVIOUS = 4 * 1024 * 1024  # a job's file is a few hundred bytes; a status file's, more
_logger = logging.getLogger("hostinger_api")


def escape_label(value: str) -> str:
    """A label value as the text format writes it: backslash, double quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    """A sample's value: whole numbers without a fraction, others exactly (``repr``)."""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


class _Family:
    """One metric's HELP and TYPE lines and its samples."""

    def __init__(self, name: str, kind: str, help_text: str) -> None:
        self.name = name
        self.lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]

    def add(self, value: float, labels: Labels = ()) -> None:
        inner = ",".join(f'{key}="{escape_label(text)}"' for key, text in labels)
        sample = f"{self.name}{{{inner}}}" if inner else self.name
        self.lines.append(f"{sample} {_number(value)}")


def _text(families: Iterable[_Family]) -> str:
    return "".join(line + "\n" for family in families for line in family.lines)


def status_metrics(report: StatusReport, *, now: Optional[float] = None) -> str:
    """The status audit in the text format: per VM, and the counts per verdict."""
    protected = _Family(
        "hostinger_snapshot_protected",
        "gauge",
        "1 when the VM's snapshot exists, is not stale and does not expire soon, else 0.",
    )
    age = _Family(
        "hostinger_snapshot_age_seconds", "gauge", "Age of the VM's snapshot when checked."
    )
    expiry = _Family(
        "hostinger_snapshot_expiry_timestamp_seconds",
        "gauge",
        "When the VM's snapshot expires, in Unix time.",
    )
    for row in report.rows:
        labels = (("vm_id", str(row.vm_id)), ("hostname", row.hostname or ""))
        protected.add(1 if row.verdict is Verdict.PROTECTED else 0, labels)
        if row.age is not None:
            age.add(row.age.total_seconds(), labels)
        if row.expires_at is not None:
            expiry.add(row.expires_at.timestamp(), labels)
    counts = _Family(
        "hostinger_snapshot_status_vms", "gauge", "VMs per verdict of the last status audit."
    )
    for verdict, count in report.summary.items():
        counts.add(count, (("verdict", verdict),))
    checked = _Family(
        "hostinger_snapshot_status_timestamp_seconds",
        "gauge",
        "When the last status audit ended, in Unix time.",
    )
    checked.add(time.time() if now is None else now)
    return _text([protected, age, expiry, counts, checked])


def job_succeeded(report: FleetReport) -> bool:
    """Whether the job did what it was asked: nothing failed, timed out or was interrupted."""
    return not report.interrupted and not report.with_outcome(*_FAILED_OUTCOMES)


def job_metrics(
    operation: str,
    report: Optional[FleetReport],
    *,
    previous_success: Optional[float],
    duration: Optional[float] = None,
    now: Optional[float] = None,
) -> str:
    """A fleet job in the text format. ``report`` None: the job failed before its report
    (listing the VMs failed), which counts as a failed run of ``duration`` seconds."""
    now = time.time() if now is None else now
    succeeded = report is not None and job_succeeded(report)
    labels = (("operation", operation),)
    vms = _Family("hostinger_fleet_job_vms", "gauge", "VMs per outcome in the last fleet job.")
    if report is not None:
        for outcome, count in report.summary.items():
            vms.add(count, (*labels, ("outcome", outcome)))
    spent = _Family(
        "hostinger_fleet_job_duration_seconds", "gauge", "How long the last fleet job took."
    )
    if duration is None:
        duration = 0.0 if report is None else report.elapsed
    spent.add(duration, labels)
    last_run = _Family(
        "hostinger_fleet_job_last_run_timestamp_seconds",
        "gauge",
        "When the last fleet job ended, in Unix time.",
    )
    last_run.add(now, labels)
    success = _Family(
        "hostinger_fleet_job_success", "gauge", "1 when the last fleet job succeeded, else 0."
    )
    success.add(1 if succeeded else 0, labels)
    last_success = _Family(
        _LAST_SUCCESS,
        "gauge",
        "When a fleet job last succeeded, in Unix time (kept across failed runs).",
    )
    kept = now if succeeded else previous_success
    if kept is not None:
        last_success.add(kept, labels)
    return _text([vms, spent, last_run, success, last_success])


def previous_success(path: PathLike, operation: str) -> Optional[float]:
    """The last success of ``operation`` in the metrics file at ``path``; None if there is none
    (no file, or no such sample). A file that cannot be read as UTF-8 text (garbled, not a
    regular file, no permission) is none either, after one warning: the job has acted by now,
    and its report and new file matter more than the old success."""
    try:
        text = _read_previous(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValueError) as error:
        _logger.warning(
            "The previous metrics file %s cannot be read (%s): its last success is not kept",
            os.fspath(path),
            _why(error),
        )
        return None
    wanted = f'operation="{escape_label(operation)}"'
    sample = re.compile(rf"^{_LAST_SUCCESS}\{{([^}}]*)\}}\s+(\S+)", re.MULTILINE)
    for found in sample.finditer(text):
        if wanted in found[1].split(","):
            try:
                value = float(found[2])
            except ValueError:
                return None
            return value if math.isfinite(value) else None
    return None


def _read_previous(path: PathLike) -> str:
    """The text of a regular file of at most ``_MAX_PREVIOUS`` bytes, without blocking on a
    FIFO or a device planted under that name."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        data = file.read(_MAX_PREVIOUS + 1)
    if len(data) > _MAX_PREVIOUS:
        raise ValueError(f"larger than {_MAX_PREVIOUS} bytes")
    return data.decode("utf-8")


def _why(error: BaseException) -> str:
    """A short reason: an OSError's strerror, a decoding error without the bytes it met."""
    if isinstance(error, UnicodeDecodeError):
        return f"not UTF-8 text at byte {error.start}"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def check_path(path: PathLike) -> None:
    """Refuse (``ApiValueError``), before anything is sent, a metrics file that could not be
    written: a folder, or a file in a missing or read-only folder."""
    name = os.fspath(path)
    if not name:
        raise ApiValueError("the metrics file's name is empty")
    folder = os.path.dirname(os.path.abspath(name))
    if os.path.isdir(name):
        raise ApiValueError(f"metrics file {name} is a folder: give a file name, such as x.prom")
    if not os.path.isdir(folder):
        raise ApiValueError(f"metrics file {name}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ApiValueError(f"metrics file {name}: the folder {folder} is not writable")


def write_textfile(path: PathLike, text: str) -> None:
    """Replace the file at ``path`` with ``text`` in one step (see the module docstring).

    The file is readable by all (0644), as node_exporter usually runs as another user.
    """
    target = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(target))
    handle, temporary = tempfile.mkstemp(
        dir=folder, prefix=f".{os.path.basename(target)}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_folder(folder)


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable, where the platform allows opening a folder."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def write_status_metrics(path: PathLike, report: StatusReport) -> None:
    """Write the status audit's metrics file."""
    write_textfile(path, status_metrics(report))


def write_job_metrics(
    path: PathLike,
    operation: str,
    report: Optional[FleetReport],
    *,
    duration: Optional[float] = None,
) -> None:
    """Write a fleet job's metrics file, keeping the last success of the file it replaces."""
    text = job_metrics(
        operation, report, previous_success=previous_success(path, operation), duration=duration
    )
    write_textfile(path, text)


class JobMetricsFile:
    """The metrics file of one fleet run: its path checked at the start, written at the end.

    ``write(report)`` after the job; ``write(None)`` when it raised before its report (the VMs
    could not be listed), which counts as a failed run.
    """

    def __init__(self, path: PathLike, operation: str) -> None:
        check_path(path)
        self.path = path
        self.operation = operation
        self.started = time.monotonic()

    def write(self, report: Optional[FleetReport], err: Optional[TextIO] = None) -> None:
        """Write the file; with ``err``, a failure to write is a line there, not an exception
        (the job is done: its report still goes out)."""
        took = None if report is not None else time.monotonic() - self.started
        try:
            write_job_metrics(self.path, self.operation, report, duration=took)
        except (OSError, ValueError) as error:  # ValueError: text that cannot be encoded
            if err is None:
                raise
            err.write(f"hostinger-api: cannot write the metrics file {self.path}: {error}\n")
