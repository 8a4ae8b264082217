"""The small reference dimensions every fact refers to: wards (`dw.dim_ward`) and receiving
facilities (`dw.dim_facility`), both read straight from the hospital's config.

Inpatient wards carry their beds and length-of-stay distribution; outpatient services are
listed beside them with no beds and a daily capacity, so a visit's department and an
admission's ward name rows of one table.
"""

from __future__ import annotations

import pandas as pd

from hospital_twin.config import HospitalConfig


def wards_frame(config: HospitalConfig) -> pd.DataFrame:
    """dim_ward rows: the inpatient wards, then the outpatient services."""
    inpatient = pd.DataFrame(
        [
            {
                "ward": w.name,
                "department": w.department,
                "kind": "inpatient",
                "beds": w.beds,
                "daily_capacity": None,
                "los_dist": w.los.dist,
                "los_mean_days": w.los.mean_days,
                "los_sd_days": w.los.sd_days,
            }
            for w in config.wards
        ]
    )
    outpatient = pd.DataFrame(
        [
            {
                "ward": name,
                "department": name,
                "kind": "outpatient",
                "beds": 0,
                "daily_capacity": cap,
                "los_dist": None,
                "los_mean_days": None,
                "los_sd_days": None,
            }
            for name, cap in config.visits.outpatient_capacity.items()
        ]
    )
    return pd.concat([inpatient, outpatient], ignore_index=True).astype({"daily_capacity": "Int64"})


def facilities_frame(config: HospitalConfig) -> pd.DataFrame:
    """dim_facility rows: where patients are transferred or transported to, by kind."""
    return pd.DataFrame(
        [
            {"facility": f, "kind": kind}
            for kind, names in config.events.destinations.items()
            for f in names
        ]
    )
