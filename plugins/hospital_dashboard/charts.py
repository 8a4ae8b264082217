"""Server-side inline SVG charts for the capacity dashboard (no JavaScript library, no CDN).

Every piece of text that reaches the markup goes through `html.escape`; numbers are formatted
here. Colours come from CSS classes in the page's stylesheet, so the charts follow its theme.
The functions return `markupsafe.Markup` so the autoescaping template inserts them verbatim.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from markupsafe import Markup

from .empty import empty_state
from .metrics import CRIT_OCCUPANCY_PCT, WARN_OCCUPANCY_PCT

SERIES_CLASSES = 6


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _f(x: float) -> str:
    """A coordinate with at most one decimal."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def fmt_num(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    if digits == 0:
        return f"{round(float(value)):,}"
    return f"{float(value):,.{digits}f}"


def fmt_pct(value: Any, digits: int = 1, fraction: bool = False) -> str:
    """`value` in percent (or a 0..1 fraction when `fraction`), e.g. '87.5%'."""
    if value is None:
        return "–"
    v = float(value) * (100.0 if fraction else 1.0)
    return f"{v:.{digits}f}%"


def level(pct: float | None) -> str:
    """CSS level of an occupancy percentage: ok < 85 % <= warn < 95 % <= crit (colours only)."""
    if pct is None:
        return "none"
    if pct >= CRIT_OCCUPANCY_PCT:
        return "crit"
    if pct >= WARN_OCCUPANCY_PCT:
        return "warn"
    return "ok"


def occupancy_bar(occupied: int, peak: int | None, beds: int, width: int = 180) -> Markup:
    """A horizontal bar: occupied beds at day end against beds, with a tick at the day's peak."""
    height = 16
    if not beds or beds <= 0:
        return Markup('<span class="muted">no beds</span>')
    frac = max(0.0, min(occupied / beds, 1.0))
    pct = occupied / beds * 100
    label = f"{occupied} of {beds} beds occupied ({pct:.1f}%)"
    parts = [
        f'<svg class="bar" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{_e(label)}">',
        f"<title>{_e(label + (f', peak {peak}' if peak is not None else ''))}</title>",
        f'<rect class="bar-bg" x="0" y="2" width="{width}" height="12" rx="3"/>',
        f'<rect class="bar-fill level-{level(pct)}" x="0" y="2" width="{_f(frac * width)}" '
        f'height="12" rx="3"/>',
    ]
    if peak is not None:
        px = max(0.0, min(peak / beds, 1.0)) * width
        px = min(max(px, 1.0), width - 1.0)
        parts.append(f'<line class="bar-peak" x1="{_f(px)}" x2="{_f(px)}" y1="0" y2="{height}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    ticks = []
    t = first
    while t <= hi + 1e-9:
        ticks.append(round(t, 10))
        t += step
    return ticks


def risk_curve_chart(
    points: Sequence[Mapping[str, Any]],
    configured_beds: Mapping[str, int | None],
    recommended_beds: Mapping[str, int | None],
    target: float | None = None,
    width: int = 720,
    height: int = 280,
    has_data: Mapping[str, bool] | None = None,
) -> Markup:
    """P(max occupancy > beds) against beds, one line per scenario.

    Filled dots meet the risk target, hollow ones do not; the dashed vertical line is the
    configured bed count, the horizontal one the run's own risk target (its parameter), the
    triangles under the axis each scenario's recommendation.
    """
    if not points:
        return empty_state("capacity", has_data)
    scenarios: list[str] = []
    for p in points:
        if p["scenario"] not in scenarios:
            scenarios.append(p["scenario"])
    klass = {s: f"s{i % SERIES_CLASSES}" for i, s in enumerate(scenarios)}
    beds_all = [int(p["beds"]) for p in points]
    marks = [b for b in (*configured_beds.values(), *recommended_beds.values()) if b is not None]
    lo, hi = min(beds_all + marks), max(beds_all + marks)
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    legend_h = 18 * math.ceil(len(scenarios) / 4)
    ml, mr, mt, mb = 46, 16, 14 + legend_h, 44
    pw, ph = width - ml - mr, height - mt - mb

    def x(b: float) -> float:
        return ml + (b - lo) / (hi - lo) * pw

    def y(p: float) -> float:
        return mt + ph - max(0.0, min(p, 1.0)) * ph

    label = "Risk curve: probability that the maximum occupancy exceeds the beds, per bed count"
    out = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{_e(label)}">',
        f"<title>{_e(label)}</title>",
    ]
    for i, s in enumerate(scenarios):
        lx = ml + (i % 4) * (pw / 4)
        ly = 12 + 18 * (i // 4)
        out.append(
            f'<rect class="swatch {klass[s]}" x="{_f(lx)}" y="{ly - 9}" width="14" height="4"/>'
            f'<text class="legend" x="{_f(lx + 20)}" y="{ly}">{_e(s)}</text>'
        )
    for t in (0.0, 0.25, 0.5, 0.75, 1.0):
        out.append(
            f'<line class="grid" x1="{ml}" x2="{ml + pw}" y1="{_f(y(t))}" y2="{_f(y(t))}"/>'
            f'<text class="tick" x="{ml - 6}" y="{_f(y(t) + 4)}" text-anchor="end">'
            f"{_e(_f(t * 100))}%</text>"
        )
    for t in _nice_ticks(lo, hi, 8):
        if t != int(t):
            continue
        out.append(
            f'<line class="axis" x1="{_f(x(t))}" x2="{_f(x(t))}" y1="{mt + ph}" '
            f'y2="{mt + ph + 4}"/>'
            f'<text class="tick" x="{_f(x(t))}" y="{mt + ph + 24}" text-anchor="middle">'
            f"{_e(int(t))}</text>"
        )
    out.append(
        f'<line class="axis" x1="{ml}" x2="{ml + pw}" y1="{mt + ph}" y2="{mt + ph}"/>'
        f'<text class="axis-label" x="{ml + pw / 2}" y="{height - 4}" text-anchor="middle">'
        f"beds</text>"
    )
    configured = sorted({b for b in configured_beds.values() if b is not None})
    for b in configured:
        # The label sits on the side of the line with room for it: never cut at the edge.
        right = x(b) < ml + pw / 2
        out.append(
            f'<line class="configured" x1="{_f(x(b))}" x2="{_f(x(b))}" y1="{mt}" '
            f'y2="{mt + ph}"/>'
            f'<text class="configured-label" x="{_f(x(b) + (4 if right else -4))}" '
            f'y="{mt + 12}" text-anchor="{"start" if right else "end"}">'
            f"configured {_e(b)}</text>"
        )
    if target is not None:
        ty = y(target)
        out.append(
            f'<line class="target" x1="{ml}" x2="{ml + pw}" y1="{_f(ty)}" y2="{_f(ty)}"/>'
            f'<text class="target-label" x="{ml + pw - 4}" y="{_f(ty - 4)}" text-anchor="end">'
            f"risk target {_e(fmt_pct(target, 1, fraction=True))}</text>"
        )
    for s in scenarios:
        pts = [p for p in points if p["scenario"] == s]
        coords = " ".join(f"{_f(x(p['beds']))},{_f(y(p['p_over']))}" for p in pts)
        out.append(f'<polyline class="series {klass[s]}" points="{coords}"/>')
        for p in pts:
            kind = "met" if p.get("meets_target") else "unmet"
            tip = f"{s}: {p['beds']} beds, P(over) {fmt_pct(p['p_over'], 1, fraction=True)}" + (
                " (meets target)" if p.get("meets_target") else ""
            )
            out.append(
                f'<circle class="pt {kind} {klass[s]}" cx="{_f(x(p["beds"]))}" '
                f'cy="{_f(y(p["p_over"]))}" r="3.5"><title>{_e(tip)}</title></circle>'
            )
        rec = recommended_beds.get(s)
        if rec is not None:
            rx, ry = x(rec), mt + ph + 1
            out.append(
                f'<path class="rec {klass[s]}" d="M{_f(rx)},{_f(ry)} l5,9 h-10 z">'
                f"<title>{_e(s)}: recommended {_e(rec)} beds</title></path>"
            )
    out.append("</svg>")
    return Markup("".join(out))
