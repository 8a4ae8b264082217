"""The level of a small arrival stream: windows combined by their track record, its error."""

from __future__ import annotations

import numpy as np
import pytest

from hospital_twin.forecast import level
from hospital_twin.forecast.level import best_level, local_sd

YEAR = 364


def _poisson(rate: np.ndarray, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).poisson(rate).astype(float)


def test_a_steady_stream_is_read_over_long_windows_with_its_sampling_error() -> None:
    """One admission a day, never changing: the long windows predict best, so the level is
    a long mean (not four noisy weeks), and it is typically surer than a 28-day mean (0.19).
    The error is read from a few dozen overlapping cuts: one stream's figure is noisy, hence
    five streams."""
    levels = [best_level(_poisson(np.full(2 * YEAR, 1.0), seed)) for seed in range(5)]
    assert all(level.window >= 91 for level in levels)
    assert all(level.rate == pytest.approx(1.0, rel=0.15) for level in levels)
    assert np.median([level.cv for level in levels]) < 0.15


def test_the_day_to_day_scatter_leaves_the_seasons_out() -> None:
    """A rate six times as high for half of each year scatters around its own period's mean as a
    Poisson count does; the whole history's sd counts the seasons too."""
    days = np.arange(2 * YEAR)
    rate = np.where((days // 91) % 2 == 0, 0.5, 3.0)
    counts = _poisson(rate, 1)
    assert local_sd(counts, 28) == pytest.approx(np.sqrt(1.75), rel=0.1)
    assert counts.std() > local_sd(counts, 28) * 1.25


def test_a_seasonal_stream_is_less_sure_than_its_sampling_error() -> None:
    """Seasons the windows cannot follow are an error of the level: the uncertainty carried
    into the Monte Carlo counts them (taking off the whole history's scatter as the next
    period's noise left only the sampling error)."""
    days = np.arange(2 * YEAR)
    counts = _poisson(1.5 + 0.6 * np.sin(2 * np.pi * days / YEAR), 2)
    level = best_level(counts)
    assert level.cv > 1.5 / np.sqrt(1.5 * level.window)
    assert level.cv > 0.1


def test_a_short_track_record_is_no_evidence_of_a_small_error(monkeypatch) -> None:
    """The level's error is read from the few independent periods the cuts span: its expected
    value on the next period is larger than the mean square on those periods (m / (m - 2)),
    the more so the shorter the record; taken as known, ICU's level missed by twice the
    error the Monte Carlo drew."""
    assert level.out_of_sample(np.arange(0, 337, 7), 28) == pytest.approx(13 / 11)
    assert level.out_of_sample(np.arange(0, 57, 7), 28) == pytest.approx(3.0)
    days = np.arange(2 * YEAR)
    counts = _poisson(8 + 1.2 * np.sin(2 * np.pi * days / YEAR), 3)
    widened = best_level(counts).cv
    monkeypatch.setattr(level, "out_of_sample", lambda cuts, horizon: 1.0)
    assert widened > best_level(counts).cv * 1.05
