"""The manifest of a batch file: rows, checksum, simulated day and producing run.

simulate_flow writes `admissions_D.csv.manifest.json` beside the file and records the same
facts in `meta.batch_manifest`. Before loading, the ingest checks the file against its
manifest and the manifest against the record: a file cut at a line boundary, emptied to its
header, swapped for another day's or grown to millions of rows parses as valid CSV, and only
these checks tell it is not what the day's simulation produced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg

from hospital_twin.io import warehouse
from hospital_twin.io.lake import write_json

# A day's admissions file is tens of kB (hundreds of rows); far above that is not a day's.
MAX_BATCH_BYTES = int(os.environ.get("HT_MAX_BATCH_BYTES", str(20 * 1024 * 1024)))


@dataclass(frozen=True)
class Manifest:
    file: str
    rows: int
    sha256: str
    sim_date: str
    run_id: str


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def file_sha256(path: Path) -> str:
    """The file's SHA-256, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_rows(path: Path) -> int:
    """Lines after the header (the simulation writes no line breaks inside fields)."""
    with path.open("rb") as f:
        return max(sum(1 for _ in f) - 1, 0)


def producing_run() -> str:
    """The Airflow run that wrote the file (set in a task's environment), else 'manual'."""
    return os.environ.get("AIRFLOW_CTX_DAG_RUN_ID") or "manual"


def write_manifest(conn: psycopg.Connection, path: Path, day: dt.date) -> Manifest:
    """Write the manifest beside `path` and record it (in the caller's transaction)."""
    manifest = Manifest(path.name, data_rows(path), file_sha256(path), str(day), producing_run())
    write_json(asdict(manifest), manifest_path(path))
    conn.execute(
        warehouse.read_sql("queries/record_batch_manifest.sql"),
        (day, manifest.file, manifest.rows, manifest.sha256, manifest.run_id),
    )
    return manifest


def check(conn: psycopg.Connection, path: Path, day: dt.date) -> list[str]:
    """What is wrong with the file against its manifest and the simulation's record."""
    size = path.stat().st_size
    if size > MAX_BATCH_BYTES:
        return [f"file: {size:,} bytes is over the {MAX_BATCH_BYTES:,}-byte limit of a batch"]
    recorded = conn.execute(
        warehouse.read_sql("queries/batch_manifest_for_day.sql"), (day,)
    ).fetchone()
    if recorded is None:
        return [f"manifest: no simulation of {day} is recorded; run simulate_flow for {day}"]
    try:
        manifest = Manifest(**json.loads(manifest_path(path).read_text()))
    except FileNotFoundError:
        return [f"manifest: {manifest_path(path).name} is missing"]
    except (ValueError, TypeError) as e:
        return [f"manifest: {manifest_path(path).name} is not a valid manifest: {e}"]
    actual = {"rows": data_rows(path), "sha256": file_sha256(path), "sim_date": str(day)}
    problems = [
        f"manifest: {field} is {getattr(manifest, field)!r} but the file has {value!r}"
        for field, value in actual.items()
        if getattr(manifest, field) != value
    ]
    _, rows, sha256, run_id = recorded
    if (manifest.rows, manifest.sha256) != (rows, sha256):
        problems.append(
            f"manifest: says {manifest.rows} rows (sha256 {manifest.sha256[:12]}) but the "
            f"simulation of {day} (run {run_id}) recorded {rows} rows (sha256 {sha256[:12]})"
        )
    return problems
