"""A small client for the Airflow REST API (v2), authenticated as admin.

Plain HTTP, no Airflow import: the demo script and the end-to-end tests drive the stack the
way a user's tooling would, through the public API.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from typing import Any


class AirflowAPI:
    def __init__(self, base_url: str | None = None, password: str | None = None) -> None:
        self.base = (base_url or os.environ["HT_API_URL"]).rstrip("/")
        password = password or os.environ["HT_ADMIN_PASSWORD"]
        token = self._call(
            "POST", "/auth/token", {"username": "admin", "password": password}, auth=False
        )
        self.token = token["access_token"]

    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        auth: bool = True,
        raw: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        if auth:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                payload = resp.read()
        except urllib.error.HTTPError as e:
            raise AssertionError(
                f"{method} {path} -> {e.code}: {e.read().decode()[:2000]}"
            ) from None
        if raw:
            return payload.decode()
        return json.loads(payload) if payload else None

    def get(self, path: str, **kw: Any) -> Any:
        return self._call("GET", path, **kw)

    def post(self, path: str, body: Any) -> Any:
        return self._call("POST", path, body)

    def patch(self, path: str, body: Any) -> Any:
        return self._call("PATCH", path, body)

    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> dict:
        """Wait until the dag-processor has parsed `dag_id` (it rescans the folder periodically)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.get(f"/api/v2/dags/{dag_id}")
            except AssertionError:
                if time.monotonic() > deadline:
                    errors = self.get("/api/v2/importErrors")
                    raise AssertionError(
                        f"DAG {dag_id} never appeared; import errors: {errors}"
                    ) from None
                time.sleep(2)

    def trigger(
        self, dag_id: str, conf: dict | None = None, logical_date: str | None = None
    ) -> dict:
        return self.post(
            f"/api/v2/dags/{dag_id}/dagRuns", {"conf": conf or {}, "logical_date": logical_date}
        )

    def backfill(self, dag_id: str, from_date: str, to_date: str, reprocess: str = "none") -> dict:
        """Create a backfill (`reprocess`: none, failed or completed), as the UI's form does."""
        return self.post(
            "/api/v2/backfills",
            {
                "dag_id": dag_id,
                "from_date": f"{from_date}T00:00:00Z",
                "to_date": f"{to_date}T00:00:00Z",
                "reprocess_behavior": reprocess,
                "max_active_runs": 1,
            },
        )

    def wait_for_backfill(self, backfill_id: int, dates: list[str], timeout: float = 1800) -> list:
        """Poll until the backfill has finished; return its runs for `dates` (all succeeded)."""
        deadline = time.monotonic() + timeout
        while self.get(f"/api/v2/backfills/{backfill_id}")["completed_at"] is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"backfill {backfill_id} still running after {timeout}s")
            time.sleep(3)
        dag_id = self.get(f"/api/v2/backfills/{backfill_id}")["dag_id"]
        return self.wait_for_dates(dag_id, dates, timeout=60)

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 1800) -> dict:
        """Poll one run until it ends; raise with the failed tasks when it fails."""
        from urllib.parse import quote

        deadline = time.monotonic() + timeout
        while True:
            run = self.get(f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}")
            if run["state"] == "success":
                return run
            if run["state"] == "failed":
                tis = self.get(
                    f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances"
                )
                bad = [t["task_id"] for t in tis["task_instances"] if t["state"] == "failed"]
                raise AssertionError(f"{dag_id} run {run_id} failed in tasks {bad}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{dag_id} run {run_id} still {run['state']} after {timeout}s")
            time.sleep(3)

    def wait_for_dates(self, dag_id: str, dates: list[str], timeout: float = 1800) -> list[dict]:
        """Poll until the latest run of each logical date in `dates` (YYYY-MM-DD) succeeded."""
        deadline = time.monotonic() + timeout
        while True:
            runs = self.get(f"/api/v2/dags/{dag_id}/dagRuns?limit=1000&order_by=run_after")
            latest = {r["logical_date"][:10]: r for r in runs["dag_runs"] if r["logical_date"]}
            mine = [latest[d] for d in dates if d in latest]
            failed = [r["dag_run_id"] for r in mine if r["state"] == "failed"]
            if failed:
                raise AssertionError(f"{dag_id}: runs failed: {failed}")
            if len(mine) == len(dates) and all(r["state"] == "success" for r in mine):
                return mine
            if time.monotonic() > deadline:
                states = {r["logical_date"][:10]: r["state"] for r in mine}
                raise AssertionError(f"{dag_id}: not all of {dates} succeeded in time: {states}")
            time.sleep(3)

    def wait_for_runs(
        self, dag_id: str, run_ids: list[str] | None, count: int, timeout: float = 600
    ) -> list[dict]:
        """Poll until `count` runs of `dag_id` are finished; fail fast when one fails."""
        deadline = time.monotonic() + timeout
        while True:
            runs = self.get(f"/api/v2/dags/{dag_id}/dagRuns?limit=100&order_by=logical_date")[
                "dag_runs"
            ]
            if run_ids is not None:
                runs = [r for r in runs if r["dag_run_id"] in run_ids]
            failed = [r for r in runs if r["state"] == "failed"]
            if failed:
                raise AssertionError(f"{dag_id} runs failed: {[r['dag_run_id'] for r in failed]}")
            done = [r for r in runs if r["state"] == "success"]
            if len(done) >= count:
                return done
            if time.monotonic() > deadline:
                states = [(r["dag_run_id"], r["state"]) for r in runs]
                raise AssertionError(
                    f"{dag_id}: {len(done)}/{count} runs succeeded in time: {states}"
                )
            time.sleep(3)

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
        from urllib.parse import quote

        path = (
            f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances/"
            f"{task_id}/logs/{try_number}?full_content=true"
        )
        body = self.get(path)
        content = body.get("content", [])
        if isinstance(content, str):
            return content
        lines = []
        for line in content:
            if not isinstance(line, dict):
                lines.append(str(line))
                continue
            lines.append(line.get("event", ""))
            for err in line.get("error_detail") or []:  # the exception a task failed with
                lines.append(f"{err.get('exc_type')}: {err.get('exc_value')}")
        return "\n".join(lines)
