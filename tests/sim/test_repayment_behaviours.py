"""What each kind of borrower does about their instalments, as `sim.behaviour.repayment` says:
fraudsters never pay; defaulters pay a few, then miss every later one; cured borrowers miss a
spell of one to three and catch up; early settlers settle once; the occasionally late are now
and then late or short; the steady pay on the day. A downturn turns more payers into
defaulters in its active months, more so for small businesses, and never lets one pay again."""

from collections import Counter
from datetime import date
from decimal import Decimal
from functools import cache

from fengkong.sim.behaviour import PD_HORIZON_MONTHS, probability_of_default, repayment
from fengkong.sim.model import Applicant, Behaviour, Repayment, Scenario, Segment
from fengkong.sim.population import Population
from fengkong.sim.scenarios import BASELINE, DOWNTURN

SEED = 3


@cache
def applicants() -> tuple[Applicant, ...]:
    population = Population(21, BASELINE, date(2027, 1, 1))
    return tuple(a for day in range(30) for a in population.arrivals(day, 100))


def stream(a: Applicant, scenario: Scenario = BASELINE, loan: int = 0) -> list[Repayment]:
    """The applicant's answers for every instalment of a loan whose first falls due in month 1."""
    return [
        repayment(a, loan=loan, instalment=n, month=n, scenario=scenario, seed=SEED)
        for n in range(1, a.term_months + 1)
    ]


def of(behaviour: Behaviour) -> list[Applicant]:
    return [a for a in applicants() if a.behaviour is behaviour and not a.is_fraud]


def test_fraud_never_pays() -> None:
    fraud = [a for a in applicants() if a.is_fraud]
    assert fraud
    for a in fraud:
        assert all(r.misses for r in stream(a))


def test_defaulters_pay_a_few_then_miss_every_later_instalment() -> None:
    paid_before_default: Counter[int] = Counter()
    for a in of(Behaviour.ROLLS_TO_DEFAULT):
        answers = stream(a)
        first = next(n for n, r in enumerate(answers, 1) if r.misses)
        assert first <= min(a.term_months, PD_HORIZON_MONTHS)
        assert all(r == Repayment(days_late=0) for r in answers[: first - 1])
        assert all(r.misses for r in answers[first - 1 :])
        paid_before_default[first - 1] += 1
    total = sum(paid_before_default.values())
    assert sum(paid_before_default[k] for k in range(4)) / total > 0.7  # often 0 to 3


def test_cured_borrowers_miss_a_spell_then_catch_up() -> None:
    for a in of(Behaviour.CURED):
        missed = [n for n, r in enumerate(stream(a), 1) if r.misses]
        assert 1 <= len(missed) <= 3
        assert missed == list(range(missed[0], missed[0] + len(missed)))  # one spell
        catch_up = stream(a)[missed[-1]]  # the instalment after the spell
        assert catch_up == Repayment(days_late=0, share=Decimal(1))


def test_early_settlers_settle_once_within_the_term() -> None:
    for a in of(Behaviour.EARLY_SETTLER):
        answers = stream(a)
        assert sum(r.settle for r in answers) == 1
        assert all(r.days_late == 0 for r in answers)


def test_the_occasionally_late_and_the_steady() -> None:
    late = [r for a in of(Behaviour.OCCASIONALLY_LATE) for r in stream(a)]
    assert not any(r.misses for r in late)
    on_time = sum(r.days_late == 0 and r.share == 1 for r in late)
    assert 0.6 < on_time / len(late) < 0.9
    assert all(3 <= (r.days_late or 0) <= 25 for r in late if r.share == 1 and r.days_late)
    assert all(Decimal("0.3") <= r.share <= Decimal("0.7") for r in late if r.share != 1)
    assert any(r.share != 1 for r in late) and any(r.days_late for r in late)
    for a in of(Behaviour.STEADY):
        assert all(r == Repayment(days_late=0) for r in stream(a))


def test_answers_are_a_function_of_their_arguments() -> None:
    a = of(Behaviour.OCCASIONALLY_LATE)[0]
    ask = dict(loan=2, instalment=5, month=9, scenario=DOWNTURN, seed=SEED)
    assert repayment(a, **ask) == repayment(a, **ask)  # type: ignore[arg-type]
    loans = {tuple(stream(a, loan=k)) for k in range(6)}
    assert len(loans) > 1  # each loan draws afresh


def _first_misses(scenario: Scenario, segment: Segment) -> Counter[int]:
    """Month of each payer's first miss, over a 12-instalment loan starting in month 1."""
    months: Counter[int] = Counter()
    for a in applicants():
        if a.is_fraud or a.segment is not segment or a.behaviour is Behaviour.CURED:
            continue
        for n in range(1, 13):
            if repayment(a, loan=0, instalment=n, month=n, scenario=scenario, seed=SEED).misses:
                months[n] += 1
                break
    return months


def test_a_downturn_turns_more_payers_into_defaulters_from_its_start() -> None:
    for segment, factor in ((Segment.INDIVIDUAL, 1.3), (Segment.SMALL_BUSINESS, 1.6)):
        calm = _first_misses(BASELINE, segment)
        shocked = _first_misses(DOWNTURN, segment)
        assert all(shocked[m] == calm[m] for m in range(1, 3))  # before month 3: the same
        after_calm = sum(calm[m] for m in range(3, 13))
        after_shocked = sum(shocked[m] for m in range(3, 13))
        assert after_shocked > factor * after_calm, (segment, after_calm, after_shocked)


def test_a_turned_borrower_never_pays_that_loan_again() -> None:
    turned = 0
    for a in applicants():
        if a.is_fraud or a.behaviour is not Behaviour.STEADY:
            continue
        answers = stream(a, DOWNTURN)
        if any(r.misses for r in answers):
            turned += 1
            first = next(n for n, r in enumerate(answers) if r.misses)
            assert all(r.misses for r in answers[first:])
    assert turned > 20


def test_probability_of_default() -> None:
    honest = [a for a in applicants() if not a.is_fraud]
    expected = sum(probability_of_default(a) for a in honest) / len(honest)
    observed = sum(a.behaviour is Behaviour.ROLLS_TO_DEFAULT for a in honest) / len(honest)
    assert abs(expected - observed) < 0.02  # behaviour is drawn with this PD
    a = honest[0]
    assert probability_of_default(a, DOWNTURN, month=0) > probability_of_default(a, month=0)
    assert probability_of_default(a, DOWNTURN, month=40) > probability_of_default(
        a, DOWNTURN, month=0
    )
    assert probability_of_default(a, DOWNTURN, month=-12) == probability_of_default(a)
    assert all(probability_of_default(f) == 1.0 for f in applicants() if f.is_fraud)
