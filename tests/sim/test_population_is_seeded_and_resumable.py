"""The population is a function of (seed, day, slot): the same seed gives the same applicants,
a day drawn on its own equals the day drawn after the ones before it (a resumed run repeats an
interrupted one), and a different seed gives different people."""

from datetime import date

from fengkong.sim.population import Population, month_of
from fengkong.sim.scenarios import BASELINE

START = date(2027, 1, 1)


def test_same_seed_same_applicants_whatever_was_asked_before() -> None:
    walked = Population(7, BASELINE, START)
    for day in range(5):
        walked.arrivals(day, 40)
    fresh = Population(7, BASELINE, START)
    assert fresh.arrivals(5, 40) == walked.arrivals(5, 40)
    assert fresh.arrivals(5, 40) == Population(7, BASELINE, START).arrivals(5, 40)


def test_a_day_with_fewer_applicants_is_a_prefix() -> None:
    population = Population(7, BASELINE, START)
    assert population.arrivals(9, 12) == population.arrivals(9, 50)[:12]


def test_different_seeds_differ() -> None:
    a = Population(7, BASELINE, START).arrivals(3, 30)
    b = Population(8, BASELINE, START).arrivals(3, 30)
    assert [x.key for x in a] == [x.key for x in b]  # the same slots…
    assert not {x.identity.id_number for x in a} & {x.identity.id_number for x in b}  # …not people
    assert [x.creditworthiness for x in a] != [x.creditworthiness for x in b]


def test_keys_are_unique_and_name_the_day() -> None:
    population = Population(1, BASELINE, START)
    applicants = [a for day in (0, 42, 365) for a in population.arrivals(day, 120)]
    assert len({a.key for a in applicants}) == len(applicants)
    assert applicants[0].key == "d0000-000"
    assert all(a.key.startswith(f"d{a.day:04d}-") for a in applicants)
    assert {a.day for a in applicants} == {0, 42, 365}


def test_months_are_calendar_months_since_start() -> None:
    assert month_of(START, date(2027, 1, 31)) == 0
    assert month_of(START, date(2027, 2, 1)) == 1
    assert month_of(date(2027, 11, 15), date(2028, 2, 1)) == 3
    population = Population(1, BASELINE, date(2027, 1, 31))
    assert population.date_of(1) == date(2027, 2, 1) and population.month(1) == 1
