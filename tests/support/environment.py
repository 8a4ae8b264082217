"""The test instance's settings, from the environment `scripts/test` sets up."""

from __future__ import annotations

import os

import pytest


def require_env(var: str) -> str:
    """The variable's value; a clear failure when the tests run outside `make test`."""
    value = os.environ.get(var)
    if not value:
        pytest.fail(f"{var} is not set: run the tests with `make test` (scripts/test)")
    return value
