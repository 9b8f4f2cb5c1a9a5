"""The model report's HTML pieces shared by `scoring.report` and `scoring.report_sections`:
escaped text, numbers at four decimals, and tables."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np


def esc(value: object) -> str:
    """`value` as text safe inside HTML and its attributes."""
    return html.escape(str(value), quote=True)


def fmt(value: object) -> str:
    """A cell's text: floats at four decimals, anything else escaped."""
    if isinstance(value, float | np.floating):
        return f"{float(value):.4f}"
    return esc(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An HTML table with a header row."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{fmt(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
