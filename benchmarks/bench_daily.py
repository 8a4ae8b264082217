"""Benchmark: one simulated day, event publishing to Kafka, and COPY against row INSERTs.

1. Day: one simulated day of the hospital through the domain code, as `hospital_daily` runs it
   - visits.generate_visits (with a VisitSampler built once), flow.simulate_day from
   flow.warmup_census, flow.assign_admitting_staff with the day's shifts, then
   events.emergency_transports and events.patient_transfers. Population and illness profiles,
   the sampler, the staff and the month's schedule are setup, timed apart. The day is run
   `--day-repeats` times (identical output); the median is `day_seconds`. Target < 5 s.
2. Events: the day's events replicated to `--events` (fresh event ids from events.event_id,
   keys drawn from the population), encoded with events.to_messages and published with
   streaming.publish to a fresh topic `bench.events.<hex>` (3 partitions, short retention,
   deleted at the end) by a Producer tuned for throughput (linger, large batches, lz4). The
   broker's offsets are checked and one message is read back and validated. Target >= 50,000/s.
3. Warehouse: `--copy-rows` visits (consecutive simulated days) COPYed into dw.fact_visit of a
   scratch database (created, migrated, dropped at the end) with warehouse.copy_frame, split
   into CSV serialisation and the server's COPY; then the row-by-row INSERT baseline
   warehouse.insert_rows on `--insert-sample` rows into the truncated table. Target COPY
   >= 100,000 rows/s.

    HT_INSTANCE=test bash -c '. scripts/env.sh; .venv/bin/python benchmarks/bench_daily.py'

Needs HT_DW_DSN and HT_KAFKA_BOOTSTRAP (scripts/env.sh), and the cluster's local admin
(postgresql://postgres@127.0.0.1:$HT_PG_PORT/postgres, or --admin-dsn) to create the scratch
database. Wall and CPU seconds are both shown: on a shared machine the wall time includes
waiting for a core (the load average is printed). Prints readable lines, then one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
import uuid
from dataclasses import dataclass

import numpy as np
import pandas as pd
import psycopg
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from psycopg import sql

from hospital_twin.config import HospitalConfig, load_config
from hospital_twin.day import events, flow, visits
from hospital_twin.io import kafka as streaming
from hospital_twin.io import warehouse
from hospital_twin.rng import stream
from hospital_twin.setup import illness, population, schedules, workforce

TARGET_DAY_SECONDS = 5.0
TARGET_EVENTS_PER_S = 50_000
TARGET_COPY_ROWS_PER_S = 100_000
REQUIRED_ENV = ("HT_DW_DSN", "HT_KAFKA_BOOTSTRAP")
VISIT_TABLE = "dw.fact_visit"
TOPIC_RETENTION_MS = 15 * 60 * 1000  # the benchmark topic is deleted at the end anyway


def timed(fn, *args, **kwargs):
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - w, time.process_time() - c


def check_environment(admin_dsn: str | None) -> tuple[str, str, str]:
    """(warehouse DSN, Kafka bootstrap, admin DSN), or exit with what to do."""
    missing = [v for v in REQUIRED_ENV if not os.environ.get(v)]
    if not admin_dsn and not os.environ.get("HT_PG_PORT"):
        missing.append("HT_PG_PORT (or pass --admin-dsn)")
    if missing:
        sys.exit(
            f"bench_daily: {', '.join(missing)} not set. Load an instance's environment first, "
            "e.g. HT_INSTANCE=test bash -c '. scripts/env.sh; "
            ".venv/bin/python benchmarks/bench_daily.py'"
        )
    admin_dsn = admin_dsn or f"postgresql://postgres@127.0.0.1:{os.environ['HT_PG_PORT']}/postgres"
    return os.environ["HT_DW_DSN"], os.environ["HT_KAFKA_BOOTSTRAP"], admin_dsn


# --- 1. one simulated day ---------------------------------------------------------------


@dataclass
class Setup:
    people: pd.DataFrame
    sampler: visits.VisitSampler
    shifts: pd.DataFrame  # the shifts that touch the day
    seconds: dict[str, float]


def shifts_for_day(config: HospitalConfig, staff: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """As setup_stage.schedule_for_day, from schedules built in memory: the day's month and
    the previous month when the day before is in it (night shifts run into the day)."""
    months = {(day.year, day.month)}
    before = day - dt.timedelta(days=1)
    if before.month != day.month and before >= config.simulation.start_date:
        months.add((before.year, before.month))
    frame = pd.concat(
        [schedules.monthly_schedule(config, staff, y, m) for y, m in sorted(months)],
        ignore_index=True,
    )
    start, end = pd.Timestamp(day), pd.Timestamp(day) + pd.Timedelta(days=1)
    return frame[(frame["shift_start"] < end) & (frame["shift_end"] > start)].reset_index(drop=True)


def build_setup(config: HospitalConfig, day: dt.date) -> Setup:
    seconds = {}
    people, seconds["population"], _ = timed(population.generate_population, config)
    profiles, seconds["illness"], _ = timed(illness.assign_illness_profiles, config, people)
    sampler, seconds["sampler"], _ = timed(visits.VisitSampler.from_frames, people, profiles)
    staff, seconds["staff"], _ = timed(workforce.generate_staff, config)
    shifts, seconds["schedule"], _ = timed(shifts_for_day, config, staff, day)
    return Setup(people[["person_id"]].copy(), sampler, shifts, seconds)


def run_day(config: HospitalConfig, day: dt.date, setup: Setup) -> tuple[dict, dict]:
    """The day through the domain code: (results, seconds per stage)."""
    laps: dict[str, float] = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        laps[name] = now - t
        t = now

    day_visits = visits.generate_visits(config, day, sampler=setup.sampler)
    lap("visits")
    census = flow.warmup_census(config, day, person_ids=setup.people["person_id"].to_numpy())
    lap("warmup_census")
    result = flow.simulate_day(config, day, day_visits, census)
    lap("simulate_day")
    admissions = flow.assign_admitting_staff(
        result.admissions, setup.shifts, stream(config.seed, day, "admitting_staff"), config
    )
    lap("admitting_staff")
    transports = events.emergency_transports(config, day, day_visits, setup.shifts)
    lap("emergency_transports")
    transfers = events.patient_transfers(config, day, admissions, result.moves)
    lap("patient_transfers")
    out = {
        "visits": day_visits,
        "census": census,
        "admissions": admissions,
        "discharges": result.discharges,
        "moves": result.moves,
        "transports": transports,
        "transfers": transfers,
    }
    return out, laps


def bench_day(config: HospitalConfig, day: dt.date, repeats: int) -> tuple[Setup, dict, dict]:
    setup = build_setup(config, day)
    s = setup.seconds
    print(
        f"setup (not in the day): population {s['population']:.2f} s + illness "
        f"{s['illness']:.2f} s for {len(setup.people):,} people; VisitSampler "
        f"{s['sampler']:.2f} s; staff {s['staff']:.2f} s; schedule {s['schedule']:.2f} s "
        f"({len(setup.shifts):,} shifts touch {day})"
    )
    walls, cpus, laps_all, shape = [], [], [], None
    out: dict = {}
    for _ in range(repeats):
        (out, laps), wall, cpu = timed(run_day, config, day, setup)
        this = {k: len(v) for k, v in out.items()}
        if shape is not None and this != shape:
            raise RuntimeError(f"the day is not reproducible: {shape} then {this}")
        shape = this
        walls.append(wall)
        cpus.append(cpu)
        laps_all.append(laps)
    adm = out["admissions"]
    placed = int((adm["status"] != "refused").sum())
    day_events = len(out["transports"]) + len(out["transfers"])
    median = statistics.median(walls)
    verdict = "ok" if median < TARGET_DAY_SECONDS else "MISSED"
    print(
        f"day {day}: {len(out['visits']):,} visits, {len(adm):,} bed requests ({placed:,} "
        f"admitted, {len(adm) - placed:,} refused), {len(out['discharges']):,} discharges, "
        f"{len(out['moves']):,} step-downs, {day_events:,} events "
        f"({len(out['transports'])} transports, {len(out['transfers'])} transfers)"
    )
    print(
        f"  {repeats} run(s): median {median:.3f} s, best {min(walls):.3f} s, first "
        f"{walls[0]:.3f} s wall; median CPU {statistics.median(cpus):.3f} s "
        f"(target < {TARGET_DAY_SECONDS:g} s: {verdict})"
    )
    stages = {k: statistics.median(laps[k] for laps in laps_all) for k in laps_all[0]}
    print("  median per stage: " + ", ".join(f"{k} {v:.3f} s" for k, v in stages.items()))
    figures = {
        "day": day.isoformat(),
        "people": len(setup.people),
        "day_seconds": round(median, 4),
        "day_seconds_best": round(min(walls), 4),
        "day_seconds_first": round(walls[0], 4),
        "day_cpu_seconds": round(statistics.median(cpus), 4),
        "day_repeats": repeats,
        "day_stage_seconds": {k: round(v, 4) for k, v in stages.items()},
        "setup_population_seconds": round(s["population"] + s["illness"], 3),
        "setup_sampler_seconds": round(s["sampler"], 3),
        "setup_staff_schedule_seconds": round(s["staff"] + s["schedule"], 3),
        "visits": len(out["visits"]),
        "census_start": len(out["census"]),
        "bed_requests": len(adm),
        "admissions": placed,
        "refused": len(adm) - placed,
        "discharges": len(out["discharges"]),
        "moves": len(out["moves"]),
        "transports": len(out["transports"]),
        "transfers": len(out["transfers"]),
        "events": day_events,
    }
    return setup, out, figures


# --- 2. publishing events ---------------------------------------------------------------


def replicate_events(
    base: list[dict], n: int, topic: str, day: dt.date, person_ids: np.ndarray, seed: int
) -> list[dict]:
    """`n` events cycling through `base`, each with its own event id and a drawn patient."""
    if not base:
        raise RuntimeError("the simulated day produced no events to replicate")
    patients = stream(seed, day, "bench.event_keys").choice(person_ids, size=n)
    return [
        base[i % len(base)]
        | {"event_id": events.event_id(day, topic, i + 1), "patient_id": int(patients[i])}
        for i in range(n)
    ]


def producer_config(bootstrap: str, args: argparse.Namespace) -> dict:
    return {
        "bootstrap.servers": bootstrap,
        "acks": "all",
        "linger.ms": args.linger_ms,
        "batch.size": args.batch_bytes,
        "compression.type": args.compression,
        "queue.buffering.max.messages": max(2 * args.events, 100_000),
        "queue.buffering.max.kbytes": 1 << 20,
    }


def check_topic(bootstrap: str, topic: str, partitions: int) -> tuple[int, dict]:
    """(messages the broker holds in `topic`, one of them decoded) - proves it took lz4 & co."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"bench-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
        }
    )
    try:
        held = 0
        for p in range(partitions):
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            held += high - low
        consumer.assign([TopicPartition(topic, 0, 0)])
        msg = consumer.poll(10)
        if msg is None or msg.error():
            raise RuntimeError(f"could not read back {topic}: {msg.error() if msg else 'timeout'}")
        return held, json.loads(msg.value())
    finally:
        consumer.close()


def bench_events(bootstrap: str, args: argparse.Namespace, day: dt.date, setup: Setup, out: dict):
    base = out["transports"] + out["transfers"]
    topic = f"bench.events.{uuid.uuid4().hex[:12]}"
    batch, gen_s, _ = timed(
        replicate_events,
        base,
        args.events,
        topic,
        day,
        setup.people["person_id"].to_numpy(),
        args.seed,
    )
    sample = [*base, *batch[:: max(1, len(batch) // 2000)]]
    problems = [p for e in sample for p in events.validate_event(e)]
    if problems:
        raise RuntimeError(f"replicated events are invalid: {problems[:5]}")
    messages, enc_s, enc_cpu = timed(events.to_messages, batch)
    size = sum(len(k) + len(v) for k, v in messages)
    print(
        f"events: {len(batch):,} replicated from the day's {len(base)} in {gen_s:.2f} s "
        f"({len(sample):,} validated); encoded in {enc_s:.2f} s ({len(batch) / enc_s:,.0f}/s, "
        f"{size / len(batch):.0f} bytes each)"
    )
    admin = AdminClient({"bootstrap.servers": bootstrap})
    created = admin.create_topics(
        [NewTopic(topic, args.partitions, 1, config={"retention.ms": str(TOPIC_RETENTION_MS)})]
    )
    created[topic].result(30)
    try:
        producer = Producer(producer_config(bootstrap, args))
        streaming.publish(producer, topic, events.to_messages(base))  # connect, fetch metadata
        sent, pub_s, pub_cpu = timed(streaming.publish, producer, topic, messages)
        rate = sent / pub_s
        held, back = check_topic(bootstrap, topic, args.partitions)
        if held != sent + len(base):
            raise RuntimeError(f"{topic}: broker holds {held} messages, sent {sent + len(base)}")
        problems = events.validate_event(back)
        if problems:
            raise RuntimeError(f"{topic}: a message read back is invalid: {problems}")
    finally:
        for future in admin.delete_topics([topic], operation_timeout=30).values():
            try:
                future.result(30)
            except KafkaException as e:
                print(f"warning: could not delete topic {topic}: {e}", file=sys.stderr)
    verdict = "ok" if rate >= TARGET_EVENTS_PER_S else "MISSED"
    print(
        f"  published to {topic} ({args.partitions} partitions, {args.compression}, linger "
        f"{args.linger_ms} ms, batch {args.batch_bytes:,} B): {sent:,} in {pub_s:.2f} s wall, "
        f"{pub_cpu:.2f} s CPU = {rate:,.0f} events/s (target >= {TARGET_EVENTS_PER_S:,}: "
        f"{verdict}); encode + publish {sent / (enc_s + pub_s):,.0f}/s"
    )
    print(f"  broker holds {held:,} messages; one read back and valid; topic deleted")
    return {
        "events_published": sent,
        "event_bytes_mean": round(size / len(batch)),
        "publish_seconds": round(pub_s, 3),
        "publish_cpu_seconds": round(pub_cpu, 3),
        "events_per_s": round(rate),
        "encode_events_per_s": round(len(batch) / enc_s),
        "encode_publish_events_per_s": round(sent / (enc_s + pub_s)),
        "compression": args.compression,
        "linger_ms": args.linger_ms,
        "partitions": args.partitions,
    }


# --- 3. COPY against row INSERTs --------------------------------------------------------


def visits_frame(config: HospitalConfig, start: dt.date, rows: int, sampler) -> pd.DataFrame:
    """Visits of consecutive simulated days from `start` until there are at least `rows`."""
    frames, n, day = [], 0, start
    while n < rows:
        frame = visits.generate_visits(config, day, sampler=sampler)
        frames.append(frame)
        n += len(frame)
        day += dt.timedelta(days=1)
    return pd.concat(frames, ignore_index=True)


def scratch_database(admin_dsn: str, dw_dsn: str) -> tuple[str, str]:
    """Create an empty database owned by hospital_writer: (name, its DSN)."""
    name = f"hospital_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} OWNER hospital_writer").format(sql.Identifier(name))
        )
    return name, dw_dsn.rsplit("/", 1)[0] + f"/{name}"


def drop_database(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _count(conn: psycopg.Connection) -> int:
    return conn.execute(f"SELECT count(*) FROM {VISIT_TABLE}").fetchone()[0]


def _truncate(conn: psycopg.Connection) -> None:
    conn.execute(f"TRUNCATE {VISIT_TABLE}")
    conn.commit()


def bench_warehouse(
    config: HospitalConfig, args: argparse.Namespace, dw_dsn: str, admin_dsn: str, setup: Setup
) -> dict:
    frame, gen_s, _ = timed(visits_frame, config, args.day, args.copy_rows, setup.sampler)
    days = frame["sim_date"].nunique()
    print(f"warehouse: {len(frame):,} visits over {days} simulated days generated in {gen_s:.2f} s")
    name, dsn = scratch_database(admin_dsn, dw_dsn)
    try:
        with psycopg.connect(dsn) as conn:
            _, mig_s, _ = timed(warehouse.migrate, conn)
            cols = warehouse.table_columns(conn, VISIT_TABLE)
            conn.commit()
            frame = frame[cols]
            print(f"  scratch database {name} created and migrated in {mig_s:.2f} s")

            def copy_all() -> int:
                with conn.transaction():
                    return warehouse.copy_frame(conn, VISIT_TABLE, frame)

            copied, copy_s, copy_cpu = timed(copy_all)
            if _count(conn) != copied or copied != len(frame):
                raise RuntimeError(f"COPY loaded {_count(conn)} rows, expected {len(frame)}")
            copy_rate = copied / copy_s

            # Where the time goes: CSV serialisation (client) against the COPY itself (server).
            _truncate(conn)
            chunks, ser_s, ser_cpu = timed(lambda: list(warehouse._csv_chunks(frame, cols)))
            payload = b"".join(bytes(c) for c in chunks)
            stmt = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
                sql.Identifier(*VISIT_TABLE.split(".")),
                sql.SQL(", ").join(map(sql.Identifier, cols)),
            )

            def copy_payload() -> None:
                with conn.transaction(), conn.cursor() as cur, cur.copy(stmt) as copy:
                    for start in range(0, len(payload), 1 << 20):
                        copy.write(payload[start : start + (1 << 20)])

            _, load_s, _ = timed(copy_payload)
            if _count(conn) != len(frame):
                raise RuntimeError("the payload COPY did not load every row")

            _truncate(conn)
            sample = frame.head(args.insert_sample).astype(object)
            rows = list(sample.itertuples(index=False, name=None))
            inserted, ins_s, ins_cpu = timed(warehouse.insert_rows, conn, VISIT_TABLE, rows, cols)
            if _count(conn) != inserted:
                raise RuntimeError(f"INSERT loaded {_count(conn)} rows, expected {inserted}")
            insert_rate = inserted / ins_s
    finally:
        drop_database(admin_dsn, name)
    verdict = "ok" if copy_rate >= TARGET_COPY_ROWS_PER_S else "MISSED"
    mb = len(payload) / 1e6
    print(
        f"  COPY (warehouse.copy_frame) {copied:,} rows into {VISIT_TABLE} in {copy_s:.2f} s wall,"
        f" {copy_cpu:.2f} s client CPU = {copy_rate:,.0f} rows/s (target >= "
        f"{TARGET_COPY_ROWS_PER_S:,}: {verdict})"
    )
    print(
        f"    of which CSV serialisation (warehouse._csv_chunks, Arrow CSV writer) {ser_s:.2f} s "
        f"wall / {ser_cpu:.2f} s CPU = {len(frame) / ser_s:,.0f} rows/s; the COPY of the "
        f"{mb:.1f} MB payload alone {load_s:.2f} s = {len(frame) / load_s:,.0f} rows/s"
    )
    print(
        f"  row-by-row INSERT (warehouse.insert_rows) {inserted:,} rows in {ins_s:.2f} s = "
        f"{insert_rate:,.0f} rows/s; COPY is {copy_rate / insert_rate:.1f}x faster"
    )
    print(f"  scratch database {name} dropped")
    return {
        "copy_rows": copied,
        "copy_days": int(days),
        "copy_seconds": round(copy_s, 3),
        "copy_cpu_seconds": round(copy_cpu, 3),
        "copy_rows_per_s": round(copy_rate),
        "copy_serialize_seconds": round(ser_s, 3),
        "copy_serialize_rows_per_s": round(len(frame) / ser_s),
        "copy_load_seconds": round(load_s, 3),
        "copy_load_rows_per_s": round(len(frame) / load_s),
        "copy_payload_mb": round(mb, 1),
        "insert_rows": inserted,
        "insert_seconds": round(ins_s, 3),
        "insert_rows_per_s": round(insert_rate),
        "copy_vs_insert": round(copy_rate / insert_rate, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="default")
    ap.add_argument("--day", type=dt.date.fromisoformat, help="default: the simulation start")
    ap.add_argument("--day-repeats", type=int, default=3)
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--partitions", type=int, default=3)
    ap.add_argument(
        "--compression", default="lz4", choices=("none", "gzip", "snappy", "lz4", "zstd")
    )
    ap.add_argument("--linger-ms", type=int, default=20)
    ap.add_argument("--batch-bytes", type=int, default=1_000_000)
    ap.add_argument("--copy-rows", type=int, default=200_000)
    ap.add_argument("--insert-sample", type=int, default=5_000)
    ap.add_argument("--admin-dsn", help="default: postgresql://postgres@127.0.0.1:$HT_PG_PORT")
    args = ap.parse_args()
    dw_dsn, bootstrap, admin_dsn = check_environment(args.admin_dsn)
    config = load_config(args.profile)
    args.day = args.day or config.simulation.start_date
    args.seed = config.seed
    started = time.perf_counter()
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; profile {args.profile}"
    )

    setup, out, figures = bench_day(config, args.day, args.day_repeats)
    figures |= bench_events(bootstrap, args, args.day, setup, out)
    figures |= bench_warehouse(config, args, dw_dsn, admin_dsn, setup)
    figures["targets_met"] = {
        "day_seconds": figures["day_seconds"] < TARGET_DAY_SECONDS,
        "events_per_s": figures["events_per_s"] >= TARGET_EVENTS_PER_S,
        "copy_rows_per_s": figures["copy_rows_per_s"] >= TARGET_COPY_ROWS_PER_S,
    }
    figures["total_seconds"] = round(time.perf_counter() - started, 1)
    figures["load_average"] = round(os.getloadavg()[0], 2)
    print(f"total {figures['total_seconds']:.0f} s; load average {figures['load_average']:.1f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
