"""Our JDM evaluation gives exactly zen-engine's output on the same table and inputs."""

import json
import random
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from fengkong.decision.jdm import JdmError, parse_jdm

zen = pytest.importorskip("zen")

SHIPPED = resources.files("fengkong.decision").joinpath("policies/fraud_table.jdm.json").read_text()


def _graph(hit: str, inputs: list[str], rules: list[list[str]], outputs: list[str]) -> str:
    columns = [{"id": f"i{n}", "name": f"in {n}", "field": f} for n, f in enumerate(inputs)]
    outs = [{"id": f"o{n}", "name": f"out {n}", "field": f} for n, f in enumerate(outputs)]
    rows = []
    for index, cells in enumerate(rules):
        row = {"_id": f"r{index}"}
        row.update({f"i{n}": cell for n, cell in enumerate(cells[: len(inputs)])})
        row.update({f"o{n}": cell for n, cell in enumerate(cells[len(inputs) :])})
        rows.append(row)
    node = {
        "id": "t",
        "type": "decisionTableNode",
        "name": "T",
        "position": {"x": 0, "y": 0},
        "content": {"hitPolicy": hit, "inputs": columns, "outputs": outs, "rules": rows},
    }
    return json.dumps({
        "nodes": [{"id": "a", "type": "inputNode", "name": "in", "position": {"x": 0, "y": 0}}, node,
                  {"id": "b", "type": "outputNode", "name": "out", "position": {"x": 0, "y": 0}}],
        "edges": [{"id": "e1", "sourceId": "a", "targetId": "t", "type": "edge"},
                  {"id": "e2", "sourceId": "t", "targetId": "b", "type": "edge"}],
    })  # fmt: skip


EVERY_FORM = [
    [">= 600", '"A","B"', "true", '"hit"', "1"],
    ["[600..700)", "", "", '"band"', "2.5"],
    ["(550..600]", "'C'", "false", '"low"', "-3"],
    ["< 0", '!= "A"', "", '"neg"', "null"],
    ["== 599.5", "", "null", '"exact"', "true"],
    ["600, 601, 602", "", "", '"list"', ""],
    ["[-5..5]", "== 'B'", "", '"small"', "0.125"],
    ["> 1000", "", "!= true", '"big"', "false"],
    ["<= 550", "", "", '"le"', "4"],
]


def _nested(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        here = out
        *parents, last = key.split(".")
        for part in parents:
            here = here.setdefault(part, {})
        here[last] = value
    return out


def _normal(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    return Decimal(value)


def _value(rng: random.Random, numbers: list[Any]) -> Any:
    pick = rng.random()
    if pick < 0.55:
        return rng.choice(numbers)
    if pick < 0.7:
        return rng.choice(["A", "B", "C", "hit", ""])
    if pick < 0.85:
        return rng.choice([True, False])
    return None


def _compare(text: str, inputs: list[dict[str, Any]]) -> None:
    ours = parse_jdm(text)
    theirs = zen.ZenEngine().create_decision(text)
    for flat in inputs:
        expected = theirs.evaluate(_nested({k: v for k, v in flat.items() if v is not None}))
        assert _normal(ours.evaluate(flat)) == _normal(expected["result"]), flat


@pytest.mark.parametrize("hit", ["first", "collect"])
def test_every_supported_cell_form_matches_zen(hit: str) -> None:
    rng = random.Random(20250531)
    numbers = [
        -6,
        -5,
        0,
        5,
        6,
        549,
        550,
        550.5,
        599,
        599.5,
        600,
        600.0,
        650,
        699.99,
        700,
        1000,
        1001,
        0.1 + 0.2,
    ]
    text = _graph(
        hit, ["signal.score", "signal.grade", "signal.flag"], EVERY_FORM, ["label", "value.x"]
    )
    inputs = [
        {"signal.score": _value(rng, numbers), "signal.grade": _value(rng, numbers),
         "signal.flag": _value(rng, numbers)}
        for _ in range(300)
    ]  # fmt: skip
    _compare(text, inputs)


def test_the_shipped_fraud_table_matches_zen() -> None:
    rng = random.Random(7)
    inputs = [
        {
            "links.component_size": rng.randint(0, 30),
            "links.shared_phone_count": rng.randint(0, 6),
            "lists.grey_hit": rng.random() < 0.3,
        }
        for _ in range(300)
    ]
    _compare(SHIPPED, inputs)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("-", "never matches"),
        ("> 5 and < 10", "not a literal"),
        ("$ > 5", "not a literal"),
        ('< "B"', "needs a number"),
        ("1e3", "not a literal"),
        ("0.1234567890123456", "significant digits"),
    ],
)
def test_cells_we_cannot_match_exactly_are_refused_at_load(cell: str, message: str) -> None:
    with pytest.raises(JdmError, match=message):
        parse_jdm(_graph("first", ["v"], [[cell, '"x"']], ["o"]))


def test_non_literal_outputs_and_other_nodes_are_refused() -> None:
    with pytest.raises(JdmError, match="only literals"):
        parse_jdm(_graph("first", ["v"], [["", "v * 2"]], ["o"]))
    graph = json.loads(_graph("first", ["v"], [["", "1"]], ["o"]))
    graph["nodes"].append({"id": "f", "type": "functionNode", "name": "f"})
    with pytest.raises(JdmError, match="functionNode"):
        parse_jdm(json.dumps(graph))
    with pytest.raises(JdmError, match="hit policy"):
        parse_jdm(_graph("unique", ["v"], [["", "1"]], ["o"]))
