"""Length of stay: one ward's stays drawn from its configured model.

Used for the planned stay of every bed request (stream `los:<ward>`), for the new stay after a
step-down (stream `step_down`) and for the stays already under way in the warm-up census
(stream `warmup`, length-biased).
"""

from __future__ import annotations

import numpy as np

from hospital_twin.config import LengthOfStay


def draw_los(
    los: LengthOfStay, rng: np.random.Generator, n: int, length_biased: bool = False
) -> np.ndarray:
    """`n` stays in days; `length_biased` draws stays as seen in a census (∝ their length)."""
    if los.dist == "empirical":
        values = np.asarray(los.values_days, dtype=float)
        p = values / values.sum() if length_biased else None
        return rng.choice(values, size=n, p=p)
    if los.dist == "gamma":
        shape, scale = (los.mean_days / los.sd_days) ** 2, los.sd_days**2 / los.mean_days
        return rng.gamma(shape + length_biased, scale, size=n)
    sigma2 = np.log1p((los.sd_days / los.mean_days) ** 2)
    mu = np.log(los.mean_days) - sigma2 / 2
    return rng.lognormal(mu + sigma2 * length_biased, np.sqrt(sigma2), size=n)
