"""Every kind of bad admissions file is refused with a clear reason, quarantined and counted.

For each case of the catalogue (tests/io/bad_admissions.py) the day is first loaded from a
valid file; then the bad file arrives. It must be refused naming the file and the row, field
or limit; moved to failed/ (every rejected file kept, with its .reason); counted in
meta.ingest_rejects; and the day's valid rows must still be there.
"""

from __future__ import annotations

import pytest

from hospital_twin.io import warehouse
from hospital_twin.io.ingest import IngestError, ingest_admissions
from hospital_twin.io.lake import Lake
from tests.io.bad_admissions import CASES, DAY, OTHER_DAY, REFS, Case, good_frame, stage

pytestmark = pytest.mark.integration
DAY_ROWS = "SELECT count(*) FROM dw.fact_admission WHERE sim_date = %s"
REJECTS = "SELECT count(*) FROM meta.ingest_rejects WHERE sim_date = %s"


def test_the_catalogue_has_at_least_25_kinds() -> None:
    assert len({c.name for c in CASES}) == len(CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_bad_file_is_refused_quarantined_and_counted(dw, tmp_path, case: Case) -> None:
    lake = Lake(tmp_path / "lake").ensure()
    dw.execute("DELETE FROM dw.fact_admission WHERE sim_date IN (%s, %s)", (DAY, OTHER_DAY))
    warehouse.replace_rows(
        dw, "dw.fact_admission", good_frame(day=OTHER_DAY), where={"sim_date": OTHER_DAY}
    )
    stage(dw, lake, good_frame())
    assert ingest_admissions(dw, lake, DAY, REFS)["rows"] == 5  # the day's valid rows
    rejects_before = dw.execute(REJECTS, (DAY,)).fetchone()[0]

    stage(dw, lake, case.rows(good_frame()) if case.rows else good_frame())
    if case.tamper:
        case.tamper(dw, lake)
    with pytest.raises(IngestError) as err:
        ingest_admissions(dw, lake, DAY, REFS)

    message = str(err.value)
    assert message.startswith(f"{lake.admissions(DAY).name}: rejected"), message
    assert case.expected in message, message
    [failed] = lake.root.joinpath("failed").glob(f"admissions_{DAY}.*.csv")
    assert case.expected in failed.with_name(failed.name + ".reason").read_text()
    assert not lake.admissions(DAY).exists()
    dw.rollback()
    assert dw.execute(REJECTS, (DAY,)).fetchone()[0] == rejects_before + 1
    assert dw.execute(DAY_ROWS, (DAY,)).fetchone()[0] == 5, "the valid rows were kept"
