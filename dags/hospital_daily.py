"""
### Hospital daily run — one simulated day per run

The run's **logical date is the simulated day D**. Backfill a range of dates from the UI
(*Trigger → Backfill*, the defaults work) to simulate them in order; each day starts from the
census the warehouse holds for the end of D-1. Days advance by backfill only: there is no run
for today's wall-clock date, a backwards backfill is refused, and a day whose D-1 was never
run fails at once, naming the date to run first. With *Max Active Runs* 2 in the dialog (it
starts at 1), two days overlap: D+1's simulation starts as soon as D's census is written,
while D retrains the forecaster and waits for its events.

1. `simulate_day` — the day's stages, each a section of its log:
   **visits** (`daily_visitors_D` in the lake, `dw.fact_visit`); **flow** (SimPy flow through
   triage, ED and wards with finite beds: `admissions_D.csv` in `batch/`, D's census, ward and
   discharge facts); **ingest** (validates the file, COPYs it replacing D, moves it to
   `processed/`; a bad file goes to `failed/` with a `.reason`); **publish** (emergency
   transports and transfers to Kafka, keyed by patient);
2. `retrain_and_record` — its log's sections: **forecaster** (LightGBM Poisson arrival
   forecasts, seasonal naive while the history is short, into `ml.forecast`); **events
   landed** (waits until the stream processor landed every event of D, failing with per-topic
   counts 10 minutes after publishing); **recorded** (marks D complete and updates the asset
   `hospital://warehouse/daily`).

Re-running D (clear the run) replaces D's rows: the warehouse ends the same.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import Asset, dag, task
from common.glue import lake, sim_day, stage, warehouse
from simulated_days import EARLIEST, SimulatedDays

from hospital_twin.contracts import DAILY_ASSET_URI, DAILY_DAG_ID, SETUP_ASSET_URI

LANDING_TIMEOUT = dt.timedelta(minutes=10)


def _config():
    from hospital_twin.tasks.setup import setup_config

    profile, config = setup_config(lake())
    return config


def _publish(conn, config, day: dt.date) -> dict[str, int]:
    """D's events (as the flow wrote them) to their topics through the Kafka provider's hooks."""
    from airflow.providers.apache.kafka.hooks.client import KafkaAdminClientHook
    from airflow.providers.apache.kafka.hooks.produce import KafkaProducerHook

    from hospital_twin.contracts import KAFKA_CONN_ID
    from hospital_twin.day import events
    from hospital_twin.io import kafka as streaming
    from hospital_twin.tasks import daily

    streaming.ensure_topics(KafkaAdminClientHook(kafka_config_id=KAFKA_CONN_ID).get_conn)
    producer = KafkaProducerHook(kafka_config_id=KAFKA_CONN_ID).get_producer()
    by_topic = daily.build_events(conn, config, lake(), day)
    counts = {
        topic: streaming.publish(producer, topic, events.to_messages(batch))
        for topic, batch in by_topic.items()
    }
    daily.record_published(conn, day, counts)
    return counts


@dag(
    dag_id=DAILY_DAG_ID,
    schedule=SimulatedDays(),
    start_date=EARLIEST,
    max_active_runs=2,  # D+1 simulates while D retrains and waits for its events
    tags=["hospital-twin", "daily"],
    default_args={"owner": "hospital-twin", "retries": 1, "retry_delay": dt.timedelta(seconds=20)},
    doc_md=__doc__,
)
def hospital_daily():
    @task(inlets=[Asset(SETUP_ASSET_URI)])
    def simulate_day(logical_date=None, ti=None) -> dict:
        """D's visits, patient flow, admissions ingest and events to Kafka, from the census at
        the end of D-1 (waiting while D-1's own simulation is still running)."""
        from common.ordering import wait_for_day_before

        from hospital_twin.tasks import daily

        day, config = sim_day(logical_date), _config()
        with warehouse() as conn:
            origin = wait_for_day_before(conn, config, day, ti)
            with stage(f"visits of {day}"):
                visits = daily.generate_visits(conn, config, lake(), day)
            with stage(f"patient flow of {day}, from the {origin}"):
                flow = daily.simulate_flow(conn, config, lake(), day)
            with stage(f"admissions ingest of {day}"):
                ingested = daily.ingest(conn, config, lake(), day)
            with stage(f"events of {day} to Kafka"):
                published = _publish(conn, config, day)
        return {
            "visits": visits["visits"],
            "admissions": ingested["rows"],
            "refused": flow["refused"],
            "published": published,
        }

    @task(outlets=[Asset(DAILY_ASSET_URI)])
    def retrain_and_record(_simulated: dict, logical_date=None) -> dict:
        """Retrain the LightGBM Poisson arrival forecaster on history up to D (seasonal naive
        while history is short), wait until the stream processor landed every event of D,
        then mark D complete and update the daily asset."""
        from airflow.sdk.exceptions import AirflowFailException

        from hospital_twin.tasks import daily, forecast

        day, config = sim_day(logical_date), _config()
        with warehouse() as conn:
            with stage(f"forecaster retrained at {day}"):
                summary = forecast.retrain_forecaster(conn, config, lake(), day)  # logs its table
            with stage(f"events of {day} landed"):
                try:
                    landed = daily.wait_for_events(conn, day, LANDING_TIMEOUT.total_seconds())
                except daily.EventsNotLanded as e:  # waiting longer, or again, will not help
                    raise AirflowFailException(str(e)) from e
            with stage(f"day {day} recorded"):
                recorded = daily.record_day(conn, day)
        return {
            "forecasts": {s: e["method"] for s, e in summary.items()},
            "landed": {topic: n for topic, (_, n) in landed.items()},
            **recorded,
        }

    retrain_and_record(simulate_day())


hospital_daily()
