"""The dashboard plugin's package, importable from tests: Airflow puts `plugins/` on sys.path for
its own processes, the tests do the same here once instead of in every module."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO / "plugins") not in sys.path:
    sys.path.insert(0, str(REPO / "plugins"))

from hospital_dashboard import (  # noqa: E402
    charts,
    empty,
    links,
    queries,
    summary,
    timecharts,
    webapp,
)

__all__ = [
    "REPO", "charts", "empty", "links", "queries", "summary", "timecharts", "webapp",
]  # fmt: skip
