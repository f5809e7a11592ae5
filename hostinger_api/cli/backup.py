"""``backup list|restore``: the automatic backups Hostinger keeps of a VM, and restoring one.

``backup list`` reads every page (backups are few: weekly ones by default) and prints one table;
``backup restore`` asks first, because it overwrites all data on the VM and Hostinger deletes
the VM's snapshot with it: the one way back to the present state goes too.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Optional

from hostinger_api.api.vps_backups_api import VPSBackupsApi
from hostinger_api.cli._output import columns_table, document, text
from hostinger_api.cli._session import EXIT_OK, Session, confirm
from hostinger_api.cli.action import wait
from hostinger_api.exceptions import OpenApiException
from hostinger_api.models.vpsv1_backup_backup_resource import VPSV1BackupBackupResource

MAX_PAGES = 100
"""``backup list`` stops after this many pages: a service that ignores ``page`` ends there."""
COLUMNS = ("id", "created", "age", "size", "location", "restore time")


def backup_list(session: Session) -> int:
    backups = all_backups(VPSBackupsApi(session.api_client), session.vm)
    if session.options.json:
        print(json.dumps([document(b) for b in backups], indent=2), file=session.out)
    else:
        print(backups_table(backups, now=datetime.now(timezone.utc)), file=session.out)
    return EXIT_OK


def backup_restore(session: Session) -> int:
    backup_id: int = session.options.backup_id
    confirm(
        session,
        f"Overwrite all data on virtual machine {session.vm} with backup {backup_id}, and delete "
        "the VM's snapshot? Everything written since the backup is lost, and so is the "
        "snapshot: it cannot be undone.",
    )
    action = VPSBackupsApi(session.api_client).restore_backup_v1(session.vm, backup_id)
    if not session.options.wait:
        session.show(action)
        return EXIT_OK
    if action.id is None:
        raise OpenApiException("The service started an action but sent no id to wait for")
    return wait(session, action.id)


def all_backups(api: VPSBackupsApi, vm_id: int) -> list[VPSV1BackupBackupResource]:
    """Every backup of the VM, newest first as the service lists them, page after page.

    It stops at an empty page, at the page ``meta`` says is the last, after one page when there
    is no ``meta``, and after ``MAX_PAGES`` pages.
    """
    found: list[VPSV1BackupBackupResource] = []
    for page in range(1, MAX_PAGES + 1):
        listed = api.get_backups_v1(vm_id, page=None if page == 1 else page)
        found.extend(listed.data or [])
        meta = listed.meta
        if not listed.data or meta is None or meta.total is None or not meta.per_page:
            break
        if page * meta.per_page >= meta.total:
            break
    return found


def backups_table(backups: list[VPSV1BackupBackupResource], *, now: datetime) -> str:
    """The table ``backup list`` prints: one row per backup, and how many there are."""
    rows = []
    for backup in backups:
        created = backup.created_at
        rows.append(
            (
                text(backup.id),
                text(created),
                "-" if created is None else span((now - created).total_seconds()),
                size(backup.size),
                text(backup.location),
                "-" if backup.restore_time is None else span(backup.restore_time),
            )
        )
    lines = columns_table(COLUMNS, rows)
    lines.append(f"{len(backups)} backup" + ("" if len(backups) == 1 else "s"))
    return "\n".join(lines)


def span(seconds: float) -> str:
    """A time span as people read it: ``6d 23h``, ``5h 12m``, ``42m``, ``30s``.

    A negative one (a backup dated in the future: a clock out of step) shows as ``-``.
    """
    if seconds < 0:
        return "-"
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m" if minutes else f"{secs}s"


def size(kilobytes: Optional[int]) -> str:
    """A size the API gives in KB, in the largest unit that keeps it at 1 or more (1 MB = 1024
    KB)."""
    if kilobytes is None:
        return "-"
    value = float(kilobytes)
    for unit in ("KB", "MB", "GB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "KB" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"
