"""Files in the state folder: only this user's folder, only regular files of this user.

The owner checks need a second user: as root (CI's containers, this machine) the tests hand a
file or folder to ``nobody``; as anyone else they are skipped.
"""

from __future__ import annotations

import os
import socket
import stat

import pytest

from hostinger_api._state_files import MAX_RECORD, folder_problem, open_regular, read_record

AS_ROOT = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file away needs root"
)
NOBODY = 65534


def test_this_user_s_private_folder_is_fine(tmp_path):
    folder = tmp_path / "state"
    folder.mkdir(mode=0o700)
    assert folder_problem(str(folder)) is None


def test_a_missing_folder_or_a_file_is_a_problem(tmp_path):
    assert isinstance(folder_problem(str(tmp_path / "missing")), FileNotFoundError)
    plain = tmp_path / "plain"
    plain.write_text("")
    problem = folder_problem(str(plain))
    assert isinstance(problem, NotADirectoryError)
    assert "not a folder" in str(problem)


@AS_ROOT
def test_another_user_s_folder_is_a_problem(tmp_path):
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o700)
    os.chown(folder, NOBODY, NOBODY)
    problem = folder_problem(str(folder))
    assert isinstance(problem, PermissionError)
    assert f"owned by uid {NOBODY}, not by this user (uid 0)" in str(problem)


def test_a_small_regular_file_is_read(tmp_path):
    path = tmp_path / "record"
    path.write_bytes(b'{"until": 1}')
    assert read_record(str(path)) == b'{"until": 1}'


def test_a_file_larger_than_any_record_is_not_read(tmp_path):
    path = tmp_path / "record"
    path.write_bytes(b" " * (MAX_RECORD + 1))
    with pytest.raises(OSError, match="larger than a record"):
        read_record(str(path))


def test_a_symlink_a_fifo_and_a_socket_are_refused(tmp_path):
    target = tmp_path / "target"
    target.write_text("{}")
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(OSError, match="symbolic link"):  # ELOOP: O_NOFOLLOW
        open_regular(str(tmp_path / "link"), os.O_RDONLY)
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(OSError, match="not a regular file"):
        open_regular(str(tmp_path / "fifo"), os.O_RDWR)  # returns at once: no reader needed
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(tmp_path / "sock"))
        with pytest.raises(OSError, match="No such device"):  # ENXIO: a socket is not opened
            open_regular(str(tmp_path / "sock"), os.O_RDONLY)


@AS_ROOT
def test_another_user_s_file_is_refused(tmp_path):
    path = tmp_path / "record"
    path.write_text("{}")
    os.chown(path, NOBODY, NOBODY)
    with pytest.raises(PermissionError, match=f"owned by uid {NOBODY}"):
        read_record(str(path))


def test_a_file_made_by_open_regular_is_private(tmp_path):
    descriptor = open_regular(str(tmp_path / "new"), os.O_RDWR | os.O_CREAT)
    try:
        assert stat.S_IMODE(os.fstat(descriptor).st_mode) & 0o077 == 0
        assert os.get_blocking(descriptor)
    finally:
        os.close(descriptor)
