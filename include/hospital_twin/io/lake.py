"""The lake: the seed's shared-data folder layout, with dated file names.

`batch/` holds new files, `processed/` what was ingested, `failed/` what was rejected (beside a
`.reason` file saying which rows and fields), `stream/` the JSON events landed by the stream
processor, `models/` forecaster artefacts, `reports/` capacity reports, `state/` setup outputs
the daily run reads (population, illness profiles, staff, schedules).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather

FOLDERS = ("batch", "processed", "failed", "stream", "models", "reports", "state")


@dataclass(frozen=True)
class Lake:
    root: Path

    @classmethod
    def from_env(cls) -> Lake:
        """The lake at $HT_LAKE (scripts/env.sh sets it under the instance's data dir)."""
        root = os.environ.get("HT_LAKE")
        if not root:
            raise RuntimeError("HT_LAKE is not set: the lake's root directory is unknown")
        return cls(Path(root)).ensure()

    def ensure(self) -> Lake:
        for folder in FOLDERS:
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        return self

    def path(self, folder: str, name: str) -> Path:
        if folder not in FOLDERS:
            raise ValueError(f"unknown lake folder {folder!r}; expected one of {FOLDERS}")
        return self.root / folder / name

    def daily_visitors(self, day: dt.date) -> Path:
        return self.path("batch", f"daily_visitors_{day:%Y-%m-%d}.parquet")

    def admissions(self, day: dt.date) -> Path:
        return self.path("batch", f"admissions_{day:%Y-%m-%d}.csv")

    def events(self, day: dt.date) -> Path:
        """D's events per topic as simulate_flow computed them; publish_events sends them."""
        return self.path("batch", f"events_{day:%Y-%m-%d}.json")

    def schedules(self, year: int, month: int) -> Path:
        return self.path("state", f"schedules_{year:04d}-{month:02d}.parquet")

    def staff_active(self, quarter_start: dt.date) -> Path:
        return self.path("state", f"staff_active_{quarter_start:%Y-%m-%d}.parquet")

    def move_to_processed(self, path: Path) -> Path:
        """Move an ingested file out of `batch/`; replaces an earlier copy (a re-run of D)."""
        target = self.path("processed", path.name)
        os.replace(path, target)
        return target

    def failed_target(self, path: Path) -> Path:
        """Where a rejected file goes: its name and the time of the rejection, so a second
        bad file for the same day does not replace the first."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        return self.path("failed", f"{path.stem}.{stamp}{path.suffix}")

    def quarantine(self, path: Path, reason: str, target: Path | None = None) -> Path:
        """Move a rejected file to `failed/` with `<name>.reason` beside it.

        Every rejection is kept (see `failed_target`); the file's manifest goes with it.
        """
        target = target or self.failed_target(path)
        target.with_name(target.name + ".reason").write_text(reason.rstrip() + "\n")
        companion = path.with_name(path.name + ".manifest.json")
        if companion.exists():
            os.replace(companion, target.with_name(target.name + ".manifest.json"))
        shutil.move(str(path), target)
        return target


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    """Write atomically (temp file + rename) so readers never see half a file."""
    tmp = path.with_name(path.name + ".tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return path


def write_arrow(frame: pd.DataFrame, path: Path) -> Path:
    """Write an uncompressed Arrow IPC file atomically (two writers never share a temp file):
    `read_arrow` memory-maps it."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    feather.write_feather(frame, tmp, compression="uncompressed")
    os.replace(tmp, path)
    return path


def read_arrow(path: Path) -> pa.Table:
    """A memory-mapped table: opening costs nothing, pages are read as rows are taken."""
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    frame.to_csv(tmp, index=False)
    os.replace(tmp, path)
    return path


def write_json(value: Any, path: Path) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False))
    os.replace(tmp, path)
    return path
