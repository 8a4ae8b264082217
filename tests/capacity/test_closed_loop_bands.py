"""Census band coverage of the closed loop: a count's band scored so that a calibrated
prediction covers its nominal share on a small ward too (`closed_loop.band_coverage`)."""

from __future__ import annotations

import numpy as np
import pytest

from hospital_twin.capacity import closed_loop as cl


def small_ward(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Midnight censuses of a 10-bed ward averaging about 6.5 patients (capped at its beds)."""
    return np.minimum(rng.poisson(6.5, shape), 10)


@pytest.mark.parametrize("level", [0.8, 0.95])
def test_a_calibrated_count_prediction_covers_its_nominal_share(level: float) -> None:
    rng = np.random.default_rng(7)
    predicted = small_ward(rng, (4000, 2000))  # runs x days
    seen = small_ward(rng, (1, 2000))[0]  # the truth drawn from the same law
    assert cl.band_coverage(predicted, seen, level).mean() == pytest.approx(level, abs=0.02)


def test_the_closed_band_of_a_small_ward_holds_more_than_its_level() -> None:
    """Why `band_coverage` splits ties: the closed [q10, q90] band of the same calibrated
    prediction holds far more than 80 % of the truth."""
    rng = np.random.default_rng(7)
    predicted = small_ward(rng, (4000, 2000))
    seen = small_ward(rng, (1, 2000))[0]
    lo, hi = cl.census_bands(predicted)[0.8]
    assert ((lo <= seen) & (seen <= hi)).mean() > 0.9


def test_a_census_the_runs_never_reach_is_outside_the_band_a_sure_one_80_percent_in() -> None:
    """A prediction sure of 5 patients: 2 and 9 are outside its band; 5 itself lies in the
    band for 80 % of its PIT's range, as a calibrated 80 % band must hold it."""
    predicted = np.full((100, 3), 5)
    coverage = cl.band_coverage(predicted, np.array([2, 5, 9]), 0.8)
    np.testing.assert_allclose(coverage, [0, 0.8, 0])


def test_too_narrow_a_prediction_under_covers() -> None:
    rng = np.random.default_rng(3)
    predicted = rng.poisson(200, (2000, 500))
    seen = rng.poisson(200, 500) + rng.normal(0, 20, 500).round()
    assert cl.band_coverage(predicted, seen, 0.8).mean() < 0.6
