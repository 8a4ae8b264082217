"""The dashboard's SVG charts and number formats: shapes drawn to scale, warehouse text escaped,
occupancy levels and placeholders for missing values."""

from __future__ import annotations

from tests.plugins.dashboard_package import charts


def test_charts_escape_text_and_draw_shapes() -> None:
    bar = charts.occupancy_bar(18, 20, 20)
    assert "<svg" in bar and "level-warn" in bar and "bar-peak" in bar
    assert 'width="162"' in bar  # 18/20 of 180 px
    series = charts.occupancy_series_chart(
        [{"sim_date": f"2099-01-0{i}", "bed_occupancy_pct": 70 + i} for i in range(1, 6)]
    )
    assert series.count("<polyline") == 1 and "85% target" in series
    evil = "<script>alert(1)</script>"
    curve = charts.risk_curve_chart(
        [
            {"scenario": evil, "beds": b, "p_over": p, "meets_target": p <= 0.05}
            for b, p in ((5, 0.5), (6, 0.1), (7, 0.01))
        ],
        {evil: 6},
        {evil: 7},
    )
    assert "<script>" not in curve and "&lt;script&gt;" in curve
    assert curve.count("<polyline") == 1 and "configured 6" in curve
    assert "No risk curve" in charts.risk_curve_chart([], {}, {})
    assert "No occupancy history" in charts.occupancy_series_chart([])


def test_levels_and_formats() -> None:
    assert [charts.level(v) for v in (None, 50, 85, 94.9, 95)] == [
        "none", "ok", "warn", "warn", "crit",
    ]  # fmt: skip
    assert charts.fmt_pct(0.1234, 1, fraction=True) == "12.3%"
    assert charts.fmt_num(None) == "–"
    assert charts.fmt_num(1234.4) == "1,234"
