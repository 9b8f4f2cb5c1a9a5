"""The external data providers of a run: one simulated HTTP provider (`sim.providers.serving`)
answering the credit bureau and the bank statements about the run's own applicants, so that a
policy with a `sources:` section (retail-bureau-v1) decides through the platform's real fetch
path — consent gate, HTTP client with its retries and circuit breaker, recording — on documents
that follow each applicant's hidden risk.

The provider answers only for applicants the run told it of (`know`, as an application is
made): an ID number it never heard of is a provider's "no record" (an error the client retries,
then gives up on), as at a real bureau."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Any

from fengkong.core.settings import SourceSettings
from fengkong.sim.model import Applicant
from fengkong.sim.providers import serving
from fengkong.sim.sources_business import ANSWERS
from fengkong.sim.sources_statements import STATEMENT_COST, statement_payload
from fengkong.sources.kinds import SourceKind

__all__ = ["KINDS", "PopulationSources", "run_providers"]

# What the run's provider answers: a person's documents (the business kinds need a business).
KINDS = (SourceKind.CREDIT_BUREAU, SourceKind.BANK_STATEMENT)
LATENCY_MS = 5.0  # small: a simulated year makes thousands of calls


class PopulationSources:
    """The answer function of the run's provider: documents about the applicants it knows."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._people: dict[str, Applicant] = {}

    def know(self, applicant: Applicant) -> None:
        self._people[applicant.identity.id_number] = applicant

    def __call__(
        self, kind: SourceKind, subject: Mapping[str, str], as_of: date, params: Mapping[str, Any]
    ) -> tuple[Mapping[str, Any], int]:
        person = self._people.get(subject.get("id_number", ""))
        if person is None:
            raise LookupError("no record of this person")
        kind = SourceKind(kind)
        if kind is SourceKind.BANK_STATEMENT:
            return statement_payload(person, as_of, seed=self.seed), int(STATEMENT_COST)
        if kind not in ANSWERS:
            raise LookupError(f"this provider does not answer {kind.value}")
        answer, cost = ANSWERS[kind]
        return answer(person, as_of, random.Random(f"{self.seed}:{person.key}:{kind}")), int(cost)


@contextmanager
def run_providers(
    answers: PopulationSources, kinds: tuple[str, ...]
) -> Iterator[dict[str, SourceSettings]]:
    """The provider served for the block, and the `sources` settings that reach it for `kinds`."""
    with serving(answers, latency_ms=LATENCY_MS, seed=answers.seed) as url:
        yield {
            kind: SourceSettings(url=url, provider=f"sim-{kind}", retries=1, timeout=5.0)
            for kind in kinds
        }
