"""Policy evaluation beside zen-engine on the equivalent JDM table.

`run()` returns p50/p99 in µs per call, measured with `time.perf_counter_ns` over `CALLS` calls
after `WARMUP` calls, on the same seeded mix of applications:

- `zen_policy_table` / `native_policy_table`: a JDM table equivalent to retail-v3's rule stages
  (knock-outs, fraud rules, score cut-offs), by zen-engine and by `fengkong.decision.jdm`;
- `zen_fraud_table` / `native_fraud_table`: the shipped `fraud_table.jdm.json`, both ways;
- `policy_rules`: the compiled retail-v3 policy, every stage up to the price (`offer=False`);
- `policy_with_offer`: the same, plus the schedule, the exact cap check and the APR disclosure.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from datetime import date
from importlib import resources
from typing import Any

from bench.harness import Section
from fengkong.decision.compiler import load_shipped_policy
from fengkong.decision.evaluate import evaluate
from fengkong.decision.jdm import parse_jdm

WARMUP = 300
CALLS = 3000
AS_OF = date(2025, 3, 31)


def _applications(count: int, seed: int = 5) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [
        {
            "age": rng.randint(16, 70),
            "id.valid": rng.random() > 0.02,
            "consent.credit_bureau": rng.random() > 0.02,
            "lists.court_hit": rng.random() < 0.02,
            "lists.black_hit": rng.random() < 0.02,
            "lists.grey_hit": rng.random() < 0.05,
            "velocity.id.24h.count": rng.choice([0, 1, 1, 2, 3, 6]),
            "velocity.device.1h.count": rng.choice([0, 1, 2, 12]),
            "links.component_size": rng.choice([1, 1, 2, 3, 9, 25]),
            "links.shared_phone_count": rng.choice([0, 0, 1, 3]),
            "customer.returning": rng.random() < 0.3,
            "score": rng.randint(450, 850),
            "amount": rng.randrange(100_000, 5_000_000, 100),
            "term_months": rng.choice([3, 6, 12, 24, 36]),
            "monthly_income": rng.randrange(300_000, 3_000_000, 100),
            "existing_monthly_debt": rng.randrange(0, 600_000, 100),
            "existing_exposure": rng.choice([0, 0, 1_000_000, 5_000_000]),
        }
        for _ in range(count)
    ]


def _policy_table() -> str:
    """Retail-v1's knock-outs, fraud rules and cut-offs as one first-hit JDM table."""
    fields = [
        "age", "id.valid", "consent.credit_bureau", "lists.court_hit", "lists.black_hit",
        "velocity.id.count_24h", "velocity.device.count_1h", "customer.returning", "score",
    ]  # fmt: skip
    rows = [
        ["< 18", "", "", "", "", "", "", "", "", "decline", "KO_AGE"],
        ["> 60", "", "", "", "", "", "", "", "", "decline", "KO_AGE"],
        ["", "false", "", "", "", "", "", "", "", "decline", "KO_ID_INVALID"],
        ["", "", "false, null", "", "", "", "", "", "", "decline", "KO_CONSENT_MISSING"],
        ["", "", "", "true", "", "", "", "", "", "decline", "KO_COURT_LIST"],
        ["", "", "", "", "true", "", "", "", "", "decline", "FR_BLACKLIST"],
        ["", "", "", "", "", ">= 5", "", "", "", "verify", "FR_ID_VELOCITY_24H"],
        ["", "", "", "", "", "", ">= 10", "", "", "refer", "FR_DEVICE_VELOCITY_1H"],
        ["", "", "", "", "", "", "", "true", "[300..560)", "decline", "POL_SCORE_BELOW_CUTOFF"],
        ["", "", "", "", "", "", "", "true", "[560..600)", "refer", "POL_SCORE_IN_REVIEW_BAND"],
        ["", "", "", "", "", "", "", "true", "[600..1000)", "approve", "OK"],
        ["", "", "", "", "", "", "", "", "[300..580)", "decline", "POL_SCORE_BELOW_CUTOFF"],
        ["", "", "", "", "", "", "", "", "[580..620)", "refer", "POL_SCORE_IN_REVIEW_BAND"],
        ["", "", "", "", "", "", "", "", "[620..1000)", "approve", "OK"],
    ]
    inputs = [{"id": f"i{n}", "name": f, "field": f} for n, f in enumerate(fields)]
    outputs = [{"id": "o0", "name": "outcome", "field": "outcome"},
               {"id": "o1", "name": "code", "field": "code"}]  # fmt: skip
    rules = []
    for index, row in enumerate(rows):
        rule = {"_id": f"r{index}"}
        rule.update({f"i{n}": cell for n, cell in enumerate(row[: len(fields)])})
        rule.update({"o0": json.dumps(row[-2]), "o1": json.dumps(row[-1])})
        rules.append(rule)
    return json.dumps({
        "nodes": [
            {"id": "a", "type": "inputNode", "name": "in", "position": {"x": 0, "y": 0}},
            {"id": "t", "type": "decisionTableNode", "name": "policy", "position": {"x": 0, "y": 0},
             "content": {"hitPolicy": "first", "inputs": inputs, "outputs": outputs, "rules": rules}},
            {"id": "b", "type": "outputNode", "name": "out", "position": {"x": 0, "y": 0}},
        ],
        "edges": [{"id": "e1", "sourceId": "a", "targetId": "t", "type": "edge"},
                  {"id": "e2", "sourceId": "t", "targetId": "b", "type": "edge"}],
    })  # fmt: skip


def _zen_shape(facts: Mapping[str, object]) -> dict[str, Any]:
    renamed = dict(facts)
    renamed["velocity.id.count_24h"] = renamed.pop("velocity.id.24h.count")
    renamed["velocity.device.count_1h"] = renamed.pop("velocity.device.1h.count")
    nested: dict[str, Any] = {}
    for key, value in renamed.items():
        here = nested
        *parents, last = key.split(".")
        for part in parents:
            here = here.setdefault(part, {})
        here[last] = value
    return nested


def _measure(call: Callable[[Any], object], inputs: list[Any]) -> dict[str, float]:
    for index in range(WARMUP):
        call(inputs[index % len(inputs)])
    samples = []
    for index in range(CALLS):
        item = inputs[index % len(inputs)]
        start = time.perf_counter_ns()
        call(item)
        samples.append(time.perf_counter_ns() - start)
    samples.sort()
    return {
        "p50_us": samples[len(samples) // 2] / 1000,
        "p99_us": samples[int(len(samples) * 0.99)] / 1000,
    }


def run() -> dict[str, dict[str, float]]:
    import zen

    policy = load_shipped_policy()
    applications = _applications(500)
    nested = [_zen_shape(a) for a in applications]
    renamed = [
        {**a, "velocity.id.count_24h": a["velocity.id.24h.count"],
         "velocity.device.count_1h": a["velocity.device.1h.count"]}
        for a in applications
    ]  # fmt: skip
    engine = zen.ZenEngine()
    policy_table = _policy_table()
    fraud_table = (
        resources.files("fengkong.decision").joinpath("policies/fraud_table.jdm.json").read_text()
    )
    zen_policy = engine.create_decision(policy_table)
    zen_fraud = engine.create_decision(fraud_table)
    native_policy = parse_jdm(policy_table)
    native_fraud = parse_jdm(fraud_table)
    results = {
        "zen_policy_table": _measure(zen_policy.evaluate, nested),
        "native_policy_table": _measure(native_policy.evaluate, renamed),
        "zen_fraud_table": _measure(zen_fraud.evaluate, nested),
        "native_fraud_table": _measure(native_fraud.evaluate, applications),
        "policy_rules": _measure(
            lambda facts: evaluate(policy, facts, as_of=AS_OF, offer=False), applications
        ),
        "policy_with_offer": _measure(
            lambda facts: evaluate(policy, facts, as_of=AS_OF), applications
        ),
    }
    zen_p50 = results["zen_policy_table"]["p50_us"]
    results["speedup_vs_zen"] = {
        "policy_rules_p50": zen_p50 / results["policy_rules"]["p50_us"],
        "native_table_p50": zen_p50 / results["native_policy_table"]["p50_us"],
    }
    return results


if __name__ == "__main__":
    for name, figures in run().items():
        print(f"{name:22} " + "  ".join(f"{k}={v:9.2f}" for k, v in figures.items()))


LABELS = {
    "zen_policy_table": "zen-engine, JDM table equivalent to retail-v3's rules",
    "native_policy_table": "Fengkong's JDM evaluation, same table",
    "policy_rules": "compiled retail-v3 policy, every stage up to the price",
    "policy_with_offer": "compiled retail-v3 with schedule, cap check and APR disclosure",
    "zen_fraud_table": "zen-engine, shipped fraud table",
    "native_fraud_table": "Fengkong's JDM evaluation, shipped fraud table",
}


def section() -> Section:
    results = run()
    out = Section(
        title="Policy evaluation beside zen-engine",
        command="python -m bench policy_eval",
        lines=[
            f"{WARMUP} warm-up calls, then {CALLS} measured, over 500 seeded applications; "
            "zen-engine's Python binding in the same process. Goal: ≥ 5 × faster than zen-engine.",
        ],
        table_header=("what", "p50 µs", "p99 µs"),
    )
    for key, label in LABELS.items():
        out.rows.append((label, f"{results[key]['p50_us']:,.1f}", f"{results[key]['p99_us']:,.1f}"))
    speed = results["speedup_vs_zen"]
    out.notes.append(
        f"compiled policy {speed['policy_rules_p50']:.1f} × faster than zen-engine at p50; "
        f"the JDM table {speed['native_table_p50']:.1f} × faster"
    )
    return out
