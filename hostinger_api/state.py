"""What the client remembers between processes: a pause the server asked for, and the fleet lock.

Scripts, cron jobs and notebooks on one machine often share a token and an IP address. When the
server asks one of them to pause (a 429 with ``Retry-After``, or the edge's block), the others
must not keep knocking: that is how a block gets longer. And two fleet runs must not act on the
same VMs at once. Both live in the state folder, one file each per host and token (named by a
hash of the two, never by the token):

- ``pause-<key>.json``: "paused until T", with the pid and hostname that wrote it and why. Every
  request checks it first with one ``os.stat``; the file is read again only when its mtime, size
  or inode changed. A client ignores its own records (its rate gate already holds its requests);
  every other client, of this process or another, obeys them.
- ``lock-<key>``: held with ``fcntl.flock`` by the running fleet job, and describing it (pid,
  start time, operation). The kernel drops the lock when the process ends, even by ``kill -9``.

The folder is ``Configuration.state_dir``: by default ``$HOSTINGER_API_STATE_DIR``, else
systemd's ``$STATE_DIRECTORY``, else ``$XDG_STATE_HOME/hostinger-api``, else
``~/.local/state/hostinger-api``; made with mode 0700 only when first written, and used only
while it is this user's alone (``_state_files``). A folder that cannot be made or written, or
that others could write, is not an error: the client goes on as if it had none, after one
warning per folder and process.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import math
import os
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import urlsplit

from hostinger_api._headers import parse_retry_after, read_rate_limit
from hostinger_api._state_files import folder_problem, open_regular, read_record
from hostinger_api.exceptions import OpenApiException, TooManyRequestsException

if TYPE_CHECKING:
    from hostinger_api.api_client import ApiClient
    from hostinger_api.configuration import Configuration

try:
    import fcntl

    _FLOCK = True
except ImportError:  # Windows: no flock; the lock is skipped there, after one warning
    _FLOCK = False

STATE_DIR_VARIABLE = "HOSTINGER_API_STATE_DIR"
MAX_SHARED_PAUSE = 3600.0
"""Seconds: the longest pause one process imposes on the others, whatever the server said
(unless the client's ``RetryPolicy.max_pause`` says otherwise)."""
MIN_SHARED_PAUSE = 5.0
"""Seconds: a shorter pause (a rate-limit window turning over) is not written for the others;
a process that meets it gets its own 429 and waits it out under its own retry policy."""
LOOK_EVERY = 0.05
"""Seconds between two looks at the pause file by one client: a busy client pays for one
``os.stat`` per this much time, not per request; another process's pause reaches it this late
at most (a new process looks before its first request)."""
LOCK_POLL = 0.2
"""Seconds between tries while ``fleet_lock(wait=...)`` waits for another run to end."""

_logger = logging.getLogger("hostinger_api")
_warned: set[str] = set()
_warned_lock = threading.Lock()


def default_state_dir(environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The state folder the environment names; None when even the home folder is unknown."""
    return state_dir_source(environ)[0]


def state_dir_source(environ: Optional[Mapping[str, str]] = None) -> tuple[Optional[str], str]:
    """The environment's state folder, and what named it (for ``hostinger-api config``)."""
    environ = os.environ if environ is None else environ
    for name in (STATE_DIR_VARIABLE, "STATE_DIRECTORY"):
        value = environ.get(name, "").strip()
        if value:
            # systemd joins several StateDirectory= folders with ':'; the first is ours
            return (value.split(":")[0] if name == "STATE_DIRECTORY" else value), name
    xdg = environ.get("XDG_STATE_HOME", "").strip()
    if xdg and os.path.isabs(xdg):  # the XDG spec: a relative path is to be ignored
        return os.path.join(xdg, "hostinger-api"), "XDG_STATE_HOME"
    home = environ.get("HOME", "").strip() or os.path.expanduser("~")
    if not home or home == "~":
        return None, "no home folder"
    return os.path.join(home, ".local", "state", "hostinger-api"), "the home folder"


def state_key(host: str, token: Optional[str]) -> str:
    """What names the files of one host and token: a hash, from which neither can be read back."""
    digest = hashlib.sha256(f"{host.rstrip('/')}\0{token or ''}".encode()).hexdigest()
    return digest[:24]


def _warn_once(folder: str, what: str, error: OSError) -> None:
    with _warned_lock:
        if folder in _warned:
            return
        _warned.add(folder)
    _logger.warning(
        "The state folder %s cannot be used (%s: %s): %s",
        folder,
        what,
        error.strerror or error,
        "pauses are not shared with other processes and fleet runs are not locked",
    )


def _ready(folder: str) -> bool:
    """Make the folder (mode 0700) if needed; False, after one warning, when it is unusable:
    not writable, or not this user's alone (another user could plant a pause or a symlink)."""
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, "not writable")
    except OSError as error:
        _warn_once(folder, "making it", error)
        return False
    problem = folder_problem(folder)
    if problem is not None:
        _warn_once(folder, "checking it", problem)
        return False
    return True


def _clock(epoch: float) -> str:
    """A moment as the local clock shows it (whole seconds, with its offset): what a log reader
    compares."""
    return datetime.fromtimestamp(epoch).astimezone().isoformat(timespec="seconds")


# -- the pause -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pause:
    """A pause written by some process: until when (Unix time), who wrote it, and why."""

    until: float
    pid: int
    hostname: str
    reason: str
    writer: str = ""  # the board that wrote it, within its process
    def error(self, method: str, url: str) -> TooManyRequestsException:
        """The fail-fast exception of a request that this pause stops before it is sent."""
        failure = TooManyRequestsException(
            status=429,
            reason=f"Not sent: paused until {_clock(math.ceil(self.until))}, as recorded by pid "
            f"{self.pid} on {self.hostname} ({self.reason}); {method} {url.split('?', 1)[0]}",
        )
        failure.retry_after = max(0.0, self.until - time.time())
        return failure


class PauseBoard:
    """The pause file of one host and token in one state folder.

    ``check`` is on every request's path: one clock read, and one ``os.stat`` every
    ``LOOK_EVERY`` seconds; the file is read only when its mtime, size or inode changed.
    """

    def __init__(self, folder: str, key: str, max_pause: float = MAX_SHARED_PAUSE) -> None:
        self.folder = folder
        self.max_pause = max_pause
        self.path = os.path.join(folder, f"pause-{key}.json")
        self._seen: Optional[tuple[int, int, int]] = None  # (mtime_ns, size, inode) last read
        self.pause: Optional[Pause] = None
        """What the last read found, when another process's: a request goes only after
        ``check`` while this is set (the transport looks at it and ``next_look`` first)."""
        self.next_look = 0.0
        """The ``time.monotonic()`` moment of the next ``os.stat``."""
        self._me = (os.getpid(), socket.gethostname())
        self._writer = secrets.token_hex(8)  # tells this board's records from other clients'

    def check(self, method: str, url: str) -> None:
        """Raise ``TooManyRequestsException`` while another process's pause is in force."""
        now = time.monotonic()
        if now >= self.next_look:
            self.next_look = now + LOOK_EVERY
            self._look()
        pause = self.pause
        if pause is not None and pause.until > time.time():
            raise pause.error(method, url)

    def _look(self) -> None:
        """Read the file again if it changed since the last look."""
        try:
            stat = os.stat(self.path)
        except OSError:
            self._seen = self.pause = None  # no pause file: the common case
            return
        seen = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if seen != self._seen:
            problem = folder_problem(self.folder)  # others could have written it: not obeyed
            if problem is not None:
                _warn_once(self.folder, "checking it", problem)
            self.pause = self._read() if problem is None else None
            self._seen = seen

    def _read(self) -> Optional[Pause]:
        """The pause in the file, unless this very client wrote it (its own gate holds its
        requests) or it cannot be read. Another client of this process obeys it too. A pause is
        never taken as longer than ``max_pause`` from now, whatever the file says."""
        pause = read_pause(self.path)
        if pause is None or self._wrote(pause):
            return None
        ceiling = time.time() + self.max_pause
        return pause if pause.until <= ceiling else replace(pause, until=ceiling)

    def _wrote(self, pause: Pause) -> bool:
        return (pause.pid, pause.hostname, pause.writer) == (os.getpid(), self._me[1], self._writer)

    def learn(self, headers: Mapping[str, str], method: str, url: str) -> None:
        """A 429 came back: share the pause it asks for (``Retry-After``, else the reset)."""
        seconds = parse_retry_after(headers.get("Retry-After"))
        if seconds is None:
            seconds = read_rate_limit(headers).reset_in
        if seconds is None or seconds < MIN_SHARED_PAUSE:
            return
        reason = f"{method} {urlsplit(url).path} got 429 asking for {seconds:g} s"
        content_type = headers.get("Content-Type") or ""
        if "json" not in content_type.lower():
            reason += f", its body not JSON ({content_type or 'no Content-Type'}): an edge block"
        self.record(seconds, reason)

    def record(self, seconds: float, reason: str) -> None:
        """Tell other processes to send nothing for ``seconds`` (capped at ``max_pause``).

        Written atomically (a new file renamed over the old), and only when it ends later than
        the pause already there. A folder that cannot be written costs one warning, then nothing.
        """
        if seconds < MIN_SHARED_PAUSE or not _ready(self.folder):
            return
        self._me = (os.getpid(), socket.gethostname())  # after a fork, the child is another
        until = time.time() + min(seconds, self.max_pause)
        current = read_pause(self.path)
        if current is not None and current.until >= until:
            return
        record = {
            "until": until,
            "pid": self._me[0],
            "hostname": self._me[1],
            "reason": reason,
            "writer": self._writer,
        }
        try:
            handle, temporary = tempfile.mkstemp(prefix=".pause-", dir=self.folder)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as file:
                    json.dump(record, file)
                os.replace(temporary, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError as error:
            _warn_once(self.folder, "writing the pause", error)


def read_pause(path: str) -> Optional[Pause]:
    """The pause a file records; None when there is none or it cannot be read."""
    try:
        record = json.loads(read_record(path).decode("utf-8"))
        until = float(record["until"])
        if not math.isfinite(until):
            return None
        return Pause(
            until,
            int(record["pid"]),
            str(record["hostname"]),
            str(record.get("reason", "")),
            str(record.get("writer", "")),
        )
    except (OSError, ValueError, KeyError, TypeError, OverflowError):
        return None


def pause_board(
    configuration: Configuration, max_pause: float = MAX_SHARED_PAUSE
) -> Optional[PauseBoard]:
    """The pause board of a configuration's host and token; None when its state folder is off."""
    folder = configuration.state_dir
    if folder is None:
        return None
    key = state_key(configuration.host, configuration.access_token)
    return PauseBoard(folder, key, max_pause)


# -- the fleet lock ------------------------------------------------------------------------------


class FleetLockHeld(OpenApiException):
    """Another fleet run holds the lock of this host and token; this one sent nothing.

    ``pid``, ``started`` (Unix time) and ``operation`` describe the holder, when it said.
    """

    def __init__(self, path: str, holder: Mapping[str, Any]) -> None:
        self.path = path
        pid, started, operation = (holder.get(name) for name in ("pid", "started", "operation"))
        self.pid: Optional[int] = pid if isinstance(pid, int) else None
        self.started: Optional[float] = started if isinstance(started, (int, float)) else None
        self.operation: Optional[str] = operation if isinstance(operation, str) else None
        when = "an unknown time" if self.started is None else _clock(self.started)
        super().__init__(
            f"another run (pid {self.pid if self.pid is not None else 'unknown'}, started at "
            f"{when}, {self.operation or 'operation unknown'}) holds the lock {path}"
        )


_held: dict[tuple[str, int], int] = {}  # (lock path, thread) -> depth: nested runs go on
_held_lock = threading.Lock()


@contextlib.contextmanager
def fleet_lock(
    client: ApiClient, *, operation: str = "fleet run", wait: Optional[float] = None
) -> Iterator[None]:
    """Hold the one-run-at-a-time lock of the client's host and token for the block.

    Raises ``FleetLockHeld`` at once when another run holds it (``wait``: after that many
    seconds of trying). The same thread may nest it (the fleet functions take it too). Without
    a state folder (``state_dir=None``, or one that cannot be written) or without ``fcntl``
    (Windows), nothing is locked.
    """
    configuration = client.configuration
    folder = configuration.state_dir
    if folder is None or not _FLOCK or not _ready(folder):
        if folder is not None and not _FLOCK:
            _warn_once(folder, "locking", OSError(errno.ENOSYS, "no fcntl.flock here"))
        yield
        return
    path = os.path.join(folder, f"lock-{state_key(configuration.host, configuration.access_token)}")
    mine = (path, threading.get_ident())
    with _held_lock:
        nested = mine in _held
        if nested:
            _held[mine] += 1
    if nested:
        try:
            yield
        finally:
            with _held_lock:
                _held[mine] -= 1
        return
    descriptor = _acquire(path, operation, wait)
    if descriptor is None:
        yield
        return
    with _held_lock:
        _held[mine] = 1
    try:
        yield
    finally:
        with _held_lock:
            del _held[mine]
        os.close(descriptor)  # closing the file releases the lock


def _new_locks_in_child() -> None:
    """In a child of ``os.fork()``: a thread the child does not have may hold the old locks.

    ``_held`` stays: an inherited descriptor keeps the run's lock held in the child too.
    """
    global _warned_lock, _held_lock
    _warned_lock = threading.Lock()
    _held_lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_new_locks_in_child)


def _acquire(path: str, operation: str, wait: Optional[float]) -> Optional[int]:
    """The open, locked lock file, its holder described in it; None when it cannot be opened."""
    try:
        descriptor = open_regular(path, os.O_RDWR | os.O_CREAT)
    except OSError as error:
        _warn_once(os.path.dirname(path), "opening the lock", error)
        return None
    ends = time.monotonic() + (wait or 0.0)
    try:
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= ends:
                    raise FleetLockHeld(path, _holder(descriptor)) from None
                time.sleep(min(LOCK_POLL, max(0.0, ends - time.monotonic())))
        holder = {"pid": os.getpid(), "started": time.time(), "operation": operation}
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, json.dumps(holder).encode(), 0)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def _holder(descriptor: int) -> Mapping[str, Any]:
    """What the lock's holder wrote of itself (tried a few times: it may be writing it now)."""
    for _ in range(5):
        try:
            data = os.pread(descriptor, 4096, 0)
            holder = json.loads(data)
            if isinstance(holder, dict):
                return holder
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    return {}
