"""What every browser test needs: the REST client and one headless Chromium per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.support import browser as chromium
from tests.support.airflow_client import AirflowClient
from tests.support.environment import require_env


@pytest.fixture(scope="module")
def api() -> Iterator[AirflowClient]:
    require_env("HT_API_URL")
    with AirflowClient() as client:
        yield client


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not chromium.CHROMIUM.exists():
        pytest.skip(f"no Chromium at {chromium.CHROMIUM}")
    with chromium.chromium() as b:
        yield b
