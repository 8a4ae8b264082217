"""A small client for the test instance's Airflow REST API (v2), authenticated as admin."""

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
        return "\n".join(
            line.get("event", "") if isinstance(line, dict) else str(line) for line in content
        )
