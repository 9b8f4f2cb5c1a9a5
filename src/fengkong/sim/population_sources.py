"""The external data providers of a run: one simulated HTTP provider (`sim.providers.serving`)
answering the credit bureau and the bank statements about the run's own applicants, so that a
policy with a `sources:` section (retail-bureau-v1) decides through the platform's real fetch
path — consent gate, HTTP client with its retries and circuit breaker, recording — on documents
that follow each applicant's hidden risk.

The provider answers only for applicants the run told it of (`know`, as an application is
made): an ID number it never heard of is a provider's "no record" (an error the client retries,
then gives up on), as at a real bureau.

A run with small businesses (`sim.business_desk`) tells it of each business as it applies
(`know_business`): asked with that business's code, it answers all six kinds a business policy
fetches — the legal representative's credit report, the registry, tax and utility records, the
financial statements and the business account's statements — from the business's hidden state
(`sim.business_documents`)."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Any

from fengkong.core.settings import SourceSettings
from fengkong.sim.business import SmallBusiness
from fengkong.sim.business_documents import BUSINESS_ANSWERS, answer_for_business
from fengkong.sim.model import Applicant
from fengkong.sim.providers import serving
from fengkong.sim.sources_business import ANSWERS
from fengkong.sim.sources_statements import STATEMENT_COST, statement_payload
from fengkong.sources.kinds import SourceKind

__all__ = ["BUSINESS_KINDS", "KINDS", "PopulationSources", "run_providers"]

# What the run's provider answers: a person's documents (the business kinds need a business).
KINDS = (SourceKind.CREDIT_BUREAU, SourceKind.BANK_STATEMENT)
# What it answers about a simulated small business, asked with the business's code.
BUSINESS_KINDS = tuple(BUSINESS_ANSWERS)
LATENCY_MS = 5.0  # small: a simulated year makes thousands of calls


class PopulationSources:
    """The answer function of the run's provider: documents about the applicants it knows."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._people: dict[str, Applicant] = {}
        self._firms: dict[str, SmallBusiness] = {}

    def know(self, applicant: Applicant) -> None:
        self._people[applicant.identity.id_number] = applicant

    def know_business(self, firm: SmallBusiness) -> None:
        self._firms[firm.uscc] = firm

    def __call__(
        self, kind: SourceKind, subject: Mapping[str, str], as_of: date, params: Mapping[str, Any]
    ) -> tuple[Mapping[str, Any], int]:
        firm = self._firms.get(subject.get("uscc", ""))
        if firm is not None:  # a business's application: every document is the business's
            kind = SourceKind(kind)
            if kind not in BUSINESS_ANSWERS:
                raise LookupError(f"this provider does not answer {kind.value}")
            return answer_for_business(firm, kind, as_of, self.seed), int(BUSINESS_ANSWERS[kind][1])
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
