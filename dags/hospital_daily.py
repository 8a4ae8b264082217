"""
### Hospital daily run — one simulated day per run

The run's **logical date is the simulated day D**. Backfill a range of dates from the UI
(*Trigger → Backfill*) to simulate them in order; each day starts from the census the
warehouse holds for the end of D-1, so days run one at a time (`max_active_runs=1`,
`depends_on_past` on the flow). On the simulation's first day the hospital starts from a
warm-up state; a day whose D-1 is missing fails and names the date to run first.

1. `generate_visits` — D's visits (`daily_visitors_D` in the lake, `dw.fact_visit`);
2. `simulate_flow` — SimPy flow through triage, ED and wards with finite beds; writes
   `admissions_D.csv` to `batch/` and D's census, ward and discharge facts;
3. `ingest_admissions` — validates the file, COPYs it (replacing D) and moves it to
   `processed/`; a bad file goes to `failed/` with a `.reason`;
4. `publish_events` — emergency transports and transfers to Kafka, keyed by patient;
5. `await_stream_landed` — waits until the stream processor landed every event of D;
6. `retrain_forecaster` — LightGBM Poisson arrival forecasts (seasonal naive while the
   history is short) into `ml.forecast`;
7. `record_day` — marks D complete and updates the asset `hospital://warehouse/daily`.

Re-running D (clear the run) replaces D's rows: the warehouse ends the same.
"""

from __future__ import annotations

import datetime as dt
import logging

import pendulum
from airflow.sdk import Asset, PokeReturnValue, dag, task
from common.glue import lake, sim_day, warehouse

from hospital_twin.contracts import DAILY_ASSET_URI, KAFKA_CONN_ID, SETUP_ASSET_URI

log = logging.getLogger(__name__)
START = pendulum.datetime(2024, 1, 1, tz="UTC")  # the default profile's simulation start
LANDING_TIMEOUT = dt.timedelta(minutes=10)


def _config():
    from hospital_twin.tasks.setup import setup_config

    profile, config = setup_config(lake())
    return config


@dag(
    dag_id="hospital_daily",
    schedule="@daily",
    start_date=START,
    catchup=False,
    max_active_runs=1,
    tags=["hospital-twin", "daily"],
    default_args={"owner": "hospital-twin", "retries": 1, "retry_delay": dt.timedelta(seconds=20)},
    doc_md=__doc__,
)
def hospital_daily():
    @task(inlets=[Asset(SETUP_ASSET_URI)])
    def generate_visits(logical_date=None, dag_run=None) -> dict:
        """D's visits into the lake and dw.fact_visit; the timetable's run for a day the
        simulation has not reached skips."""
        from airflow.sdk.exceptions import AirflowSkipException

        from hospital_twin.tasks import daily

        day = sim_day(logical_date)
        with warehouse() as conn:
            # Simulated days advance by backfill; the timetable's own run for today's date
            # skips (instead of failing) while the simulation has not reached that day.
            waiting = daily.not_ready(conn, lake(), day)
            if waiting and dag_run is not None and dag_run.run_type == "scheduled":
                raise AirflowSkipException(f"scheduled run for {day} skipped: {waiting}")
            summary = daily.generate_visits(conn, _config(), lake(), day)
        log.info("visits of %s: %s", day, summary)
        return summary

    @task(depends_on_past=True)
    def simulate_flow(_visits: dict, logical_date=None) -> dict:
        """SimPy patient flow of D from the census at the end of D-1: admissions_D.csv,
        census, ward-day, discharge and move facts. Fails at once when D-1 is missing."""
        from airflow.sdk.exceptions import AirflowFailException

        from hospital_twin.tasks import daily

        day = sim_day(logical_date)
        with warehouse() as conn:
            try:
                summary = daily.simulate_flow(conn, _config(), lake(), day)
            except daily.StateMissing as e:  # a retry cannot help: fail at once
                raise AirflowFailException(str(e)) from e
        log.info("flow of %s: %s", day, summary)
        return summary

    @task
    def ingest_admissions(_flow: dict, logical_date=None) -> dict:
        """Validate admissions_D.csv and COPY it in one transaction; a bad file goes to
        failed/ with a .reason."""
        from hospital_twin.tasks import daily

        day = sim_day(logical_date)
        with warehouse() as conn:
            summary = daily.ingest(conn, _config(), lake(), day)
        log.info("admissions of %s ingested: %s", day, summary)
        return summary

    @task
    def publish_events(_ingested: dict, logical_date=None) -> dict:
        """D's emergency transports and transfers to Kafka, keyed by patient id."""
        from airflow.providers.apache.kafka.hooks.client import KafkaAdminClientHook
        from airflow.providers.apache.kafka.hooks.produce import KafkaProducerHook

        from hospital_twin.day import events
        from hospital_twin.io import kafka as streaming
        from hospital_twin.tasks import daily

        day = sim_day(logical_date)
        streaming.ensure_topics(KafkaAdminClientHook(kafka_config_id=KAFKA_CONN_ID).get_conn)
        producer = KafkaProducerHook(kafka_config_id=KAFKA_CONN_ID).get_producer()
        with warehouse() as conn:
            by_topic = daily.build_events(conn, _config(), lake(), day)
            counts = {
                topic: streaming.publish(producer, topic, events.to_messages(batch))
                for topic, batch in by_topic.items()
            }
            daily.record_published(conn, day, counts)
        log.info("published for %s: %s", day, counts)
        return counts

    # Poke mode: one task process polls (events land within seconds). Reschedule mode started a
    # new process per poke and hit Airflow's race "finished with state success, but the task
    # instance's state attribute is queued", failing the sensor long before its deadline.
    @task.sensor(poke_interval=2, timeout=2 * LANDING_TIMEOUT.total_seconds(), mode="poke")
    def await_stream_landed(published: dict, logical_date=None) -> PokeReturnValue:
        """Wait until the stream processor landed every event of D; fail with per-topic
        counts once the deadline passes."""
        from airflow.sdk.exceptions import AirflowFailException

        from hospital_twin.io import kafka as streaming

        day = sim_day(logical_date)
        with warehouse() as conn:
            counts = streaming.landed_counts(conn, str(day))
            waited = streaming.seconds_since_published(conn, str(day))
        missing = {t: p - n for t, (p, n) in counts.items() if n < p}
        log.info("landed for %s (published, landed): %s; missing: %s", day, counts, missing)
        if missing and waited > LANDING_TIMEOUT.total_seconds():
            raise AirflowFailException(
                f"events of {day} not landed {waited:.0f} s after publishing "
                f"(limit {LANDING_TIMEOUT}): (published, landed) per topic {counts}; "
                "check the stream processor's log and stream.rejects"
            )
        return PokeReturnValue(is_done=not missing, xcom_value=counts)

    @task
    def retrain_forecaster(_ingested: dict, logical_date=None) -> dict:
        """Retrain the LightGBM Poisson arrival forecaster on history up to D (seasonal
        naive while history is short) and store its forecasts."""
        from hospital_twin.tasks import forecast

        day = sim_day(logical_date)
        with warehouse() as conn:
            summary = forecast.retrain_forecaster(conn, _config(), lake(), day)  # logs its table
        return {s: e["method"] for s, e in summary.items()}

    @task(outlets=[Asset(DAILY_ASSET_URI)])
    def record_day(_landed, _forecast, logical_date=None) -> dict:
        """Mark D complete and update the daily asset the capacity study waits for."""
        from hospital_twin.tasks import daily

        with warehouse() as conn:
            summary = daily.record_day(conn, sim_day(logical_date))
        log.info("day complete: %s", summary)
        return summary

    ingested = ingest_admissions(simulate_flow(generate_visits()))
    landed = await_stream_landed(publish_events(ingested))
    record_day(landed, retrain_forecaster(ingested))


hospital_daily()
