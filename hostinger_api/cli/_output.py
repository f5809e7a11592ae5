"""How results look: short tables, the ``--json`` document, and the progress of a wait.

Only formatting lives here; which stream a text goes to is the commands' business.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from typing import Any, TextIO

from pydantic import BaseModel

from hostinger_api.models.vpsv1_action_action_resource import VPSV1ActionActionResource
from hostinger_api.models.vpsv1_action_list_response import VPSV1ActionListResponse
from hostinger_api.models.vpsv1_virtual_machine_virtual_machine_resource import (
    VPSV1VirtualMachineVirtualMachineResource,
)


def shown(model: BaseModel, *, as_json: bool) -> str:
    """A result as printed: one JSON document, or the table that suits the model."""
    if as_json:
        return json.dumps(document(model), indent=2)
    if isinstance(model, VPSV1ActionListResponse):
        return actions_table(model)
    if isinstance(model, VPSV1VirtualMachineVirtualMachineResource):
        return vm_table(model)
    return fields_table(model)


def document(model: BaseModel) -> Any:
    """A model as ``--json`` prints it: the fields the service sent, unknown ones included."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def text(value: Any) -> str:
    """A cell: ``-`` for nothing, ISO 8601 for times."""
    if value is None:
        return "-"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def fields_table(model: BaseModel) -> str:
    return pairs_table([(name, text(value)) for name, value in model])


def pairs_table(pairs: list[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in pairs)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in pairs)


def columns_table(columns: tuple[str, ...], cells: Sequence[tuple[str, ...]]) -> list[str]:
    """Lines of a table with a header row, each column as wide as its widest cell."""
    rows = [columns, *cells]
    widths = [max(len(row[index]) for row in rows) for index in range(len(columns))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows
    ]


def actions_table(page: VPSV1ActionListResponse) -> str:
    columns = ("id", "name", "state", "created_at", "updated_at")
    lines = columns_table(
        columns,
        [tuple(text(getattr(action, column)) for column in columns) for action in page.data or []],
    )
    meta = page.meta
    if meta is not None and meta.total is not None and meta.per_page:
        pages = max(1, math.ceil(meta.total / meta.per_page))
        noun = "action" if meta.total == 1 else "actions"
        lines.append(f"page {meta.current_page} of {pages}, {meta.total} {noun} in all")
    return "\n".join(lines)


def vms_table(machines: list[VPSV1VirtualMachineVirtualMachineResource]) -> str:
    lines = columns_table(
        ("id", "hostname", "state", "plan", "ipv4"),
        [
            tuple(text(value) for value in (vm.id, vm.hostname, vm.state, vm.plan, vm.first_ipv4()))
            for vm in machines
        ],
    )
    noun = "virtual machine" if len(machines) == 1 else "virtual machines"
    lines.append(f"{len(machines)} {noun}")
    return "\n".join(lines)


def vm_table(vm: VPSV1VirtualMachineVirtualMachineResource) -> str:
    """The VM's fields, its addresses and template by name: ``--json`` has every detail."""
    pairs = []
    for name, value in vm:
        if name in ("ipv4", "ipv6") and value:
            shown_value = ", ".join(text(address.address) for address in value)
        elif name == "template" and value is not None:
            shown_value = text(value.name)
        else:
            shown_value = text(value)
        pairs.append((name, shown_value))
    return pairs_table(pairs)


class StatusLine:
    """Progress on stderr: on a terminal, one line redrawn in place; elsewhere (a CI log), lines
    written one after another, which the subclass chooses."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.redraw = stream.isatty()
        self._drawn = False

    def draw(self, line: str) -> None:
        """Replace the line on the terminal."""
        self._stream.write(f"\r\x1b[K{line}")
        self._stream.flush()
        self._drawn = True

    def write(self, line: str) -> None:
        """Add a line to the log."""
        self._stream.write(f"{line}\n")
        self._stream.flush()

    def end(self) -> None:
        """Move past the redrawn line, so that what follows starts on a line of its own."""
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False


class Progress(StatusLine):
    """The state of a waited-for action and the time so far: redrawn at every poll on a
    terminal, a line per change of state otherwise."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._started = time.monotonic()
        self._last_state: object = None

    def update(self, action: VPSV1ActionActionResource) -> None:
        line = (
            f"action {action.id} {action.name}: {action.state} "
            f"({time.monotonic() - self._started:.1f} s)"
        )
        if self.redraw:
            self.draw(line)
        elif action.state != self._last_state:
            self.write(line)
        self._last_state = action.state
