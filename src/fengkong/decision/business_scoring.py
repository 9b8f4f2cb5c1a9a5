"""Scoring on the documents: a policy whose model (`model:`) reads the features of external
documents (the business scorecard reads `bureau.*`, `business.*`, `financials.*`,
`statement.*`; the consumer bureau scorecard the application's features with `bureau.*` and
`statement.*`) is scored once `sources:` has gathered them, on the record the model was trained
on (`features.business_inputs.scoring_record`, the simulated books' too), and its adverse
reasons are labelled with those features' names, the application's and the documents'."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fengkong.core.money import Fen
from fengkong.core.reason import Reason
from fengkong.decision.policy import CompiledPolicy
from fengkong.decision.scoring_models import shadow_features
from fengkong.decision.source_facts import SourceStatus, status_fact
from fengkong.features.business_inputs import INPUT_LABELS, scoring_record
from fengkong.features.business_inputs import reads_documents as _reads
from fengkong.scoring.points import ScoreResult
from fengkong.scoring.reasons import model_reasons
from fengkong.scoring.registry import LoadedGBM, LoadedScorecard

__all__ = ["DocumentScore", "reads_documents", "score_on_documents", "without_score"]

Model = LoadedScorecard | LoadedGBM


@dataclass(frozen=True, slots=True)
class DocumentScore:
    result: ScoreResult
    pd: Decimal  # quantized as every decision's PD
    adverse: tuple[Reason, ...]  # the model's reasons, labelled
    features: dict[str, Any]  # stored with the decision: the record scored (and the shadow's)


def reads_documents(model: Model) -> bool:
    """Whether `model` reads a document feature, and so scores only once they are gathered."""
    return _reads(model.features)


def without_score(facts: Mapping[str, object]) -> dict[str, object]:
    """The facts a `sources:` condition sees before the documents are in: no score yet (a
    condition reading it is undecidable, and the kind is fetched)."""
    return {k: v for k, v in facts.items() if k not in ("score", "pd")}


def required_missing(policy: CompiledPolicy, facts: Mapping[str, object]) -> bool:
    """Whether a source the policy requires gave nothing (its status neither ok nor not
    asked): a model reading the documents is then not run."""
    fine = (SourceStatus.OK.value, SourceStatus.NOT_ASKED.value)
    return any(
        ask.required and facts.get(status_fact(ask.kind)) not in fine for ask in policy.sources
    )


def score_on_documents(
    model: Model,
    shadow: Model | None,
    application: Mapping[str, Any],
    facts: Mapping[str, object],
    amount: Fen,
    term_months: int,
) -> DocumentScore:
    """Score the application's features (`application`, as `APPLICATION_FEATURES` computed
    them), the loan asked for and the gathered documents' features (as `facts` hold them)."""
    record = scoring_record(application, facts, amount, term_months)
    result = model.score(record)
    pd_ = Decimal(repr(result.pd)).quantize(Decimal("0.000001"))
    adverse = model_reasons(result.top_adverse(), INPUT_LABELS)
    return DocumentScore(result, pd_, adverse, {**record, **shadow_features(shadow, record)})
