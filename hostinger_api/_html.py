"""Compact HTML tables for Jupyter: what ``_repr_html_`` of the models and ``ApiResponse`` shows.

Every value is escaped, so a field the service fills with markup is shown, not rendered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from pydantic import BaseModel

_TABLE = '<table style="border-collapse:collapse;text-align:left">{}</table>'
_TITLE = '<caption style="text-align:left;font-weight:bold">{}</caption>'
_CELL = '<td style="padding:1px 8px;vertical-align:top">{}</td>'
_HEAD = '<th style="padding:1px 8px;text-align:left">{}</th>'


def fields_table(title: str, fields: Iterable[tuple[str, Any]]) -> str:
    """A two-column table: one row per field, its name and its value."""
    rows = "".join(
        f"<tr>{_HEAD.format(escape(name))}{_CELL.format(cell(value))}</tr>"
        for name, value in fields
    )
    caption = _TITLE.format(escape(title)) if title else ""
    return _TABLE.format(caption + rows)


def badge(text: str, colour: str) -> str:
    """A word in white on a coloured background (a verdict, an outcome): seen at a glance."""
    return (
        f'<span style="background:{colour};color:#fff;padding:0 6px;border-radius:3px;'
        f'font-weight:bold">{escape(text)}</span>'
    )


def cell(value: Any) -> str:
    """One value as HTML: models and mappings as nested tables, lists of models as a grid."""
    if isinstance(value, BaseModel):
        return fields_table(type(value).__name__, iter(value))
    if isinstance(value, Mapping):
        return fields_table("", value.items())
    if isinstance(value, list) and value and all(isinstance(item, BaseModel) for item in value):
        return _grid(value)
    if value is None:
        return '<span style="opacity:0.5">None</span>'
    return escape(str(value))


def _grid(items: list[BaseModel]) -> str:
    """Models side by side: a column per field any of them has, a row per model."""
    columns = list(dict.fromkeys(name for item in items for name, _ in item))
    head = "".join(_HEAD.format(escape(name)) for name in columns)
    rows = "".join(
        "<tr>"
        + "".join(_CELL.format(cell(getattr(item, name, None))) for name in columns)
        + "</tr>"
        for item in items
    )
    return _TABLE.format(f"<tr>{head}</tr>{rows}")
