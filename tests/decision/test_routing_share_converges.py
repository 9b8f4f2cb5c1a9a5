"""Champion/challenger routing: deterministic per application id, the realised share converges to
the configured one, and raising the share only adds applicants to the challenger's arm."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.errors import Invalid
from fengkong.decision.routing import Arm, ChallengerConfig, Mode, in_share, route

SHARES = st.decimals(min_value=0, max_value=1, places=3)
IDS = st.text(min_size=1, max_size=30)
N = 4000


@given(share=SHARES, prefix=st.text(max_size=8), salt=st.text(min_size=1, max_size=12))
def test_realised_share_converges_to_the_configured_share(
    share: Decimal, prefix: str, salt: str
) -> None:
    config = ChallengerConfig(version=f"chal-{salt}", share=share, mode=Mode.SPLIT)
    hits = sum(
        route("champ", config, f"{prefix}app_{i:06d}").arm == Arm.CHALLENGER for i in range(N)
    )
    p = float(share)
    # Five standard errors: a wrong router fails at once, a right one practically never.
    assert abs(hits / N - p) <= 5 * math.sqrt(p * (1 - p) / N) + 1 / N


@given(application_id=IDS, share=SHARES, mode=st.sampled_from(Mode))
def test_the_same_application_always_routes_the_same(
    application_id: str, share: Decimal, mode: Mode
) -> None:
    config = ChallengerConfig(version="retail-v3", share=share, mode=mode)
    assert route("retail-v2", config, application_id) == route("retail-v2", config, application_id)


@given(application_id=IDS, low=SHARES, high=SHARES)
def test_raising_the_share_only_adds_applicants(
    application_id: str, low: Decimal, high: Decimal
) -> None:
    low, high = min(low, high), max(low, high)
    if in_share(application_id, "retail-v3", low):
        assert in_share(application_id, "retail-v3", high)


@given(application_id=IDS, share=SHARES)
def test_split_decides_with_the_challenger_shadow_only_records_it(
    application_id: str, share: Decimal
) -> None:
    split = route("v2", ChallengerConfig("v3", share, Mode.SPLIT), application_id)
    shadow = route("v2", ChallengerConfig("v3", share, Mode.SHADOW), application_id)
    assert split.arm == shadow.arm  # the same applicants fall in the share either way
    if split.arm == Arm.CHALLENGER:
        assert (split.deciding, split.shadow) == ("v3", None)
        assert (shadow.deciding, shadow.shadow) == ("v2", "v3")
    else:
        assert (split.deciding, split.shadow) == ("v2", None)
        assert (shadow.deciding, shadow.shadow) == ("v2", None)


def test_edges() -> None:
    ids = [f"app_{i}" for i in range(500)]
    assert all(
        route("v2", ChallengerConfig("v3", Decimal(1), Mode.SPLIT), a).deciding == "v3" for a in ids
    )
    assert all(
        route("v2", ChallengerConfig("v3", Decimal(0), Mode.SPLIT), a).deciding == "v2" for a in ids
    )
    assert all(route("v2", ChallengerConfig(None, Decimal(1)), a).deciding == "v2" for a in ids)
    with pytest.raises(Invalid):
        ChallengerConfig("v3", Decimal("1.01"))


def test_config_from_settings() -> None:
    class Settings:
        challenger_share = "0.25"
        challenger_mode = "split"

    config = ChallengerConfig.from_settings(Settings(), "v3")
    assert config == ChallengerConfig("v3", Decimal("0.25"), Mode.SPLIT)
    assert ChallengerConfig.from_settings(object(), None) == ChallengerConfig()
