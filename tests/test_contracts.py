"""The capacity study's parameters: one model, from which the form and the validation come."""

from __future__ import annotations

import pytest

from hospital_twin.config import load_config
from hospital_twin.contracts import (
    ADMISSION_COLUMNS,
    FLOW_ADMISSION_COLUMNS,
    SCENARIO_NAMES,
    StudyParams,
    StudyParamsError,
    parse_study_params,
    study_form,
)
from hospital_twin.tasks.capacity import validate_params


def test_the_form_has_one_field_per_parameter_with_its_default_and_bounds() -> None:
    form = study_form()
    assert list(form) == list(StudyParams.model_fields)
    default, schema = form["runs"]
    assert default == StudyParams().runs
    assert (schema["type"], schema["minimum"], schema["maximum"]) == ("integer", 100, 200_000)
    assert "Allowed: 100 to 200000." in schema["description"]
    assert form["risk_target"][1]["type"] == "number"


def test_scenarios_are_an_enum_of_the_shipped_scenario_files() -> None:
    _, schema = study_form()["scenarios"]
    assert schema["items"]["enum"] == list(SCENARIO_NAMES)
    assert schema["examples"] == list(SCENARIO_NAMES)  # the trigger form's multi-select
    assert {"baseline", "winter_peak", "bed_closure", "surge_beds"} <= set(SCENARIO_NAMES)


def test_comma_separated_scenarios_are_accepted_and_deduplicated() -> None:
    params = parse_study_params({"scenarios": "baseline, winter_peak,baseline"})
    assert params.scenarios == ["baseline", "winter_peak"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"scenarios": ["heatwave"]}, r"scenarios: unknown 'heatwave'; available: \['baseline'"),
        ({"scenarios": []}, r"scenarios: "),
        ({"runs": 5}, r"runs: 5 is outside 100 to 200000"),
        ({"horizon_days": "soon"}, r"horizon_days: expected a number, got 'soon'"),
        ({"risk_target": 0.9}, r"risk_target: 0.9 is outside 0.001 to 0.5"),
        ({"bed_levels": 1}, r"bed_levels: 1 is outside 2 to 200"),
        ({"horizon": 30}, r"horizon: unknown parameter; known: \['bed_levels', 'horizon_days'"),
    ],
)
def test_invalid_params_are_refused_naming_the_field_and_limit(raw, message) -> None:
    with pytest.raises(StudyParamsError, match=message):
        parse_study_params(raw)


def test_the_task_checks_scenario_wards_against_the_hospital() -> None:
    config = load_config("small")
    other = config.model_copy(update={"wards": [w for w in config.wards if w.name != "Surgery"]})
    assert validate_params({"scenarios": ["bed_closure"]}, config).scenarios == ["bed_closure"]
    with pytest.raises(StudyParamsError, match=r"scenarios: .*unknown ward"):
        validate_params({"scenarios": ["bed_closure"]}, other)


def test_the_batch_file_holds_the_flow_columns_and_the_admitting_staff() -> None:
    assert ADMISSION_COLUMNS[: len(FLOW_ADMISSION_COLUMNS)] == FLOW_ADMISSION_COLUMNS
    assert ADMISSION_COLUMNS[len(FLOW_ADMISSION_COLUMNS) :] == [
        "admitting_doctor_id",
        "admitting_nurse_id",
    ]
