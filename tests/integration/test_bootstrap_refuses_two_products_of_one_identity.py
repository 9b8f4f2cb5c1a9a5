"""Nothing starts on a configuration where one code@version means two products: a catalogue
listing it twice with different terms, or a configured policy declaring a catalogue product's
identity with other terms. The refusal comes before the database is opened."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from fengkong.bootstrap import bootstrap
from fengkong.core.errors import Invalid
from fengkong.core.settings import Settings
from fengkong.decision.bundle import read_shipped_bundle
from fengkong.lending.catalogue import CASH_LOAN, DEFAULT_PRODUCTS


def settings_at(tmp_path: Path, **more: object) -> Settings:
    return Settings(
        env="test", home=tmp_path, database_url=f"sqlite:///{tmp_path / 'f.db'}", **more
    )


def test_a_catalogue_with_two_cash_loans_at_version_1_is_refused(tmp_path: Path) -> None:
    graced = replace(CASH_LOAN, grace_days=5)
    with pytest.raises(Invalid) as refused:
        bootstrap(settings_at(tmp_path), products=(*DEFAULT_PRODUCTS, graced))
    (error,) = refused.value.errors
    assert error.loc == ("products", len(DEFAULT_PRODUCTS))
    assert "cash_loan@1 is defined more than once" in error.msg and "grace_days 5" in error.msg
    assert not (tmp_path / "f.db").exists()


def test_a_configured_policy_redefining_a_product_is_refused(tmp_path: Path) -> None:
    retail = read_shipped_bundle("retail-v3.yaml").document
    clashing = tmp_path / "retail-v2.yaml"
    clashing.write_text(retail.replace("  version: 2\n  kind", "  version: 1\n  kind", 1))
    with pytest.raises(Invalid) as refused:
        bootstrap(settings_at(tmp_path, policy_file=clashing))
    assert "retail-v2.yaml: line " in refused.value.detail
    assert ("product", "origination_fee", "rate") in {e.loc for e in refused.value.errors}
    assert not (tmp_path / "f.db").exists()


def test_a_catalogue_replaced_whole_is_what_the_policy_must_agree_with(tmp_path: Path) -> None:
    """The shipped demo policy offers cash_loan@3: a catalogue without it refuses the policy."""
    without = tuple(p for p in DEFAULT_PRODUCTS if p.version != 3)
    with pytest.raises(Invalid) as refused:
        bootstrap(
            settings_at(tmp_path),
            policy=read_shipped_bundle("demo-german.yaml"),
            products=without,
        )
    assert "cash_loan@3 is not in the product catalogue" in refused.value.detail
    started = bootstrap(settings_at(tmp_path), policy=read_shipped_bundle("demo-german.yaml"))
    assert started.lending.config.products == DEFAULT_PRODUCTS
    started.close()
