from pathlib import Path

import pytest

from fengkong.core.errors import Invalid
from fengkong.core.money import Fen
from fengkong.decision.outcome import Outcome
from fengkong.decision.policy import check_request, evaluate, load_policy

POLICY = load_policy()


@pytest.mark.parametrize(
    ("score", "requested", "outcome", "amount", "code"),
    [
        (514, 100_000, Outcome.DECLINE, None, "POL_SCORE_BELOW_CUTOFF"),
        (515, 100_000, Outcome.REFER, None, "POL_SCORE_IN_REVIEW_BAND"),
        (529, 100_000, Outcome.REFER, None, "POL_SCORE_IN_REVIEW_BAND"),
        (530, 100_000, Outcome.APPROVE, 100_000, None),
        (530, 1_000_000, Outcome.APPROVE, 800_000, "POL_AMOUNT_REDUCED"),
        (560, 3_000_000, Outcome.APPROVE, 2_000_000, "POL_AMOUNT_REDUCED"),
        (600, 3_000_000, Outcome.APPROVE, 3_000_000, None),
    ],
)
def test_cutoffs_and_amount_bands(
    score: int, requested: int, outcome: Outcome, amount: int | None, code: str | None
) -> None:
    result = evaluate(POLICY, score, Fen(requested))
    assert result.outcome == outcome
    assert result.approved_amount == amount
    assert [r.code for r in result.reasons] == ([code] if code else [])


def test_requests_outside_the_product_are_bad_input() -> None:
    with pytest.raises(Invalid) as caught:
        check_request(POLICY, "payday", Fen(10), 999)
    assert {e.loc[0] for e in caught.value.errors} == {"product", "amount", "term_months"}
    check_request(POLICY, "cash_loan", Fen(500_000), 12)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


GOOD = """
version: t-1
product: {code: cash_loan, min_amount: "100", max_amount: "1000", min_term_months: 1, max_term_months: 12}
cutoff: {approve_at: 500, refer_at: 480}
amount_bands: [{min_score: 500, max_amount: "1000"}]
"""


def test_a_policy_that_holds_together_loads(tmp_path: Path) -> None:
    assert load_policy(_write(tmp_path, GOOD)).version == "t-1"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("approve_at: 500, refer_at: 480", "approve_at: 480, refer_at: 500"), "refer_at"),
        (("[{min_score: 500", "[{min_score: 520"), "gap"),
        (
            (
                '[{min_score: 500, max_amount: "1000"}]',
                '[{min_score: 500, max_amount: "1000"}, {min_score: 500, max_amount: "10"}]',
            ),
            "overlap",
        ),
        (("version: t-1", ""), "malformed"),
        (("cutoff:", "cutoff: [\n"), "YAML"),
    ],
)
def test_a_broken_policy_is_refused_at_load(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        load_policy(_write(tmp_path, GOOD.replace(*change)))
