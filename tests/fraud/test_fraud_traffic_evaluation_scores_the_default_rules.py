"""The evaluation replays labelled traffic through the real stores: its confusion counts add up,
bursts from one device are caught, a white-list or unknown reason flags nothing, and the same seed
gives the same report."""

from pathlib import Path

from fengkong.core.reason import Reason
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.fraud.signals import Signals
from fengkong.sim.fraud_evaluation import evaluate_rules, flagging_codes, run_evaluation
from fengkong.sim.fraud_traffic import generate_traffic


def test_counts_add_up_and_bursts_are_caught(tmp_path: Path) -> None:
    stream = generate_traffic(500, seed=2)
    db = Database(f"sqlite:///{tmp_path / 'eval.db'}")
    upgrade(db)
    report = evaluate_rules(stream, db, seed=2)
    db.dispose()
    fraud = sum(a.is_fraud for a in stream)
    assert report.true_positives + report.false_negatives == fraud
    assert report.false_positives + report.true_negatives == len(stream) - fraud
    assert sum(k.applications for k in report.kinds) == fraud
    assert sum(k.flagged for k in report.kinds) == report.true_positives
    burst = next(k for k in report.kinds if k.kind == "burst")
    assert burst.applications > 0 and burst.recall >= 0.5
    assert all(r.on_fraud <= r.fired for r in report.rules)
    assert report.as_dict()["recall"] == round(report.recall, 4)


def test_same_seed_same_report() -> None:
    assert run_evaluation(250, seed=5).as_dict() == run_evaluation(250, seed=5).as_dict()


def test_unknown_and_white_list_reasons_are_no_verdict() -> None:
    signals = Signals(
        {},
        (
            Reason("FRAUD_DEVICE_UNKNOWN", "", ""),
            Reason("FRAUD_LIST_WHITE_DEVICE", "", ""),
            Reason("FRAUD_LIST_GREY_MOBILE", "", ""),
        ),
    )
    assert flagging_codes(signals) == ("FRAUD_LIST_GREY_MOBILE",)
