"""`fengkong demo`'s German part decides its held-back applications under every policy shipped in
`fengkong/decision/policies/` that decides on the application alone (not those asking for a
credit report or statements, which the German rows lack), and each approves a plausible share of them (between 30 % and
90 %) and declines some: a shipped policy must work with a model the platform trains on the
shipped data (retail-v1 approved none of them: its cut-offs sat above the score scale)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from fengkong.core.settings import Settings
from fengkong.decision.bundle import read_shipped_bundle
from fengkong.demo import DEMO_POLICY, run_german, shipped_policies


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    home = tmp_path_factory.mktemp("demo")
    settings = Settings(env="test", home=Path(home), database_url=None)
    return run_german(settings, console=Console(stderr=True, quiet=True))


def test_every_shipped_policy_is_decided(report) -> None:  # type: ignore[no-untyped-def]
    names = shipped_policies()
    assert DEMO_POLICY in names and "retail-v3.yaml" in names
    compiled = [read_shipped_bundle(name).compile() for name in names]
    # a policy on external data (retail-bureau-v1) needs documents the German rows do not have
    labels = {p.label for p in compiled if not p.sources}
    assert set(report.policies) == labels and len(labels) < len(compiled)
    for rates in report.policies.values():
        # every application was decided: none refused as input the policy's product rejects
        assert rates.decided == report.decided == 300
        assert sum(rates.outcomes.values()) == rates.decided


def test_each_shipped_policy_approves_a_plausible_share(report) -> None:  # type: ignore[no-untyped-def]
    for label, rates in report.policies.items():
        assert 0.30 <= rates.rate("approve") <= 0.90, (label, rates.outcomes)
        assert rates.outcomes["decline"] > 0, (label, rates.outcomes)
        approved_bad = rates.bad_rate_by_outcome["approve"]
        declined_bad = rates.bad_rate_by_outcome["decline"]
        assert approved_bad is not None and declined_bad is not None
        assert approved_bad < declined_bad, label  # the cut-offs rank the applicants


def test_the_demo_policy_report_is_the_detailed_one(report) -> None:  # type: ignore[no-untyped-def]
    main = report.policies[report.policy_version]
    assert report.policy_version == "demo-german-v2"
    assert main.outcomes == report.outcomes
    assert report.as_dict()["policies"][report.policy_version]["decided"] == report.decided
