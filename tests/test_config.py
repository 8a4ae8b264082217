"""Profiles load into typed models; a wrong key, type or value names the file and key path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hospital_twin.config import ConfigError, load_config, load_scenario, scenario_names


def test_default_profile_is_the_seeds_hospital() -> None:
    config = load_config("default")
    assert config.population.size == 3_000_000
    assert config.total_beds == 1180
    assert config.ward("Surgery").beds == 330
    assert {g.name: g.filled_posts for g in config.workforce.post_groups} == {
        "Medical": 759,
        "Allied Health": 552,
        "Nursing": 2187,
        "Admin & Support": 1397,
    }
    assert config.workforce.reserve_pool == 15_000


def test_small_profile_extends_default_with_a_smaller_hospital() -> None:
    small = load_config("small")
    assert small.population.size == 50_000
    assert small.total_beds < load_config("default").total_beds
    assert small.visits.triage_levels == load_config("default").visits.triage_levels


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "hospital.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _default_data() -> dict:
    from hospital_twin.config import CONFIG_DIR

    return yaml.safe_load((CONFIG_DIR / "default.yaml").read_text())


def test_unknown_key_is_refused_with_file_and_key_path(tmp_path: Path) -> None:
    data = _default_data()
    data["visits"]["monthly_volumes"] = 1
    path = _write(tmp_path, data)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value)
    assert "visits.monthly_volumes" in str(err.value)
    assert "Extra inputs are not permitted" in str(err.value)


def test_wrong_type_is_refused_naming_the_nested_key_and_value(tmp_path: Path) -> None:
    data = _default_data()
    data["wards"][3]["beds"] = "many"
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, data))
    assert "wards.3.beds" in str(err.value)
    assert "'many'" in str(err.value)


def test_routing_to_an_unknown_ward_is_refused(tmp_path: Path) -> None:
    data = _default_data()
    data["flow"]["ed_routing"] = {"ICU": 0.5, "Maternity": 0.5}
    with pytest.raises(ConfigError, match="unknown ward.*Maternity"):
        load_config(_write(tmp_path, data))


def test_probabilities_that_do_not_sum_to_one_are_refused(tmp_path: Path) -> None:
    data = _default_data()
    data["flow"]["ed_routing"] = {"ICU": 0.5, "Medicine": 0.6}
    with pytest.raises(ConfigError, match="flow: .*sum to 1"):
        load_config(_write(tmp_path, data))


@pytest.mark.parametrize(
    "key", ["admission_odds_ratio", "direct_admission_prob", "min_triage_by_ward"]
)
def test_flow_settings_naming_an_unknown_ward_are_refused(tmp_path: Path, key: str) -> None:
    data = _default_data()
    data["flow"][key] = {"Maternity": "Critical" if key == "min_triage_by_ward" else 0.5}
    with pytest.raises(ConfigError, match="unknown ward.*Maternity"):
        load_config(_write(tmp_path, data))


def test_flow_settings_naming_an_unknown_triage_level_or_bad_probability_are_refused(
    tmp_path: Path,
) -> None:
    data = _default_data()
    data["flow"]["min_triage_by_ward"] = {"ICU": "Red"}
    with pytest.raises(ConfigError, match="unknown triage level.*Red"):
        load_config(_write(tmp_path, data))
    data = _default_data()
    data["flow"]["direct_admission_prob"] = {"Obstetrics & Gynecology": 1.5}
    with pytest.raises(ConfigError, match="flow.direct_admission_prob"):
        load_config(_write(tmp_path, data))


def test_missing_file_and_bad_yaml_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: [1, 2\n")
    with pytest.raises(ConfigError, match="bad.yaml: not valid YAML"):
        load_config(bad)


def test_every_shipped_scenario_loads_against_the_default_hospital() -> None:
    config = load_config("default")
    names = scenario_names()
    assert {"baseline", "winter_peak", "bed_closure", "surge_beds"} <= set(names)
    for name in names:
        assert load_scenario(name, config).name == name


def test_scenario_closing_beds_in_an_unknown_ward_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "closure.yaml"
    path.write_text("name: closure\nbed_closures: {Maternity: 3}\n")
    with pytest.raises(ConfigError, match="closure.yaml: unknown ward"):
        load_scenario(path, load_config("default"))


# --- the bad-input catalogue: configs and scenarios that were accepted and must not be -----
def test_a_hospital_whose_wards_all_have_zero_beds_is_refused(tmp_path: Path) -> None:
    data = _default_data()
    for ward in data["wards"]:
        ward["beds"] = 0
    with pytest.raises(ConfigError, match=r"hospital.yaml(.|\n)*wards: every ward has 0 beds"):
        load_config(_write(tmp_path, data))


def test_a_ward_name_that_is_a_spreadsheet_formula_is_refused(tmp_path: Path) -> None:
    data = _default_data()
    data["wards"][0]["department"] = '=HYPERLINK("http://x")'
    with pytest.raises(ConfigError, match=r"wards\.0\.department: .*spreadsheet formula"):
        load_config(_write(tmp_path, data))


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("bed_closures: {Surgery: 5000}", r"bed_closures \{'Surgery': 5000\} exceed .*330"),
        ("bed_closures: {Surgery: -4}", "negative closure"),
        ("arrival_scale_by_month: {13: 1.2}", r"month\(s\) \[13\] are not 1..12"),
        ("arrival_scale_by_month: {6: -1.0}", "are negative"),
        (
            "surge_beds: [{ward: ICU, beds: 4, start: 2024-06-30, end: 2024-06-01}]",
            "end 2024-06-01 is before start 2024-06-30",
        ),
        ("surge_beds: [{ward: ICU, beds: 0, start: 2024-06-01, end: 2024-06-30}]", "beds"),
    ],
    ids=[
        "closure_over_beds",
        "negative_closure",
        "month_13",
        "negative_scale",
        "surge_ends_before_start",
        "surge_of_no_beds",
    ],  # fmt: skip
)
def test_impossible_scenarios_are_refused_naming_the_file_and_field(
    tmp_path: Path, text: str, error: str
) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(f"name: bad\n{text}\n")
    with pytest.raises(ConfigError, match=f"scenario.yaml(.|\\n)*{error}"):
        load_scenario(path, load_config("default"))
