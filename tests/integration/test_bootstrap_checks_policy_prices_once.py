"""The configured policy's prices are checked against the legal cap once per bundle and code:
a start that finds the marker of an earlier check compiles the same policy without repeating
it. A policy priced above its cap is refused on every start and leaves no marker; another cap,
another document or other code is checked afresh; a home that cannot be written to only means
the check runs every time."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest

from fengkong import wiring
from fengkong.bootstrap import Context, bootstrap, configured_policy
from fengkong.core.settings import Settings
from fengkong.decision import bundle as bundle_module
from fengkong.decision.bundle import ActivePolicy, PolicyBundle, read_shipped_bundle
from fengkong.decision.document import PolicyError

# What a compiled policy holds that compares by value (its conditions are functions).
SAME = ("label", "sha256", "product", "cap", "matrix", "pricing", "score_bands", "reads")


def compiles(markers: Path, bundle: PolicyBundle) -> tuple[ActivePolicy, list[bool]]:
    """`configured_policy`, and the `check_prices` of each compilation it ran."""
    checks: list[bool] = []
    real = bundle_module.compile_policy

    def spy(*args: object, check_prices: bool = True, **kwargs: object) -> object:
        checks.append(check_prices)
        return real(*args, check_prices=check_prices, **kwargs)  # type: ignore[arg-type]

    with mock.patch.object(bundle_module, "compile_policy", spy):
        return configured_policy(bundle, markers), checks


def test_the_second_start_skips_the_price_check_and_compiles_the_same(tmp_path: Path) -> None:
    demo = read_shipped_bundle("demo-german.yaml")
    first, checks = compiles(tmp_path, demo)
    assert checks == [True]
    assert len(list(tmp_path.iterdir())) == 1
    second, checks = compiles(tmp_path, demo)
    assert checks == [False]
    assert second.sha256 == first.sha256 and second.bundle == first.bundle
    for name in SAME:
        assert getattr(second.compiled, name) == getattr(first.compiled, name), name
    assert [(s.name, s.bands) for s in second.compiled.segments] == [
        (s.name, s.bands) for s in first.compiled.segments
    ]


def test_a_policy_above_its_cap_is_refused_every_time(tmp_path: Path) -> None:
    over = read_shipped_bundle("demo-german.yaml", cap={"annual": "0.05"})
    for _ in range(2):
        with pytest.raises(PolicyError, match="above the cap"):
            configured_policy(over, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_another_cap_document_or_code_is_checked_afresh(tmp_path: Path) -> None:
    demo = read_shipped_bundle("demo-german.yaml")
    configured_policy(demo, tmp_path)
    _, checks = compiles(tmp_path, read_shipped_bundle("demo-german.yaml", cap={"annual": "0.3"}))
    assert checks == [True]
    _, checks = compiles(tmp_path, read_shipped_bundle("retail-v3.yaml"))
    assert checks == [True]
    with mock.patch.object(wiring, "_code_fingerprint", return_value="edited"):
        _, checks = compiles(tmp_path, demo)
    assert checks == [True]
    _, checks = compiles(tmp_path, demo)
    assert checks == [False]


def test_a_home_that_cannot_be_written_checks_every_time(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    demo = read_shipped_bundle("demo-german.yaml")
    for _ in range(2):
        active, checks = compiles(blocked / "prices-checked", demo)
        assert checks == [True]
        assert active.version == "demo-german-v2"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bootstrap_keeps_its_markers_under_home(settings: Settings) -> None:
    demo = read_shipped_bundle("demo-german.yaml")
    contexts: list[Context] = []
    try:
        contexts.append(bootstrap(settings, policy=demo))
        markers = list((settings.home / "cache" / "prices-checked").iterdir())
        assert len(markers) == 1
        contexts.append(bootstrap(settings, policy=demo))
        assert contexts[1].policy.sha256 == contexts[0].policy.sha256
    finally:
        for ctx in contexts:
            ctx.close()
