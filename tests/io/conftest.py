"""tests/io: a test using the scratch warehouse (`dw`) finds the dimension rows its facts name."""

from __future__ import annotations

import pytest

from tests.io.bad_admissions import seed_references


@pytest.fixture(autouse=True)
def _reference_rows(request: pytest.FixtureRequest) -> None:
    """The days, wards, people and staff of the bad-admissions catalogue (tests/io loads its
    facts straight into the warehouse, and their foreign keys need them)."""
    if "dw" in request.fixturenames:
        seed_references(request.getfixturevalue("dw"))
