"""The fake's backups: what Hostinger keeps of each VM by itself, weekly by default.

Plain state, no HTTP and no locking: ``FakeHostinger`` holds one ``BackupShelf`` and calls it
under its own lock. Each VM the fake makes gets ``WEEKLY_BACKUPS`` backups at first, the newest
``NEWEST_BACKUP_AGE`` old and each older one ``BACKUP_INTERVAL`` before the next; tests add more
with ``add_backup``. Restoring one is an action of the service (``restore_backup``), not of this
module: it locks the VM and, when it succeeds, deletes the VM's snapshot, as Hostinger documents.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Optional

WEEKLY_BACKUPS = 3
"""How many backups each VM has when the fake makes it (``weekly_backups=`` changes it)."""
BACKUP_INTERVAL = timedelta(days=7)
NEWEST_BACKUP_AGE = timedelta(days=1)
BACKUP_LOCATION = "nl-srv-nodebackups"
BACKUP_RESTORE_TIME = 3600
"""The estimated restore time a backup reports, in seconds (the spec's example)."""

_Json = dict[str, Any]


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def default_size(disk_mb: int) -> int:
    """A backup's size in kilobytes for a VM with this disk: a quarter of the disk is in use."""
    return disk_mb * 1024 // 4


def page_number(query: dict[str, list[str]]) -> Optional[int]:
    """The ``page`` asked for (1 when none is), or None when it is not a number from 1 up."""
    raw = query.get("page", ["1"])[-1]
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        return None
    return int(raw)


class BackupShelf:
    """Every VM's backups, oldest first, with ids unique across the fake."""

    def __init__(self) -> None:
        self._by_vm: dict[int, list[_Json]] = {}
        self._next_id = 1

    def add(
        self,
        vm_id: int,
        *,
        created_at: datetime,
        size: int,
        restore_time: Optional[int] = None,
        location: Optional[str] = None,
    ) -> _Json:
        """Keep a new backup of ``vm_id`` and return it as the API shows it.

        ``restore_time`` is ``BACKUP_RESTORE_TIME`` and ``location`` ``BACKUP_LOCATION`` unless
        given.
        """
        restore_time = BACKUP_RESTORE_TIME if restore_time is None else restore_time
        location = BACKUP_LOCATION if location is None else location
        _check(created_at, size, restore_time, location)
        backup: _Json = {
            "id": self._next_id,
            "location": location,
            "size": size,
            "restore_time": restore_time,
            "created_at": _timestamp(created_at),
        }
        self._next_id += 1
        backups = self._by_vm.setdefault(vm_id, [])
        backups.append(backup)
        backups.sort(key=lambda item: (item["created_at"], item["id"]))
        return dict(backup)

    def add_weekly(self, vm_id: int, *, count: int, size: int, now: datetime) -> None:
        """Give ``vm_id`` its ``count`` most recent weekly backups, the oldest first."""
        newest = now - NEWEST_BACKUP_AGE
        for weeks_back in range(count - 1, -1, -1):
            self.add(vm_id, created_at=newest - weeks_back * BACKUP_INTERVAL, size=size)

    def clear(self, vm_id: int) -> None:
        """Forget every backup of ``vm_id``."""
        self._by_vm.pop(vm_id, None)

    def newest_first(self, vm_id: int) -> list[_Json]:
        """The backups of ``vm_id`` as the API lists them, newest first (copies)."""
        return [dict(backup) for backup in reversed(self._by_vm.get(vm_id, []))]

    def find(self, vm_id: int, backup_id: int) -> Optional[_Json]:
        """The backup of ``vm_id`` with this id, or None (another VM's backup is not found)."""
        for backup in self._by_vm.get(vm_id, []):
            if backup["id"] == backup_id:
                return dict(backup)
        return None

    def page(self, vm_id: int, page: int, per_page: int) -> _Json:
        """One page of the list, newest first, with the pagination ``meta`` of the actions."""
        backups = self.newest_first(vm_id)
        start = (page - 1) * per_page
        return {
            "data": backups[start : start + per_page],
            "meta": {"current_page": page, "per_page": per_page, "total": len(backups)},
        }


def _check(created_at: object, size: object, restore_time: object, location: object) -> None:
    if not isinstance(created_at, datetime) or created_at.utcoffset() is None:
        raise ValueError(f"created_at must be a timezone-aware datetime, not {created_at!r}")
    for name, value in (("size", size), ("restore_time", restore_time)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be an int, 0 or more, not {value!r}")
    if not isinstance(location, str) or not location:
        raise ValueError(f"location must be a non-empty string, not {location!r}")
