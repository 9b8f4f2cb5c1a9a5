"""The models that score an application: the registry's champion (and challenger) loaded once
per version, the challenge that routes an application to one and runs the other in shadow."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fengkong.core.errors import FengkongError, Unavailable
from fengkong.decision.live import Live, LiveCache
from fengkong.decision.policy import CONSUMER_MODEL
from fengkong.decision.routing import ChallengerConfig, route
from fengkong.scoring.points import ScoreResult
from fengkong.scoring.registry import (
    LoadedGBM,
    LoadedScorecard,
    ModelStatus,
    ModelVersion,
    load_model,
)

MODEL_NAME = CONSUMER_MODEL  # the consumer champion, scored ahead of the reads


class ChampionCache:
    """Holds the loaded champion and challenger models (scorecard or GBM) by version and hash;
    loads a file only when the registry names another one."""

    def __init__(self, artifacts_dir: Path, name: str = MODEL_NAME) -> None:
        self.artifacts_dir = artifacts_dir
        self.name = name
        self._loaded: dict[tuple[str, str], LoadedScorecard | LoadedGBM] = {}
        self._named: dict[str, ChampionCache] = {}

    def named(self, name: str) -> ChampionCache:
        """The cache of the champion named `name` (a policy's `model:`): this one for its own
        name, else one kept beside it, loading from the same artifacts."""
        if name == self.name:
            return self
        found = self._named.get(name)
        if found is None:
            found = self._named[name] = ChampionCache(self.artifacts_dir, name)
        return found

    def _load(self, model: ModelVersion) -> LoadedScorecard | LoadedGBM:
        key = (model.version, model.sha256)
        if key not in self._loaded:
            self._loaded = {
                key: load_model(model, self.artifacts_dir),
                **{k: v for k, v in self._loaded.items() if len(self._loaded) < 4},
            }
        return self._loaded[key]

    def get(self, live: Live) -> LoadedScorecard | LoadedGBM:
        champion = live.model(self.name, ModelStatus.CHAMPION)
        if champion is None:
            raise Unavailable(
                f"no champion model named {self.name!r}: train one with `fengkong model train` first"
            )
        return self._load(champion)

    def challenger(self, live: Live) -> LoadedScorecard | LoadedGBM | None:
        model = live.model(self.name, ModelStatus.CHALLENGER)
        return None if model is None else self._load(model)


@dataclass(frozen=True, slots=True)
class Scored:
    """An application scored ahead of its reads, and the registries' answer it was scored under."""

    live: Live  # what the registries named when the models were chosen
    chosen: tuple[LoadedScorecard | LoadedGBM, LoadedScorecard | LoadedGBM | None, ScoreResult]


def scored_with_last(
    application_id: str,
    features: Mapping[str, Any],
    live: LiveCache,
    champion: ChampionCache,
    challenge: ChallengerConfig,
) -> Scored | None:
    """The application scored by the models the registries named last, while its reads are on
    their way: kept when the reads name the same (`LiveCache.current` then returns the very
    `Live` it returned last), else the models the reads name score it again. Models named last
    that cannot score (none was named, a file is gone) leave it to those the reads name, which
    raise what is wrong with them, if anything still is. Nor is it scored when the policy named
    last is scored by another model (its `model:`, e.g. one read on documents): this champion's
    score could not be used."""
    last = live.last
    if last is None or last.policy.compiled.model != champion.name:
        return None
    try:
        model, shadow = models_for(application_id, last, champion, challenge)
    except FengkongError:
        return None
    return Scored(last, (model, shadow, model.score(features)))


def models_for(
    application_id: str, live: Live, models: ChampionCache, challenge: ChallengerConfig
) -> tuple[LoadedScorecard | LoadedGBM, LoadedScorecard | LoadedGBM | None]:
    """The model that decides this application, and one to run beside it in shadow (if any)."""
    champion = models.get(live)
    if challenge.share == 0:
        return champion, None
    challenger = models.challenger(live)
    if challenger is None:
        return champion, None
    config = replace(challenge, version=challenger.version)
    chosen = route(champion.version, config, application_id)
    deciding = challenger if chosen.deciding == challenger.version else champion
    return deciding, (challenger if chosen.shadow == challenger.version else None)


def shadow_features(
    shadow: LoadedScorecard | LoadedGBM | None, features: Mapping[str, Any]
) -> dict[str, Any]:
    if shadow is None:
        return {}
    result = shadow.score(features)
    return {
        "shadow.model_version": shadow.version,
        "shadow.score": result.score,
        "shadow.pd": round(result.pd, 6),
    }
