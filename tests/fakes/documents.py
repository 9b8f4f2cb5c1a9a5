"""A platform deciding on documents, for the end-to-end tests of the policies scored on them
(business-v1, retail-bureau-v2): bootstrapped under a shipped policy with the champion of the
model it names (trained by the scoring lab on a simulated past book, promoted maker-checker as
a run promotes it), and a simulated provider served over HTTP with the `sources` settings that
reach it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from fakes.access import FakeAuthenticator
from fengkong.bootstrap import Context, bootstrap
from fengkong.core.clock import Clock
from fengkong.core.settings import Settings, SourceSettings
from fengkong.decision.bundle import read_shipped_bundle
from fengkong.scoring.lab_result import TrainingResult
from fengkong.sim.business_model import promote_documents_model
from fengkong.sim.providers import ProviderAnswer, serving

TOKEN = "tkn"


def documents_context(
    settings: Settings, clock: Clock, policy_file: str, model: TrainingResult, name: str
) -> Context:
    """The platform under the shipped `policy_file`, `model` the champion of `name` (the name
    the policy's `model:` gives). The caller closes it."""
    context = bootstrap(settings, clock=clock, policy=read_shipped_bundle(policy_file))
    context.authenticator = FakeAuthenticator()
    promote_documents_model(context, model, name)
    return context


def source_settings(url: str, kinds: tuple[str, ...]) -> dict[str, SourceSettings]:
    """The `sources` settings of `kinds` at `url`, each provider named afresh (circuit breakers
    are per provider, for the process), no retry, a client that gives up after half a second."""
    name = uuid.uuid4().hex[:8]
    return {
        kind: SourceSettings(
            url=url, token=TOKEN, provider=f"sim-{kind}-{name}", retries=0, timeout=0.5
        )
        for kind in kinds
    }


def sources_environment(url: str, kinds: tuple[str, ...]) -> str:
    """`source_settings(url, kinds)` as the `FENGKONG_SOURCES` a command reads, the token in
    clear (a settings dump masks it)."""
    settings = source_settings(url, kinds)
    return json.dumps(
        {k: {**v.model_dump(mode="json"), "token": TOKEN} for k, v in settings.items()}
    )


@contextmanager
def serving_sources(ctx: Context, answer: ProviderAnswer, kinds: tuple[str, ...]) -> Iterator[str]:
    """`answer` served as the provider of `kinds` for the block, `ctx`'s settings pointing at
    it; its url."""
    with serving(answer, latency_ms=2, token=TOKEN) as url:
        ctx.settings = ctx.settings.model_copy(update={"sources": source_settings(url, kinds)})
        yield url
