"""The simulated statement and financial-statement providers answer for the seeded population:
every answer is a valid document about that applicant (their name, their card, their business's
code), the same for the same seed, and weaker applicants' statements show more trouble."""

from __future__ import annotations

from datetime import date

from fengkong.features.statements import STATEMENT_FEATURES
from fengkong.sim.model import Segment
from fengkong.sim.population import Population
from fengkong.sim.scenarios import BASELINE
from fengkong.sim.sources_financials import FINANCIALS_COST, financials_payload
from fengkong.sim.sources_statements import STATEMENT_COST, statement_payload
from fengkong.sources import financials, statements
from fengkong.sources.connector import Subject

START = date(2027, 1, 1)


def test_every_applicant_gets_a_valid_statement_and_businesses_financials() -> None:
    population = Population(5, BASELINE, START)
    people = [a for day in range(3) for a in population.arrivals(day, 60)]
    as_of = population.date_of(2)
    weak_trouble, strong_trouble, weak, strong = 0.0, 0.0, 0, 0
    for a in people:
        payload = statement_payload(a, as_of, seed=5)
        assert payload == statement_payload(a, as_of, seed=5)
        doc = statements.read(payload, Subject(a.key, name=a.identity.name), as_of)
        assert doc.statements[0].account_last4 == a.identity.bank_card[-4:]
        got = STATEMENT_FEATURES.compute_online(doc, as_of)
        assert got["statement.months_covered"] == 6
        trouble = (got["statement.gambling_share"] or 0) + (got["statement.bounced_debits"] or 0)
        if a.creditworthiness < -1:
            weak, weak_trouble = weak + 1, weak_trouble + trouble
        elif a.creditworthiness > 1:
            strong, strong_trouble = strong + 1, strong_trouble + trouble
        if a.segment is Segment.SMALL_BUSINESS:
            firm = Subject(a.key, uscc=a.identity.employer_uscc)
            fin = financials.read(financials_payload(a, as_of, seed=5), firm, as_of)
            assert fin.latest.period_to < as_of
    assert weak and strong and weak_trouble / weak > strong_trouble / strong
    assert 0 < STATEMENT_COST < FINANCIALS_COST
