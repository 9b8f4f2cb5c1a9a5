"""End of day's behaviour re-score on a real database: every active borrower scored as of the
date and the score kept; a borrower whose score falls below the floor has their line's limit cut
once (audited with the score, the model version and the facts), a good payer's limit is raised;
a rerun of the date adds nothing; a new draw is priced by the borrower's latest score. Each
borrower is told of the action once (`lending.line_notices`, the step after the re-score). The model
is a stand-in here (the platform's own behaviour model is trained in the simulator's test)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from fengkong.db.uow import SqlUnitOfWork
from fengkong.lending.behaviour import BehaviourFacts, Scored
from fengkong.lending.blacklist_trigger import bind_line_borrower
from fengkong.lending.credit_lines import draw, get_line, open_line
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.line import LineRules
from fengkong.lending.line_notices import line_notice_step
from fengkong.lending.line_repayment import repay_draw
from fengkong.lending.rescoring import RescoringServices, line_scores, rescore_step
from fengkong.lending.servicing_steps import servicing_steps
from lending.test_collections_support import Recorder, evening, person, servicing
from lending.test_service_support import migrated, new_clock

RULES = LineRules(
    freeze_over_dpd=None,  # the score alone acts here
    reduce_below_score=560,
    raise_above_score=600,
    raise_clean_months=2,
    score_cooldown_days=60,
)


class StandIn:
    """600 points, less 2 a day past due and 30 an instalment paid late."""

    version = "behaviour-stand-in"

    def score_facts(self, facts: Sequence[BehaviourFacts]) -> list[Scored]:
        out = []
        for f in facts:
            score = 600 - 2 * f.days_past_due - 30 * f.instalments_late
            reasons = ("SC_DAYS_PAST_DUE",) if f.days_past_due else ()
            out.append(Scored(score, Decimal("0.05"), reasons))
        return out


def test_rescoring_cuts_a_late_payers_limit_and_raises_a_good_payers(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    channel = Recorder()
    svc = servicing(db, clock, channel=channel)
    config = replace(
        svc.lending.config,
        line_rules=RULES,
        draw_pricing=((600, Decimal("-0.02")), (0, Decimal("0.02"))),
    )
    svc = replace(svc, lending=replace(svc.lending, config=config))
    rescoring = RescoringServices(
        uow=lambda: SqlUnitOfWork(db), clock=clock, rules=RULES, model=lambda: StandIn()
    )
    lines = {}
    for k, who in enumerate(("good", "late")):
        line = open_line(2_000_000, Decimal("0.12"), f"line-{who}", svc.lending)
        _, id_number, phone = person(10 + k)
        bind_line_borrower(line.line_id, svc, id_number=id_number, phone=phone, language="zh-CN")
        lines[who] = line.line_id
    start = clock.business_date()
    drawn = {w: draw(lines[w], 600_000, 3, f"draw-{w}", svc.lending).loan for w in lines}
    good_draw = drawn["good"].record.loan_id
    steps = (
        *servicing_steps(svc),
        rescore_step(rescoring),
        lambda day: line_notice_step(day, svc),  # as `bootstrap.Context.eod_steps` runs it
    )
    day = start
    while day < start + timedelta(days=70):
        evening(clock, day)
        for instalment in drawn["good"].schedule:
            if instalment.due == day:
                repay_draw(lines["good"], good_draw, instalment.total, f"pay-{day}", svc.lending)
        run_end_of_day(day, svc.lending, steps=steps)
        day += timedelta(days=1)
    late = get_line(lines["late"], svc.lending)
    good = get_line(lines["good"], svc.lending)
    assert late.limit == 1_000_000  # cut once: the cooldown holds the second cut back
    cuts = [h for h in late.history if h.kind.value == "reduced"]
    assert len(cuts) == 1 and cuts[0].reason.startswith("SCORE_BELOW_THRESHOLD: behaviour score")
    assert good.limit == 2_400_000 and good.history[-1].kind.value == "raised"
    told = {w: [m for m in channel.sent if m.subject_id == lines[w]] for w in lines}
    assert [m.kind for m in told["late"]] == ["line_reduced"]
    assert [m.kind for m in told["good"]] == ["line_raised"]
    assert "由20000.00元调整为10000.00元" in told["late"][0].text
    assert "由20000.00元提升至24000.00元" in told["good"][0].text
    assert "用信和还款" in told["good"][0].text and told["good"][0].language == "zh-CN"

    with db.engine.connect() as conn:
        audits = conn.execute(
            sa.text(
                "select actor, action, payload from audit_log where subject_id = :s "
                "and action = 'line.reduce'"
            ),
            {"s": lines["late"]},
        ).all()
        per_day = conn.execute(
            sa.text("select count(*), count(distinct business_date) from behaviour_scores")
        ).one()
    (audit,) = audits
    payload = json.loads(audit.payload) if isinstance(audit.payload, str) else audit.payload
    assert audit.actor == "system:rescore" and payload["reason"] == "SCORE_BELOW_THRESHOLD"
    assert payload["behaviour_score"]["model_version"] == "behaviour-stand-in"
    assert payload["behaviour_score"]["facts"]["days_past_due"] > 0
    assert per_day[0] == 2 * per_day[1]  # both borrowers, once a date

    last = start + timedelta(days=69)
    scores = line_scores(lines["late"], 5, rescoring)
    assert [s.business_date for s in scores] == [last - timedelta(days=k) for k in range(5)]
    assert scores[0].score < 560 and scores[0].reasons == ("SC_DAYS_PAST_DUE",)

    # the same date again: scored again (same score), no second action
    rescore_step(rescoring)(last)
    assert get_line(lines["late"], svc.lending).limit == 1_000_000
    assert len(line_scores(lines["late"], 366, rescoring)) == 70

    # the good payer's next draw is priced two points under the line's rate
    again = draw(lines["good"], 100_000, 3, "draw-good-2", svc.lending).loan
    assert again.record.state.terms.annual_rate == Decimal("0.10")
