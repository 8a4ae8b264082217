"""
### Capacity scenarios — Monte Carlo beds versus overflow risk

Weekly over simulated time (a backfill makes one run per simulated Monday; the wall clock
never makes one), and on demand from **Trigger** with a form. The study starts
from the latest simulated day (its census: patients in beds leave according to their
remaining stay given the days already spent), uses the latest arrival forecast per ward
(with its uncertainty) and lengths of stay fitted from the warehouse's admissions.

For each scenario × ward it simulates thousands of futures (vectorised numpy) and reports, per
bed level: P(max occupancy > beds), P(> 95 % of beds), p95 of max occupancy, mean overflow
days (the short-term risk, from today's census), and recommends the fewest beds at which at
most the form's refusal target of the admissions find every bed taken in the steady state of
the ward's demand (its last year's rate; capacity/recommend.py). A patient-by-patient SimPy
simulation on the same inputs cross-checks each recommended level, with as many replications
as its own 95 % interval needs (16, then more while it is wider than ±10 points, at most 40,
or 120 while the Monte Carlo's figure lies outside it);
the dashboard shows the interval beside the figure.

Work fans out with dynamic task mapping (one mapped task per scenario × chunk of wards, the
form's *wards per mapped task*), so a Celery deployment spreads it over workers. A task process
is a fork of a scheduler that has imported the task modules (scripts/airflow_preloaded.py), yet
each mapped task still costs about half a CPU-second (its DAG parse, its supervisor, reading
the inputs and fitting the LOS again): the default 6 wards per task makes 2 tasks a scenario,
6 for the form's three (measured: 18.4 task CPU-s, against 20.9 for 9 tasks and 17.5 for 3;
one task a scenario would leave a core idle when a single scenario is asked for).

Results: `capacity.run`, `capacity.risk_curve`, `capacity.recommendation`, and a PNG/HTML
report in the lake's `reports/<run id>/`; the *Capacity dashboard* shows the latest run.

Scenarios live in `include/hospital_twin/configs/scenarios/*.yaml`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from airflow.sdk import Asset, Param, dag, task
from common.glue import lake, sim_day, warehouse
from simulated_days import EARLIEST, WEEKLY, SimulatedDays

from hospital_twin.contracts import DAILY_ASSET_URI, study_form

log = logging.getLogger(__name__)


def _refused_not_clamped(schema: dict) -> dict:
    """The field's JSON schema with its numeric bounds moved under `allOf`.

    Airflow's trigger form clamps a number field to the schema's top-level minimum/maximum
    when it loses focus, so a risk target of 2 silently became 0.5 and 0 runs became 100.
    Nested in `allOf` the form does not read the bounds, but Airflow still validates them when
    the run is created: the value is refused (400, naming the field and the limit) and no run
    exists. The description keeps stating the bounds.
    """
    bounds = {k: schema[k] for k in ("minimum", "maximum") if k in schema}
    if not bounds:
        return schema
    rest = {k: v for k, v in schema.items() if k not in bounds}
    return {**rest, "allOf": [bounds]}


def _cpu_note(stage: str) -> None:
    """Log the CPU seconds this task process has used so far (DAG parse, imports, work): on a
    shared machine the wall time says more about the neighbours than about the task."""
    log.info("%s: %.1f s CPU in this task process", stage, time.process_time())


def _study(params):
    from airflow.sdk.exceptions import AirflowFailException

    from hospital_twin.contracts import StudyParamsError, parse_study_params
    from hospital_twin.tasks import capacity
    from hospital_twin.tasks.setup import setup_config

    try:
        # Airflow refuses out-of-range values and unknown scenarios at run creation (400) but
        # passes unknown keys through: refuse them here, before the lake is read.
        parse_study_params(dict(params))
        _, config = setup_config(lake())
        return config, capacity.validate_params(dict(params), config)
    except StudyParamsError as e:  # a retry cannot fix the form: fail now
        raise AirflowFailException(str(e)) from e


@dag(
    dag_id="hospital_capacity_scenarios",
    schedule=SimulatedDays(WEEKLY),
    start_date=EARLIEST,
    catchup=False,
    max_active_runs=1,
    tags=["hospital-twin", "capacity"],
    default_args={"owner": "hospital-twin", "retries": 1, "retry_delay": dt.timedelta(seconds=20)},
    doc_md=__doc__,
    # The form is made from the study's parameter model (bounds, scenario names, titles), the
    # same model the tasks validate with: the form, the REST API and the tasks agree.
    params={
        name: Param(default, **_refused_not_clamped(schema))
        for name, (default, schema) in study_form().items()
    },
)
def hospital_capacity_scenarios():
    @task(inlets=[Asset(DAILY_ASSET_URI)])
    def prepare_inputs(params=None, logical_date=None, run_id=None) -> list[dict]:
        """The study's inputs as of the latest simulated day not after the run's logical date:
        arrival intensity, LOS and census per ward, written to reports/<run id>/; the work
        items to map (one mapped task per scenario and chunk of wards)."""
        from airflow.sdk.exceptions import AirflowFailException

        from hospital_twin.contracts import StudyParamsError
        from hospital_twin.tasks import capacity

        config, study = _study(params)
        with warehouse() as conn:
            # A manual trigger may carry no logical date: start from the latest day.
            not_after = sim_day(logical_date) if logical_date else dt.date.max
            try:
                origin = capacity.origin_day(conn, not_after)
            except StudyParamsError as e:  # no simulated day yet: a retry cannot make one
                raise AirflowFailException(str(e)) from e
            prepared = capacity.prepare_inputs(conn, config, lake(), run_id, origin, study)
        for ward, source in prepared["sources"].items():
            log.info("%s: arrivals from %s; LOS %s", ward, source["arrivals"], source["los"])
        log.info("origin %s, %d work items, params %s", origin, len(prepared["work"]), study)
        _cpu_note("prepare_inputs")
        return [{**item, "origin": prepared["origin"]} for item in prepared["work"]]

    # A mapped task does not take its documentation from the docstring: give it explicitly.
    @task(
        map_index_template="{{ task.op_kwargs['item']['scenario'] }}",
        doc_md="Monte Carlo risk curves of one scenario for a few wards, and their SimPy check.",
    )
    def simulate_scenario_wards(item: dict, params=None, run_id=None) -> dict:
        """Monte Carlo risk curves of one scenario for a few wards, and their SimPy check."""
        from hospital_twin.tasks import capacity

        config, study = _study(params)
        origin = dt.date.fromisoformat(item["origin"])
        result = capacity.run_chunk(
            config, lake(), run_id, origin, study, item["scenario"], item["wards"]
        )
        log.info("%s: recommended beds %s", item["scenario"], result["recommended"])
        _cpu_note("simulate_scenario_wards")
        return result

    @task
    def collect_results(work: list[dict], _chunks: list, params=None, run_id=None) -> dict:
        """Join the chunks, store the run and write the report."""
        from hospital_twin.tasks import capacity

        config, study = _study(params)
        origin = dt.date.fromisoformat(work[0]["origin"])
        with warehouse() as conn:
            summary = capacity.collect(conn, config, lake(), run_id, origin, study)
        log.info("capacity run stored: %s", summary)
        _cpu_note("collect_results")
        return summary

    work = prepare_inputs()
    chunks = simulate_scenario_wards.expand(item=work)
    collect_results(work, chunks)


hospital_capacity_scenarios()
