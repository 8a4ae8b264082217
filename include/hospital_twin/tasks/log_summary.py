"""Short aligned summaries for the end of a task's log, instead of dict dumps.

A person reading a task log wants what the task did in a few lines: names in one column, figures
right-aligned in the next (thousands separated), so the eye runs down the numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def figure(value: Any) -> str:
    """A figure as a person reads it: 3,000,000 / 0.42 / a, b."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def summary(title: str, figures: Mapping[str, Any]) -> str:
    """`title` then one line per figure: the name padded, the value right-aligned."""
    if not figures:
        return f"{title}: nothing"
    shown = {str(k): figure(v) for k, v in figures.items()}
    left = max(len(k) for k in shown)
    right = max(len(v) for v in shown.values())
    lines = [f"  {k:<{left}}  {v:>{right}}" for k, v in shown.items()]
    return "\n".join([f"{title}:", *lines])


def table(
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    left: int = 1,
    left_last: bool = False,
) -> str:
    """`title` then an aligned table: the first `left` columns (names) left-aligned, the
    figures right-aligned; `left_last` left-aligns a closing column of text too."""
    cells = [list(header)] + [[figure(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [
        "  "
        + "  ".join(
            c.ljust(widths[i])
            if i < left or (left_last and i == len(r) - 1)
            else c.rjust(widths[i])
            for i, c in enumerate(r)
        ).rstrip()
        for r in cells
    ]
    return "\n".join([f"{title}:", *lines])
