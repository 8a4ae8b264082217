"""Named random streams: one numpy Generator per (base seed, simulated date, stream name).

Every source of randomness draws from its own stream, so changing one part of the model does
not reshuffle the others, re-running a date reproduces it exactly, and scenario comparisons
use common random numbers.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np


def stream(base_seed: int, sim_date: dt.date | str | None, name: str) -> np.random.Generator:
    """The Generator for `name` on `sim_date` (None for date-independent setup streams)."""
    day = "" if sim_date is None else str(sim_date)[:10]
    digest = hashlib.sha256(f"{day}|{name}".encode()).digest()
    words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([base_seed, *words])))
