"""Files in the state folder, opened so that nobody else can steer them.

The state folder may be on a shared machine, and the fleet run often runs as root. So the folder
must be this user's alone (like ``~/.ssh``): owned by the effective user, and writable by nobody
else; and its files are opened without following a symlink, used only when they are regular files
(a FIFO planted as the pause file would block the first request for ever), and read only up to a
size that a real record never reaches.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Optional

MAX_RECORD = 64 * 1024
"""Bytes: more than any record this package writes; a larger file is not read."""
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def folder_problem(folder: str) -> Optional[OSError]:
    """Why ``folder`` (made already) must not be used, or None when it is this user's alone."""
    try:
        info = os.stat(folder)
    except OSError as error:
        return error
    if not stat.S_ISDIR(info.st_mode):
        return NotADirectoryError(errno.ENOTDIR, "not a folder")
    if not hasattr(os, "geteuid"):  # pragma: no cover  (Windows: no owners and modes to check)
        return None
    if info.st_uid != os.geteuid():
        return PermissionError(
            errno.EPERM, f"owned by uid {info.st_uid}, not by this user (uid {os.geteuid()})"
        )
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return PermissionError(
            errno.EPERM, f"writable by others (mode {stat.S_IMODE(info.st_mode):04o})"
        )
    return None


def open_regular(path: str, flags: int, mode: int = 0o600) -> int:
    """``os.open`` that refuses a symlink, a FIFO, a device or another user's file."""
    descriptor = os.open(path, flags | _NOFOLLOW | _NONBLOCK, mode)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            raise PermissionError(errno.EPERM, f"owned by uid {info.st_uid}", path)
        if _NONBLOCK:
            os.set_blocking(descriptor, True)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def read_record(path: str) -> bytes:
    """A small regular file's bytes; ``OSError`` for anything else, or one too large."""
    descriptor = open_regular(path, os.O_RDONLY)
    try:
        data = os.read(descriptor, MAX_RECORD + 1)
    finally:
        os.close(descriptor)
    if len(data) > MAX_RECORD:
        raise OSError(errno.EFBIG, "larger than a record", path)
    return data
