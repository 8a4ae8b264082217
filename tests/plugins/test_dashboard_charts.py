"""The dashboard's SVG charts and number formats: shapes drawn to scale, one plotted point per
day, labels kept inside the picture, the risk target drawn from the run's parameter, warehouse
text escaped, occupancy levels and placeholders for missing values."""

from __future__ import annotations

import re

from tests.plugins.dashboard_package import charts, empty, timecharts

EVIL = "<script>alert(1)</script>"


def _points(svg: str, css: str) -> int:
    match = re.search(rf'<polyline class="{css}"[^>]* points="([^"]*)"', svg)
    return len(match.group(1).split()) if match else 0


def _days(n: int) -> list[str]:
    return [f"2099-01-{i:02d}" for i in range(1, n + 1)]


def test_occupancy_bar_to_scale() -> None:
    bar = charts.occupancy_bar(18, 20, 20)
    assert "<svg" in bar and "level-warn" in bar and "bar-peak" in bar
    assert 'width="162"' in bar  # 18/20 of 180 px


def test_time_charts_plot_one_point_per_day_and_keep_their_date_labels_inside() -> None:
    series = [{"sim_date": d, "bed_occupancy_pct": 70 + i} for i, d in enumerate(_days(14))]
    svg = timecharts.occupancy_series_chart(series)
    assert 'data-points="14"' in svg and _points(svg, "line") == 14
    assert "2099-01-01 to 2099-01-14" in svg  # the title says the real span
    assert 'text-anchor="start">2099-01-01<' in svg and 'text-anchor="end">2099-01-14<' in svg
    assert "target" not in svg  # no occupancy target fixed in the code

    rows = [{"sim_date": d, "beds": 10 if i < 5 else 8, "occupancy_end": 7, "peak_occupancy": 9}
            for i, d in enumerate(_days(9))]  # fmt: skip
    ward = timecharts.ward_chart(EVIL, rows)
    assert 'data-points="9"' in ward and _points(ward, "line") == 9 and _points(ward, "beds") == 9
    assert "<script>" not in ward and "&lt;script&gt;" in ward

    actual = [{"sim_date": d, "arrivals": 10 + i} for i, d in enumerate(_days(5))]
    forecast = [{"target_date": d, "mean": 12, "lo80": 9, "hi80": 15, "lo95": 7, "hi95": 18}
                for d in _days(8)[1:]]  # fmt: skip
    ed = timecharts.ed_forecast_chart(actual, forecast)
    assert 'data-points="5"' in ed and _points(ed, "line actual") == 5
    assert _points(ed, "forecast") == 7
    assert ed.count('class="band80"') == 1 and ed.count('class="band95"') == 1
    assert "2099-01-01 to 2099-01-08" in ed
    assert _ticks(ed)[0] == 0  # counts that come near zero are drawn from zero

    # Arrivals near 700 a day: the axis starts at a round value below the lowest band, not at 0,
    # and every point and band stays inside the plot.
    actual = [{"sim_date": d, "arrivals": 690 + 10 * (i % 3)} for i, d in enumerate(_days(5))]
    forecast = [{"target_date": d, "mean": 700, "lo80": 660, "hi80": 740, "lo95": 640,
                 "hi95": 760} for d in _days(8)[1:]]  # fmt: skip
    ed = timecharts.ed_forecast_chart(actual, forecast)
    ticks = _ticks(ed)
    assert 0 < ticks[0] < 640 and 760 <= ticks[-1] <= 800
    base = float(re.search(r'<line class="axis"[^>]* y1="([\d.]+)"', ed).group(1))
    assert _tick_y(ed, ticks[0]) == base  # the lowest tick is labelled on the base line
    ys = [float(y) for y in re.findall(r'<circle class="dot line actual"[^>]* cy="([\d.]+)"', ed)]
    assert len(ys) == 5 and max(ys) - min(ys) > 20  # a swing of 20 arrivals shows


def _tick_y(svg: str, value: float) -> float:
    """Where the y axis labels `value` (its grid line)."""
    label = re.escape(f"{value:g}")
    return float(re.search(rf'y1="([\d.]+)" y2="[\d.]+"/><text class="tick"[^>]*>{label}<', svg)[1])


def _ticks(svg: str) -> list[float]:
    """The y axis's tick values, bottom to top."""
    return sorted(float(t) for t in re.findall(r'text-anchor="end">([\d.]+)</text>', svg))


def test_risk_curve_draws_the_runs_target_and_keeps_labels_inside() -> None:
    pts = [{"scenario": EVIL, "beds": b, "p_over": p, "meets_target": p <= 0.05}
           for b, p in ((300, 0.5), (320, 0.1), (330, 0.01))]  # fmt: skip
    curve = charts.risk_curve_chart(pts, {EVIL: 330}, {EVIL: 330}, target=0.07)
    assert "<script>" not in curve and "&lt;script&gt;" in curve
    assert curve.count("<polyline") == 1
    # The configured line sits at the right edge: its label is anchored to end there.
    assert re.search(r'text-anchor="end">configured 330<', curve)
    assert "risk target 7.0%" in curve and 'class="target"' in curve
    assert "risk target" not in charts.risk_curve_chart(pts, {EVIL: 300}, {}, target=None)
    assert charts.risk_curve_chart([], {}, {}) == empty.empty_state("capacity")


def test_empty_charts_say_what_to_run_the_one_way() -> None:
    days = {"daily": True, "capacity": False}
    assert timecharts.occupancy_series_chart([]) == empty.empty_state("daily")
    assert timecharts.ed_forecast_chart([], [], days) == empty.empty_state("daily", days)
    assert timecharts.ward_chart("W", []) == empty.empty_state("daily")
    assert "run hospital_capacity_scenarios." in charts.risk_curve_chart([], {}, {}, has_data=days)


def test_levels_and_formats() -> None:
    assert [charts.level(v) for v in (None, 50, 85, 94.9, 95)] == [
        "none", "ok", "warn", "warn", "crit",
    ]  # fmt: skip
    assert charts.fmt_pct(0.1234, 1, fraction=True) == "12.3%"
    assert charts.fmt_num(None) == "–"
    assert charts.fmt_num(1234.4) == "1,234"
