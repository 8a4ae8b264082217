"""How much admission history the study's arrival intensity reads, and for what."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from hospital_twin.capacity import inputs, intensity
from hospital_twin.config import load_config

CONFIG = load_config("default")
ORIGIN = dt.date(2025, 12, 31)


def _history(arrivals: np.ndarray) -> pd.DataFrame:
    dates = pd.date_range(end=ORIGIN, periods=len(arrivals), freq="D").date
    return pd.DataFrame({"sim_date": dates, "requested_ward": "Oncology", "arrivals": arrivals})


def _forecast(days: int = 28) -> pd.DataFrame:
    dates = pd.date_range(ORIGIN + dt.timedelta(days=1), periods=days, freq="D")
    return pd.DataFrame({"stream": "admissions:Oncology", "method": "arrivals-lgbm-poisson",
                         "origin_date": ORIGIN, "target_date": dates, "mean": 6.0,
                         "lo80": 3.0, "hi80": 9.0})  # fmt: skip


def test_the_study_reads_two_years_and_the_recent_level_scores_a_year_long_window() -> None:
    """Two years of track record: the year-long window can be scored (it needs a year before
    its first cut), so a steady stream's level averages over about half a year (with one
    year read, the windows stopped at 182 days and the mean window was about 105)."""
    assert inputs.HISTORY_DAYS == intensity.TRACK_RECORD_DAYS >= 2 * 364
    rng = np.random.default_rng(4)
    history = _history(rng.poisson(6.0, inputs.HISTORY_DAYS))
    dates = pd.date_range(ORIGIN + dt.timedelta(days=1), periods=28, freq="D")
    los = inputs.los_for_ward(CONFIG, "Oncology", pd.DataFrame(columns=["ward", "stay_days",
                                                                        "censored"]))  # fmt: skip
    _, source = intensity.ward_intensity(CONFIG, "Oncology", los, dates, _forecast()[:0], history)
    window = int(source.split("(")[1].split(" days")[0])
    assert window > 150, source
