"""The dashboard plugin's package, importable from tests: Airflow puts `plugins/` on sys.path for
its own processes, the tests do the same here once instead of in every module."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO / "plugins") not in sys.path:
    sys.path.insert(0, str(REPO / "plugins"))

from hospital_dashboard import charts, links, queries, summary, timecharts, webapp  # noqa: E402

__all__ = ["REPO", "charts", "links", "queries", "summary", "timecharts", "webapp"]
