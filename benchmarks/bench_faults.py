"""Benchmark: the fault and bad-input catalogue against the `faults` stack instance.

Faults, each on real processes of the instance (never `demo` or `test`):
  - an ingest task SIGKILLed after its COPY, after its commit, after the file's move (3);
  - PostgreSQL stopped (immediate) mid-ingest, then Airflow checked healthy again;
  - the broker SIGKILLed mid-publish, the publish retried as the task's retry would;
  - the stream processor SIGKILLed mid-batch;
  - a poison event (NaN) between valid events.
Each counts as survived when the day's rows / events end exactly once (rows_lost and
duplicates add what is missing and what is doubled). Bad inputs: every admissions file of
tests/io/bad_admissions.py, poison events and impossible configs; each counts as quarantined
when it is refused with its reason, (files) moved to failed/ and counted, nothing valid lost.

    HT_INSTANCE=faults bash scripts/stack up
    HT_INSTANCE=faults bash -c '. scripts/env.sh; python benchmarks/bench_faults.py'

Prints a table, then one JSON line: faults_tried, faults_survived, bad_inputs_tried,
bad_inputs_quarantined, rows_lost, duplicates.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
from confluent_kafka import Producer

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.faults_catalogue import CONFIGS, POISON_EVENTS, TRANSPORTS, transfers  # noqa: E402
from hospital_twin.config import ConfigError  # noqa: E402
from hospital_twin.day import events  # noqa: E402
from hospital_twin.io import ingest, migrations  # noqa: E402
from hospital_twin.io import kafka as streaming  # noqa: E402
from hospital_twin.io.lake import Lake  # noqa: E402
from hospital_twin.services import stream_processor  # noqa: E402
from tests.io import bad_admissions as bad  # noqa: E402
from tests.support import dimensions  # noqa: E402

TRANSFERS = events.TOPICS["patient_transfer"]
ROWS = 100  # admissions of the faulted day (the catalogue's references know 100 people)
RUN = Path(os.environ["HT_HOME"]) / "run"
totals = {"rows_lost": 0, "duplicates": 0}
table: list[tuple[str, str, bool, str]] = []


def record(kind: str, name: str, ok: bool, detail: str) -> None:  # a table row, printed now
    table.append((kind, name, ok, detail))
    print(f"{kind:9} {name:34} {'ok' if ok else 'FAILED':6} {detail[:90]}", flush=True)


def wait(check: Callable[[], object], limit: float = 300) -> object:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with contextlib.suppress(psycopg.Error, OSError):
            if value := check():
                return value
        time.sleep(1)
    return None


def pid(name: str) -> int | None:
    try:
        p = int((RUN / f"{name}.pid").read_text())
        os.kill(p, 0)
        return p
    except (OSError, ValueError):
        return None


def scratch_db() -> str:
    """A fresh migrated warehouse database in the instance's cluster."""
    name = f"bench_faults_{uuid.uuid4().hex[:8]}"
    admin = f"postgresql://postgres@127.0.0.1:{os.environ['HT_PG_PORT']}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" OWNER hospital_writer')
    dsn = os.environ["HT_DW_DSN"].rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(dsn) as conn:
        migrations.migrate(conn)
    return dsn


def count_once(conn: psycopg.Connection, sql: str, args: tuple, expected: int) -> tuple[bool, str]:
    """Compare (rows, distinct ids) with the expected count; add to the totals."""
    rows, distinct = conn.execute(sql, args).fetchone()
    totals["rows_lost"] += max(expected - distinct, 0)
    totals["duplicates"] += rows - distinct
    return rows == distinct == expected, f"{rows} rows, {distinct} distinct of {expected}"


DAY_ROWS = (
    "SELECT count(*), count(DISTINCT admission_id) FROM dw.fact_admission WHERE sim_date = %s"
)
EVENT_ROWS = (
    "SELECT count(*), count(DISTINCT event_id) FROM stream.patient_transfer WHERE sim_date = %s"
)


# --- faults -----------------------------------------------------------------------------
def fault_ingest_kill(dsn: str, step: str) -> None:
    with psycopg.connect(dsn) as conn, tempfile.TemporaryDirectory() as tmp:
        lake = Lake(Path(tmp)).ensure()
        conn.execute("DELETE FROM dw.fact_admission WHERE sim_date = %s", (bad.DAY,))
        bad.stage(conn, lake, bad.good_frame(ROWS))
        crash = [sys.executable, str(REPO / "tests/io/crash_ingest.py"), dsn, tmp, str(bad.DAY)]
        killed = subprocess.run([*crash, step], capture_output=True).returncode == -signal.SIGKILL
        ingest.ingest_admissions(conn, lake, bad.DAY, bad.REFS)  # the retry
        ok, detail = count_once(conn, DAY_ROWS, (bad.DAY,), ROWS)
    record("fault", f"ingest SIGKILLed after {step}", ok and killed, detail)


def fault_postgres_mid_ingest(dsn: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        lake = Lake(Path(tmp)).ensure()
        with psycopg.connect(dsn) as conn:
            conn.execute("DELETE FROM dw.fact_admission WHERE sim_date = %s", (bad.DAY,))
            bad.stage(conn, lake, bad.good_frame(ROWS))
        conn = psycopg.connect(dsn)
        pg_ctl = [f"{os.environ['HT_PG_BIN']}/pg_ctl", "-D", f"{os.environ['HT_HOME']}/pg"]
        if os.getuid() == 0:
            pg_ctl = ["runuser", "-u", "postgres", "--", *pg_ctl]
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True, check=True)
        try:
            ingest.ingest_admissions(conn, lake, bad.DAY, bad.REFS)
            failed_first = False
        except psycopg.OperationalError:
            failed_first = True  # the task fails; its retry runs once the database is back
        back = wait(lambda: psycopg.connect(dsn).close() or True)
        with psycopg.connect(dsn) as conn:
            ingest.ingest_admissions(conn, lake, bad.DAY, bad.REFS)
            ok, detail = count_once(conn, DAY_ROWS, (bad.DAY,), ROWS)
    record("fault", "PostgreSQL stopped mid-ingest", ok and failed_first and bool(back), detail)
    healthy = wait(airflow_healthy, 400)
    record("fault", "Airflow after PostgreSQL restart", bool(healthy), "healthy" if healthy else "")


def airflow_healthy() -> bool:
    url = f"{os.environ['HT_API_URL']}/api/v2/monitor/health"
    with urllib.request.urlopen(url, timeout=5) as r:
        health = json.load(r)
    return all(
        health.get(p, {}).get("status") == "healthy"
        for p in ("metadatabase", "scheduler", "triggerer", "dag_processor")
    )


def known_people(dsn: str) -> None:
    with psycopg.connect(dsn) as conn:
        dimensions.seed(conn, person_ids=range(7000, 7050))  # registered ID numbers


def fresh_day() -> str:
    """A day no other run used: events of different faults never mix."""
    n = uuid.uuid4().int
    return f"20{n % 80 + 10}-0{n // 80 % 9 + 1}-{n // 720 % 28 + 1:02d}"


def publish_until_done(batch: list[dict]) -> int:
    """Publish as publish_events does; on failure retry the whole day (same event ids)."""
    tries = 0
    while True:
        tries += 1
        try:
            producer = Producer(
                {"bootstrap.servers": os.environ["HT_KAFKA_BOOTSTRAP"], "message.timeout.ms": 20000}
            )
            streaming.publish(producer, TRANSFERS, events.to_messages(batch))
            return tries
        except Exception:  # noqa: BLE001 - any failure is retried, like the task's retry
            time.sleep(5)


def fault_broker_mid_publish(dsn: str, n: int = 50_000) -> None:
    day, old = fresh_day(), pid("kafka")
    killer = threading.Timer(0.3, lambda: old and os.killpg(old, signal.SIGKILL))
    killer.start()
    tries = publish_until_done(transfers(day, n))
    with psycopg.connect(dsn) as conn:
        wait(lambda: count_once_quiet(conn, day) == n, 400)
        ok, detail = count_once(conn, EVENT_ROWS, (day,), n)
    record("fault", "broker SIGKILLed mid-publish", ok, f"{detail}; {tries} publish attempt(s)")


def count_once_quiet(conn: psycopg.Connection, day: str) -> int:
    return conn.execute(EVENT_ROWS, (day,)).fetchone()[1]


def fault_processor_mid_batch(dsn: str, n: int = 5000) -> None:
    day = fresh_day()
    publish_until_done(transfers(day, n))
    old = wait(lambda: pid("stream-processor"))
    with psycopg.connect(dsn) as conn:
        wait(lambda: count_once_quiet(conn, day) > 0, 120)
        os.killpg(old, signal.SIGKILL)
        restarted = wait(lambda: pid("stream-processor") not in (None, old))
        wait(lambda: count_once_quiet(conn, day) == n, 400)
        ok, detail = count_once(conn, EVENT_ROWS, (day,), n)
    record("fault", "stream processor SIGKILLed mid-batch", ok and bool(restarted), detail)


def fault_poison_event(dsn: str) -> None:
    day = fresh_day()
    batch = transfers(day, 100)
    poison = {**batch[50], "event_id": str(uuid.uuid4()), "reason": "x\u0000y"}
    producer = Producer({"bootstrap.servers": os.environ["HT_KAFKA_BOOTSTRAP"]})
    streaming.publish(producer, TRANSFERS, events.to_messages([*batch[:50], poison, *batch[50:]]))
    with psycopg.connect(dsn) as conn:
        wait(lambda: count_once_quiet(conn, day) == 100, 300)
        ok, detail = count_once(conn, EVENT_ROWS, (day,), 100)
        rejected = conn.execute(
            "SELECT count(*) FROM stream.rejects WHERE raw_value LIKE %s",
            (f"%{poison['event_id']}%",),
        ).fetchone()[0]
    record("fault", "poison event between valid events", ok and rejected == 1, detail)


# --- bad inputs ---------------------------------------------------------------------------
def bad_files(dsn: str) -> None:
    for case in bad.CASES:
        with psycopg.connect(dsn) as conn, tempfile.TemporaryDirectory() as tmp:
            lake = Lake(Path(tmp)).ensure()
            conn.execute(
                "DELETE FROM dw.fact_admission WHERE sim_date IN (%s, %s)", (bad.DAY, bad.OTHER_DAY)
            )
            bad.stage(conn, lake, bad.good_frame(day=bad.OTHER_DAY), bad.OTHER_DAY)
            ingest.ingest_admissions(conn, lake, bad.OTHER_DAY, bad.REFS)
            bad.stage(conn, lake, bad.good_frame())
            ingest.ingest_admissions(conn, lake, bad.DAY, bad.REFS)
            bad.stage(conn, lake, case.rows(bad.good_frame()) if case.rows else bad.good_frame())
            if case.tamper:
                case.tamper(conn, lake)
            try:
                ingest.ingest_admissions(conn, lake, bad.DAY, bad.REFS)
                ok, detail = False, "accepted"
            except ingest.IngestError as e:
                kept = list(lake.root.joinpath("failed").glob(f"admissions_{bad.DAY}.*.csv"))
                conn.rollback()
                rows = conn.execute(DAY_ROWS, (bad.DAY,)).fetchone()[0]
                totals["rows_lost"] += 5 - rows
                ok = case.expected in str(e) and len(kept) == 1 and rows == 5
                detail = str(e).splitlines()[1] if len(str(e).splitlines()) > 1 else str(e)
        record("file", case.name, ok, detail)


def start_at_end(group: str) -> None:
    """Commit the group's offsets at the topics' ends: it lands only what is published next."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": os.environ["HT_KAFKA_BOOTSTRAP"], "group.id": group})
    ends = [
        TopicPartition(t, p, consumer.get_watermark_offsets(TopicPartition(t, p), timeout=10)[1])
        for t in (TRANSFERS, TRANSPORTS)
        for p in consumer.list_topics(t, timeout=10).topics[t].partitions
    ]
    consumer.commit(offsets=ends, asynchronous=False)
    consumer.close()


def bad_events(dsn: str) -> None:
    os.environ["HT_DW_DSN"] = dsn
    known_people(dsn)
    day, marker = fresh_day(), uuid.uuid4().hex
    start_at_end(f"bench-{marker}")
    valid = [{**e, "marker": marker} for e in transfers(day, 20)]
    producer = Producer({"bootstrap.servers": os.environ["HT_KAFKA_BOOTSTRAP"]})
    streaming.publish(
        producer, TRANSFERS, [(b"%d" % e["patient_id"], json.dumps(e).encode()) for e in valid]
    )
    for name, (topic, build) in POISON_EVENTS.items():
        fresh = {"event_id": str(uuid.uuid4())} if name != "same id, other content" else {}
        value = build({**valid[0], **fresh, "kind": name, "marker": marker})
        key = str(json.loads(value)["patient_id"]).encode() if value.startswith(b"{") else b"7000"
        streaming.publish(producer, topic, [(key, value)])
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["HT_LAKE"] = tmp
        stream_processor.run(stop_after_idle=5, group_id=f"bench-{marker}")
    with psycopg.connect(dsn) as conn:
        ok_valid, _ = count_once(conn, EVENT_ROWS, (day,), 20)
        reasons = conn.execute(
            "SELECT raw_value, reason FROM stream.rejects WHERE raw_value LIKE %s", (f"%{marker}%",)
        ).fetchall()
    for name in POISON_EVENTS:
        why = [r for raw, r in reasons if f'"kind": "{name}"' in raw or f"not json {name} " in raw]
        record("event", name, bool(why) and ok_valid, why[0] if why else "landed")


def bad_configs() -> None:
    for name, build in CONFIGS.items():
        try:
            build()
            record("config", name, False, "accepted")
        except ConfigError as e:
            record("config", name, True, str(e).splitlines()[-1].strip())


def main() -> None:
    up = subprocess.run(["bash", str(REPO / "scripts/stack"), "up"], capture_output=True, text=True)
    if up.returncode:
        raise SystemExit(f"the faults instance did not start:\n{up.stdout}{up.stderr}")
    scratch, instance = scratch_db(), os.environ["HT_DW_DSN"]
    known_people(instance)
    for step in ("copy", "commit", "move"):
        fault_ingest_kill(scratch, step)
    fault_postgres_mid_ingest(scratch)
    fault_broker_mid_publish(instance)
    fault_processor_mid_batch(instance)
    fault_poison_event(instance)
    bad_files(scratch)
    bad_events(scratch)
    bad_configs()
    faults = [ok for kind, _, ok, _ in table if kind == "fault"]
    inputs = [ok for kind, _, ok, _ in table if kind != "fault"]
    print(json.dumps({
        "faults_tried": len(faults), "faults_survived": sum(faults),
        "bad_inputs_tried": len(inputs), "bad_inputs_quarantined": sum(inputs), **totals,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
