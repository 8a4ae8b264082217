"""Benchmark: the vectorised population + illness profiles against a naive per-row loop.

The vectorised path is what setup runs (population.generate_population, then
illness.assign_illness_profiles). The baseline is what the seed did: a Python loop calling
Faker for each person's name and address and computing each ID number digit by digit; it runs
on a small sample and is extrapolated as people per second.

    .venv/bin/python benchmarks/bench_population.py --people 5000000 --baseline-sample 2000

Prints readable lines, then one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import time

import numpy as np
import pandas as pd
from faker import Faker

from hospital_twin.config import HospitalConfig, load_config
from hospital_twin.rng import stream
from hospital_twin.setup.illness import BAND_COLUMNS, CONDITIONS, age_band, assign_illness_profiles
from hospital_twin.setup.population import FEMALE_SHARE, generate_population


def naive_sa_id(birth: dt.date, male: bool, sequence: int) -> str:
    """One ID number the slow way: string building and a per-digit Luhn loop."""
    body = f"{birth:%y%m%d}{sequence + (5000 if male else 0):04d}08"
    total = 0
    for i, ch in enumerate(body):
        d = int(ch) * (2 if i % 2 == 1 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def naive_people(config: HospitalConfig, n: int) -> pd.DataFrame:
    """The seed's approach: one Faker call per field, one dict per person."""
    rng = stream(config.seed, None, "bench.baseline")
    fake = Faker("zu_ZA")
    fake.seed_instance(int(rng.integers(2**31)))
    start, spec = config.simulation.start_date, config.population
    rows = []
    for person_id in range(1, n + 1):
        male = rng.random() >= FEMALE_SHARE
        age = int(rng.integers(spec.min_age, spec.max_age + 1))
        birth = start - dt.timedelta(days=age * 365 + int(rng.integers(0, 365)))
        weights = CONDITIONS[BAND_COLUMNS[int(age_band(np.array([age]))[0])]].to_numpy()
        condition = CONDITIONS.iloc[rng.choice(len(CONDITIONS), p=weights / weights.sum())]
        rows.append(
            {
                "person_id": person_id,
                "sa_id": naive_sa_id(birth, male, int(rng.integers(0, 5000))),
                "first_name": fake.first_name_male() if male else fake.first_name_female(),
                "last_name": fake.last_name(),
                "sex": "M" if male else "F",
                "birth_date": birth,
                "age": age,
                "street_address": fake.street_address(),
                "city": fake.city(),
                "postal_code": fake.postcode(),
                "province": spec.province,
                "condition": condition["condition"],
                "department": condition["department"],
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5_000_000)
    parser.add_argument("--baseline-sample", type=int, default=2_000)
    parser.add_argument("--profile", default="default")
    args = parser.parse_args()
    config = load_config(args.profile)

    t0 = time.perf_counter()
    people = generate_population(config, size=args.people)
    t1 = time.perf_counter()
    profiles = assign_illness_profiles(config, people)
    t2 = time.perf_counter()
    seconds = t2 - t0
    rate = args.people / seconds
    print(f"vectorised: {args.people:,} people with illness profiles in {seconds:.2f} s "
          f"({rate:,.0f} people/s)")  # fmt: skip
    print(f"  generate_population {t1 - t0:.2f} s, assign_illness_profiles {t2 - t1:.2f} s, "
          f"{len(profiles):,} profiles")  # fmt: skip
    del people, profiles
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    b0 = time.perf_counter()
    naive_people(config, args.baseline_sample)
    base_seconds = time.perf_counter() - b0
    base_rate = args.baseline_sample / base_seconds
    print(f"baseline (per-row Faker loop): {args.baseline_sample:,} people in "
          f"{base_seconds:.2f} s ({base_rate:,.0f} people/s)")  # fmt: skip
    print(f"speed-up: {rate / base_rate:,.0f}x; peak memory {peak_mb:,.0f} MB")
    print(
        json.dumps(
            {
                "people": args.people,
                "seconds": round(seconds, 3),
                "people_per_s": round(rate),
                "population_seconds": round(t1 - t0, 3),
                "illness_seconds": round(t2 - t1, 3),
                "baseline_people": args.baseline_sample,
                "baseline_seconds": round(base_seconds, 3),
                "baseline_people_per_s": round(base_rate),
                "speedup": round(rate / base_rate, 1),
                "peak_rss_mb": round(peak_mb),
            }
        )
    )


if __name__ == "__main__":
    main()
