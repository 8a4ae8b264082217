"""Server-side SVG charts over simulated days: hospital occupancy, occupancy per ward against its
beds, and ED arrivals against the forecast with its 80 % / 95 % bands.

One drawing routine (`_TimeFrame`) places days and values, so every chart has the same axes,
labels that stay inside the picture (the first and last date anchor to their edge) and one
`data-points` attribute: how many days its main series plots, which the browser test compares
with the warehouse. Text goes through `html.escape`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape
from typing import Any

from markupsafe import Markup

from .charts import _f, _nice_ticks, fmt_pct, level
from .empty import empty_state


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _top(value: float) -> float:
    """The smallest round axis maximum at or above `value` (the data never leaves the chart)."""
    ticks = _nice_ticks(0, max(value, 1.0), 4)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    return ticks[-1] if ticks[-1] >= value else ticks[-1] + step


def _axis_range(low: float, high: float) -> tuple[float, float]:
    """The value axis for data in [low, high]: from 0 when the data come down to the lower half
    of the chart, else between round ticks just outside the data. ED arrivals near 700 a day
    drawn from 0 fill a sliver at the top and a swing of 50 is invisible. The ends are made
    multiples of the tick step the axis then draws, so its lowest tick sits on the base line."""
    if low <= high / 2:
        return 0.0, _top(high)
    lo, hi = low, high
    for _ in range(4):  # a wider range may pick a coarser step: round again until it holds
        ticks = _nice_ticks(lo, hi, 4)
        step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
        rounded = step * math.floor(lo / step), step * math.ceil(hi / step)
        if rounded == (lo, hi):
            break
        lo, hi = rounded
    return lo, hi


def _day(value: Any) -> date:
    return date.fromisoformat(str(value)[:10])


@dataclass
class _TimeFrame:
    """A plot area over days [d0, d1] and values [y_min, y_max] with its axes drawn once."""

    d0: date
    d1: date
    y_max: float
    y_min: float = 0.0
    width: int = 720
    height: int = 240
    unit: str = ""
    legend: Sequence[tuple[str, str]] = ()  # (css class, text)
    parts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ml, self.mr, self.mt, self.mb = 46, 14, 26 if self.legend else 12, 26
        self.pw = self.width - self.ml - self.mr
        self.ph = self.height - self.mt - self.mb

    def x(self, d: date) -> float:
        span = (self.d1 - self.d0).days
        return self.ml + (self.pw / 2 if span == 0 else (d - self.d0).days / span * self.pw)

    def y(self, v: float) -> float:
        share = (v - self.y_min) / (self.y_max - self.y_min)
        return self.mt + self.ph - max(0.0, min(share, 1.0)) * self.ph

    def axes(self, x_labels: int) -> None:
        for t in _nice_ticks(self.y_min, self.y_max, 4):
            self.parts.append(
                f'<line class="grid" x1="{self.ml}" x2="{self.ml + self.pw}" y1="{_f(self.y(t))}" '
                f'y2="{_f(self.y(t))}"/><text class="tick" x="{self.ml - 6}" '
                f'y="{_f(self.y(t) + 4)}" text-anchor="end">{_e(_f(t))}{_e(self.unit)}</text>'
            )
        base = self.mt + self.ph
        self.parts.append(
            f'<line class="axis" x1="{self.ml}" x2="{self.ml + self.pw}" y1="{base}" y2="{base}"/>'
        )
        n = (self.d1 - self.d0).days
        picks = sorted({round(i * n / max(x_labels - 1, 1)) for i in range(x_labels)}) if n else [0]
        for i in picks:
            d = date.fromordinal(self.d0.toordinal() + i)
            anchor = "middle" if n == 0 else "start" if i == 0 else "end" if i == n else "middle"
            self.parts.append(
                f'<text class="tick" x="{_f(self.x(d))}" y="{self.height - 8}" '
                f'text-anchor="{anchor}">{_e(d.isoformat())}</text>'
            )
        x = self.ml
        for css, text in self.legend:
            self.parts.append(
                f'<rect class="swatch {css}" x="{x}" y="8" width="14" height="6"/>'
                f'<text class="legend" x="{x + 18}" y="15">{_e(text)}</text>'
            )
            x += 28 + 7 * len(text)

    def line(
        self, css: str, pts: Sequence[tuple[date, float]], name: str, dots: bool = True
    ) -> None:
        coords = " ".join(f"{_f(self.x(d))},{_f(self.y(v))}" for d, v in pts)
        self.parts.append(
            f'<polyline class="{css}" data-series="{_e(name)}" points="{coords}"/>'
            if len(pts) > 1
            else ""
        )
        if dots and len(pts) <= 120 or len(pts) == 1:
            for d, v in pts:
                self.parts.append(
                    f'<circle class="dot {css}" cx="{_f(self.x(d))}" cy="{_f(self.y(v))}" r="2.2">'
                    f"<title>{_e(d.isoformat())}: {_e(name)} {_e(_f(v))}{_e(self.unit)}</title>"
                    f"</circle>"
                )

    def band(self, css: str, rows: Sequence[tuple[date, float, float]]) -> None:
        if not rows:
            return
        upper = [f"{_f(self.x(d))},{_f(self.y(hi))}" for d, _, hi in rows]
        lower = [f"{_f(self.x(d))},{_f(self.y(lo))}" for d, lo, _ in reversed(rows)]
        self.parts.append(f'<polygon class="{css}" points="{" ".join(upper + lower)}"/>')

    def svg(self, label: str, points: int, css: str = "chart") -> Markup:
        head = (
            f'<svg class="{css}" width="{self.width}" height="{self.height}" '
            f'viewBox="0 0 {self.width} {self.height}" role="img" aria-label="{_e(label)}" '
            f'data-points="{points}"><title>{_e(label)}</title>'
        )
        return Markup(head + "".join(self.parts) + "</svg>")


def occupancy_series_chart(
    series: Sequence[dict[str, Any]], has_data: Mapping[str, bool] | None = None
) -> Markup:
    """Hospital-wide bed occupancy % per simulated day (all beds = 100 %)."""
    pts = [(_day(p["sim_date"]), float(p["bed_occupancy_pct"])) for p in series
           if p.get("bed_occupancy_pct") is not None]  # fmt: skip
    if not pts:
        return empty_state("daily", has_data)
    y_max = max(100.0, math.ceil(max(v for _, v in pts) / 10) * 10)
    frame = _TimeFrame(pts[0][0], pts[-1][0], y_max, unit="%")
    frame.axes(7)
    full = frame.y(100.0)
    frame.parts.append(
        f'<line class="beds" x1="{frame.ml}" x2="{frame.ml + frame.pw}" y1="{_f(full)}" '
        f'y2="{_f(full)}"/><text class="beds-label" x="{frame.ml + 4}" y="{_f(full - 4)}">'
        "all beds (100%)</text>"
    )
    frame.line("line", pts, "occupancy")
    last_d, last_v = pts[-1]
    frame.parts.append(
        f'<circle class="dot-last level-{level(last_v)}" cx="{_f(frame.x(last_d))}" '
        f'cy="{_f(frame.y(last_v))}" r="4.5"><title>{_e(last_d.isoformat())}: '
        f"{_e(fmt_pct(last_v))}</title></circle>"
    )
    label = f"Bed occupancy per day, {pts[0][0]} to {pts[-1][0]}"
    return frame.svg(label, len(pts))


def ward_chart(
    ward: str, rows: Sequence[dict[str, Any]], has_data: Mapping[str, bool] | None = None
) -> Markup:
    """One ward's midnight census per day against its beds (a step line: closures show)."""
    pts = [(_day(r["sim_date"]), float(r["occupancy_end"])) for r in rows]
    beds = [(_day(r["sim_date"]), float(r["beds"])) for r in rows]
    if not pts:
        return empty_state("daily", has_data)
    top = max(v for _, v in pts + beds)
    y_max = _top(top * 1.1)
    frame = _TimeFrame(
        pts[0][0], pts[-1][0], y_max, width=340, height=180,
        legend=(("s-occupied", "occupied"), ("s-beds", "beds")),
    )  # fmt: skip
    frame.axes(3)
    frame.line("beds", beds, "beds", dots=False)
    frame.line("line", pts, "occupied")
    label = f"{ward}: occupied beds at midnight against beds, {pts[0][0]} to {pts[-1][0]}"
    return frame.svg(label, len(pts), css="chart small")


def ed_forecast_chart(
    actual: Sequence[dict[str, Any]],
    forecast: Sequence[dict[str, Any]],
    has_data: Mapping[str, bool] | None = None,
) -> Markup:
    """ED arrivals per day, the forecast made for each day and the path ahead, with the 80 % and
    95 % prediction bands."""
    seen = [(_day(a["sim_date"]), float(a["arrivals"])) for a in actual
            if a.get("arrivals") is not None]  # fmt: skip
    fc = [(_day(f["target_date"]), f) for f in forecast]
    if not seen and not fc:
        return empty_state("daily", has_data)
    days = [d for d, _ in seen] + [d for d, _ in fc]
    top = max([v for _, v in seen] + [float(f["hi95"]) for _, f in fc] + [1.0])
    low = min([v for _, v in seen] + [float(f["lo95"]) for _, f in fc])
    y_min, y_max = _axis_range(low * 0.97, top * 1.03)
    frame = _TimeFrame(
        min(days), max(days), y_max, y_min, height=260,
        legend=(("s-actual", "arrivals"), ("s-forecast", "forecast"),
                ("band80", "80% band"), ("band95", "95% band")),
    )  # fmt: skip
    frame.axes(5)
    frame.band("band95", [(d, float(f["lo95"]), float(f["hi95"])) for d, f in fc])
    frame.band("band80", [(d, float(f["lo80"]), float(f["hi80"])) for d, f in fc])
    frame.line("forecast", [(d, float(f["mean"])) for d, f in fc], "forecast", dots=False)
    frame.line("line actual", seen, "arrivals")
    label = f"ED arrivals per day against the forecast, {min(days)} to {max(days)}"
    return frame.svg(label, len(seen))
