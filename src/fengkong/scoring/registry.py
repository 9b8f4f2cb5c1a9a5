"""The model registry: every trained model is an artifact file plus a registry row holding its
version, sha256, training-data fingerprint, features, parameters and metrics. The scoring service
loads the champion; a file that fails its hash is refused."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from fengkong.core.clock import Clock
from fengkong.core.errors import Conflict, NotFound, Unavailable
from fengkong.scoring.artifact import read_artifact, write_artifact
from fengkong.scoring.scorecard import Scorecard
from fengkong.scoring.serialize import scorecard_from_dict, scorecard_to_dict


class ModelStatus(StrEnum):
    CANDIDATE = "candidate"
    CHAMPION = "champion"
    CHALLENGER = "challenger"
    RETIRED = "retired"


@dataclass(frozen=True, slots=True)
class ModelVersion:
    version: str
    name: str
    kind: str
    status: ModelStatus
    sha256: str
    path: str  # relative to the artifacts directory
    created_at: datetime
    data_fingerprint: str
    features: tuple[str, ...]
    params: Mapping[str, Any]
    metrics: Mapping[str, Any]


class ModelRepository(Protocol):
    def add(self, model: ModelVersion) -> None: ...
    def get(self, version: str) -> ModelVersion | None: ...
    def list(self, name: str | None = None) -> list[ModelVersion]: ...
    def champion(self, name: str) -> ModelVersion | None: ...
    def set_status(self, version: str, status: ModelStatus) -> None: ...


@dataclass(frozen=True, slots=True)
class LoadedScorecard:
    version: str
    sha256: str
    scorecard: Scorecard


def register_scorecard(
    repo: ModelRepository,
    artifacts_dir: Path,
    *,
    name: str,
    scorecard: Scorecard,
    data_fingerprint: str,
    params: Mapping[str, Any],
    metrics: Mapping[str, Any],
    clock: Clock,
) -> ModelVersion:
    number = 1 + max((_number(m.version) for m in repo.list(name)), default=0)
    version = f"{name}-v{number}"
    relative = f"models/{name}/{version}.json"
    payload = {"kind": "scorecard", "version": version, "scorecard": scorecard_to_dict(scorecard)}
    sha = write_artifact(artifacts_dir / relative, payload)
    model = ModelVersion(
        version=version,
        name=name,
        kind="scorecard",
        status=ModelStatus.CANDIDATE,
        sha256=sha,
        path=relative,
        created_at=clock.now(),
        data_fingerprint=data_fingerprint,
        features=scorecard.features,
        params=dict(params),
        metrics=dict(metrics),
    )
    repo.add(model)
    return model


def promote(repo: ModelRepository, version: str) -> tuple[ModelVersion, ModelVersion | None]:
    """Make `version` the champion of its name; the previous champion retires. Returns both."""
    model = repo.get(version)
    if model is None:
        raise NotFound(f"no model version {version!r}")
    if model.status == ModelStatus.RETIRED:
        raise Conflict(f"model {version} is retired and cannot be promoted")
    previous = repo.champion(model.name)
    if previous is not None and previous.version == version:
        raise Conflict(f"model {version} is already the champion")
    if previous is not None:
        repo.set_status(previous.version, ModelStatus.RETIRED)
    repo.set_status(version, ModelStatus.CHAMPION)
    return model, previous


def load_scorecard(model: ModelVersion, artifacts_dir: Path) -> LoadedScorecard:
    payload = read_artifact(artifacts_dir / model.path, model.sha256)
    return LoadedScorecard(model.version, model.sha256, scorecard_from_dict(payload["scorecard"]))


def load_champion(repo: ModelRepository, artifacts_dir: Path, name: str) -> LoadedScorecard:
    model = repo.champion(name)
    if model is None:
        raise Unavailable(
            f"no champion model named {name!r}: train one with `fengkong model train` first"
        )
    return load_scorecard(model, artifacts_dir)


def _number(version: str) -> int:
    tail = version.rsplit("-v", 1)[-1]
    return int(tail) if tail.isdigit() else 0
