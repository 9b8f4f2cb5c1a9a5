"""The configured policy is compiled once, at start-up. When the registry makes the same bundle
(same document, tables and price cap: the same hash) live under a version of its own, that
compilation serves it; the bundle a decision pins stays the registry's, named by its version.
Any other document is compiled afresh, once."""

from __future__ import annotations

from unittest import mock

from fengkong.decision import bundle as bundle_module
from fengkong.decision.bundle import ActivePolicy, PolicyBundle, PolicyCache, read_shipped_bundle


def test_the_configured_bundle_from_the_registry_is_not_compiled_again() -> None:
    configured = ActivePolicy.of(read_shipped_bundle("demo-german.yaml"))
    cache = PolicyCache(configured, {})
    with mock.patch.object(
        bundle_module, "compile_policy", side_effect=AssertionError("compiled again")
    ):
        live = cache.of("demo-german-v2", configured.bundle.document)
    assert live.compiled is configured.compiled
    assert live.sha256 == configured.sha256
    assert live.bundle == PolicyBundle(
        "demo-german-v2", configured.bundle.document, configured.bundle.tables, {}
    )
    fresh = ActivePolicy.of(live.bundle)  # what compiling the registry's bundle would give
    assert fresh.sha256 == live.sha256
    for name in ("label", "sha256", "product", "cap", "matrix", "pricing", "score_bands"):
        assert getattr(fresh.compiled, name) == getattr(live.compiled, name), name


def test_another_document_is_compiled_once() -> None:
    configured = ActivePolicy.of(read_shipped_bundle("demo-german.yaml"))
    cache = PolicyCache(configured, {})
    other = read_shipped_bundle("retail-v3.yaml")
    first = cache.of("retail-v3", other.document)
    assert first.compiled is not configured.compiled
    assert first.compiled.label == ActivePolicy.of(other).compiled.label
    with mock.patch.object(
        bundle_module, "compile_policy", side_effect=AssertionError("compiled again")
    ):
        assert cache.of("retail-v3", other.document) is first


def test_a_different_price_cap_is_a_different_bundle() -> None:
    """The cap is part of what compiles: the same document under another cap is not reused."""
    configured = ActivePolicy.of(read_shipped_bundle("demo-german.yaml"))
    cache = PolicyCache(configured, {"annual": "0.24"})
    live = cache.of("demo-german-v2", configured.bundle.document)
    assert live.sha256 != configured.sha256
    assert live.compiled is not configured.compiled
