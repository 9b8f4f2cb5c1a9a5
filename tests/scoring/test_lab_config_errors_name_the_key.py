"""A bad configuration is refused with an error naming the key at fault."""

from pathlib import Path

import pytest

from fengkong.core.errors import Invalid
from fengkong.scoring.lab_config import load_config, parse_config


@pytest.mark.parametrize(
    ("doc", "loc"),
    [
        ({"kindd": "gbm"}, ("kindd",)),
        ({"kind": "forest"}, ("kind",)),
        ({"scorecard": {"min_ivv": 0.1}}, ("scorecard", "min_ivv")),
        ({"scorecard": {"min_iv": "high"}}, ("scorecard", "min_iv")),
        ({"scorecard": {"monotonic_trend": {"age": "sideways"}}}, ("scorecard", "monotonic_trend")),
        ({"scorecard": {"special_codes": {"age": ["n/a"]}}}, ("scorecard", "special_codes")),
        ({"scorecard": {"pdo": -20}}, ("scorecard", "pdo")),
        ({"gbm": {"monotone_constraints": {"age": 2}}}, ("gbm", "monotone_constraints")),
        ({"gbm": {"leaves": 8}}, ("gbm", "leaves")),
        ({"gbm": {"ordinal": {"grade": "ABC"}}}, ("gbm", "ordinal")),
        ({"gbm": {"special_codes": {"dpd": ["n/a"]}}}, ("gbm", "special_codes")),
        ({"ordinal": {"grade": ["A", "A"]}}, ("ordinal",)),
        ({"ordinal": ["grade"]}, ("ordinal",)),
        ({"split": {"test_size": 0.9}}, ("split", "test_size")),
        ({"calibration": {"method": "beta"}}, ("calibration", "method")),
        ({"reject_inference": {"method": "guess"}}, ("reject_inference", "method")),
    ],
)
def test_error_names_the_key(doc: dict, loc: tuple[str, ...]) -> None:  # type: ignore[type-arg]
    with pytest.raises(Invalid) as caught:
        parse_config(doc)
    assert loc in [e.loc for e in caught.value.errors]


def test_yaml_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text(
        "kind: gbm\n"
        "split: {test_size: 0.25, seed: 7}\n"
        "scorecard:\n  monotonic_trend: {age_in_years: descending}\n  base_score: 500\n"
        "gbm:\n  monotone_constraints: {duration_in_month: 1}\n"
    )
    config = load_config(path)
    assert config.kind == "gbm" and config.seed == 7 and config.test_size == 0.25
    assert config.scorecard["base_score"] == 500
    assert config.gbm == {"monotone_constraints": {"duration_in_month": 1}}
    path.write_text("kind: [unclosed\n")
    with pytest.raises(Invalid, match="YAML"):
        load_config(path)
