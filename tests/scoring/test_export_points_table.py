"""The points table an auditor reads holds every bin with its points, and adding up a row's
points from the table gives the score."""

import csv
import io
import json

import pandas as pd

from fengkong.scoring.export import POINTS_TABLE_COLUMNS, points_table_csv, points_table_json
from fengkong.scoring.train import TrainedScorecard


def test_csv_has_one_row_per_bin(trained: TrainedScorecard) -> None:
    sc = trained.model.scorecard_
    rows = list(csv.DictReader(io.StringIO(points_table_csv(sc))))
    assert tuple(rows[0]) == POINTS_TABLE_COLUMNS
    assert len(rows) == sum(len(ch.bins) for ch in sc.characteristics)
    assert {r["feature"] for r in rows} == set(sc.features)
    ranges = [r for r in rows if r["kind"] == "range"]
    assert ranges and all(r["range"].startswith("[") and r["range"].endswith(")") for r in ranges)
    cats = [r for r in rows if r["kind"] == "categories"]
    assert cats and all(r["categories"] for r in cats)


def test_json_points_add_up_to_the_score(trained: TrainedScorecard, german: pd.DataFrame) -> None:
    sc = trained.model.scorecard_
    doc = json.loads(json.dumps(points_table_json(sc)))
    assert doc["scaling"] == {"base_score": 600.0, "base_odds": 50.0, "pdo": 20.0}
    row = german.iloc[5].to_dict()
    result = sc.score(row)
    by_feature = {c.feature: c for c in result.contributions}
    total = 0
    for ch in sc.characteristics:
        b = ch.bins[ch.bin_index(row[ch.name])]
        listed = [
            r
            for r in doc["bins"]
            if r["feature"] == ch.name and r["kind"] == b.kind and r["points"] == b.points
        ]
        assert listed, (ch.name, b)
        assert by_feature[ch.name].points == b.points
        total += b.points
    assert total == result.score
