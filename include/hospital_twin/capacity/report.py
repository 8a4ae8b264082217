"""Risk-curve report: one PNG of P(max occupancy > beds) per ward and an HTML page around it.

A planner reads, per ward, how the overflow risk falls as beds are added, under each
scenario, against the risk target; the HTML repeats the numbers (recommended beds, the risk
at the configured beds) so the page is useful without the picture.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def _targets(path: str | Path) -> tuple[Path, Path]:
    path = Path(path)
    if path.suffix in (".png", ".html"):
        base = path.with_suffix("")
    else:
        path.mkdir(parents=True, exist_ok=True)
        base = path / "risk_curves"
    base.parent.mkdir(parents=True, exist_ok=True)
    return base.with_suffix(".png"), base.with_suffix(".html")


def plot_risk_curves(curves: pd.DataFrame, png: Path, target: float | None) -> None:
    wards = list(dict.fromkeys(curves["ward"]))
    cols = min(4, len(wards))
    rows = math.ceil(len(wards) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    by_scenario = "scenario" in curves and curves["scenario"].nunique() > 0
    for ax, ward in zip(axes.ravel(), wards, strict=False):
        part = curves[curves["ward"] == ward]
        groups = part.groupby("scenario") if by_scenario else [("", part)]
        for name, g in groups:
            ax.plot(g["beds"], g["p_over"], marker=".", label=str(name) or "p_over")
        if target is not None:
            ax.axhline(target, color="grey", linestyle="--", linewidth=1)
        ax.set_title(ward, fontsize=10)
        ax.set_xlabel("beds")
        ax.set_ylabel("P(max occupancy > beds)")
        ax.set_ylim(-0.02, 1.02)
    for ax in axes.ravel()[len(wards) :]:
        ax.set_visible(False)
    axes.ravel()[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=90)
    plt.close(fig)


def risk_report(
    curves: pd.DataFrame,
    path: str | Path,
    target: float | None = None,
    recommendations: pd.DataFrame | None = None,
    title: str = "Bed capacity risk",
    refusal_target: float | None = None,
) -> tuple[Path, Path]:
    """Write `<path>.png` and `<path>.html` (or risk_curves.* inside a directory `path`);
    `refusal_target` is what the recommendations meet (`recommend`), said above them."""
    png, page = _targets(path)
    plot_risk_curves(curves, png, target)
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if target is not None:
        parts.append(
            f"<p>Short-term risk target (the curves' line, from the origin day's census): "
            f"P(max midnight census over the horizon &gt; beds) &le; {target:g}</p>"
        )
    if refusal_target is not None:
        parts.append(
            "<p>Recommended beds: the fewest at which at most "
            f"{refusal_target:.1%} of the admissions find every bed taken (refused or boarding "
            "in the ED), in the steady state of the ward's demand (its last year's rate; "
            "Erlang loss): a planning figure, not today's census.</p>"
        )
    parts.append(f"<img src='{html.escape(png.name)}' alt='risk curves'>")
    if recommendations is not None:
        parts += ["<h2>Recommendations</h2>", recommendations.to_html(index=False)]
    parts += ["<h2>Risk curves</h2>", curves.to_html(index=False, float_format="%.4f")]
    parts.append("</body></html>")
    page.write_text("\n".join(parts))
    return png, page
