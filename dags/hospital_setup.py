"""
### Hospital setup (run once, or again to rebuild)

Builds the twin's foundations and loads them into the warehouse:

1. **population**: people with valid South African ID numbers and illness profiles (drawn
   and loaded in one task: the COPYs start while the files are still being written; on a
   first setup the people and their illness profiles are built on connections of their own,
   beside the ID number registry, and swapped in by the load's one transaction);
2. **workforce**: first the reference dimensions (calendar, wards with bed counts, receiving
   facilities), then active staff, reserve pool, quarterly retirements and hires;
3. **schedules**: monthly rotating shifts (21-day cycle, a Senior per department per day).

Files go to the lake's `batch/`, are loaded with COPY (replacing the previous setup's rows)
and move to `processed/`. When it finishes it updates the asset `hospital://warehouse/setup`,
which `hospital_daily` checks before simulating a day.

Trigger it from the UI with a **profile** (`default`: the seeds' 3,000,000-person hospital,
`small`: a quick demo) and optionally a population size.
"""

from __future__ import annotations

import datetime as dt
import logging

import pendulum
from airflow.sdk import Asset, Param, dag, task
from common.glue import lake, stage, warehouse

from hospital_twin.config import profile_names
from hospital_twin.contracts import SETUP_ASSET_URI
from hospital_twin.tasks import log_summary

log = logging.getLogger(__name__)
SETUP_DONE = Asset(SETUP_ASSET_URI)


def _config(params):
    from hospital_twin.config import load_config

    overrides = {}
    if params.get("population_size"):
        overrides["population"] = {"size": int(params["population_size"])}
    return load_config(params["profile"], **overrides)


@dag(
    dag_id="hospital_setup",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["hospital-twin", "setup"],
    default_args={"owner": "hospital-twin", "retries": 1, "retry_delay": dt.timedelta(seconds=30)},
    doc_md=__doc__,
    params={
        "profile": Param(
            "default",
            type="string",
            enum=profile_names(),
            title="Hospital profile",
            description="Which configs/<profile>.yaml describes the hospital.",
        ),
        "population_size": Param(
            None,
            type=["null", "integer"],
            minimum=1000,
            maximum=10_000_000,
            title="Population size",
            description="Overrides the profile's population size.",
        ),
    },
)
def hospital_setup():
    @task
    def population(params=None) -> dict:
        """People with SA ID numbers and their illness profiles, drawn, written to the lake's
        batch/ and COPYed into the warehouse (replacing an earlier setup's), in one task."""
        from hospital_twin.tasks import setup

        with warehouse() as conn:
            loaded = setup.set_up_population(conn, _config(params), lake())
        log.info("%s", log_summary.summary("population built and loaded with COPY (rows)", loaded))
        return loaded

    @task
    def workforce(params=None) -> dict:
        """The reference dimensions (calendar, wards, facilities: the staff refer to them), then
        staff, the reserve pool and their quarterly retirement and hiring, written to the lake
        and COPYed into the warehouse (one task: a task process costs seconds of CPU on the
        two cores the population's load needs)."""
        from hospital_twin.tasks import setup

        with stage("reference"), warehouse() as conn:
            loaded = setup.load_reference(conn, _config(params))
            log.info("%s", log_summary.summary("reference dimensions loaded (rows)", loaded))
        built = setup.build_workforce(_config(params), lake())
        log.info("%s", log_summary.summary("workforce built", built))
        with warehouse() as conn:
            loaded = setup.load_workforce(conn, lake())
        log.info("%s", log_summary.summary("workforce loaded with COPY (rows)", loaded))
        return loaded

    @task
    def schedules(_staff: dict, params=None) -> dict:
        """Monthly 21-day rotations over the simulation calendar from each quarter's staff,
        written to the lake and COPYed into the warehouse."""
        from hospital_twin.tasks import setup

        built = setup.build_schedules(_config(params), lake())
        log.info("%s", log_summary.summary("schedules built", built))
        with warehouse() as conn:
            loaded = setup.load_schedules(conn, lake())
        log.info("%s", log_summary.summary("schedules loaded with COPY (rows)", loaded))
        return loaded

    @task(outlets=[SETUP_DONE])
    def mark_setup_done(_people: dict, _shifts: dict, params=None) -> dict:
        """Record the profile, size and seed the daily run reads; update the setup asset."""
        from hospital_twin.tasks import setup

        state = setup.record_setup(lake(), params["profile"], _config(params))
        log.info("%s", log_summary.summary("setup finished", state))
        return state

    people = population()  # the critical path: it checks the schema itself
    mark_setup_done(people, schedules(workforce()))


hospital_setup()
