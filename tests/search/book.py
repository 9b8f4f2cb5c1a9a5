"""A small book seeded through the real services (no tests here): applications decided by the
policy with approve, refer and decline outcomes, loans accepted and paid out, a credit line
opened on an approved application and drawn, one opened on none, aged by end of day.

    day   who     application                   channel         then
    0     zhang   approve                       app             loan accepted, paid out; never repaid
    0     wang    decline (a large, long loan)  web
    0     li      refer (other debts unknown)   (none: api)
    20    zhao    approve                       partner ant-01  loan accepted, paid out
    20    zhao    approve (second, new phone)   mini_program    line opened on it, drawn 1,000.00
    20    -       -                             -               line opened on no application
    20    zhang   approve (second, new phone)   branch          left as offered
    45    end of day: zhang's loan is past due, the others current

Each sales channel is used once; the channel decides nothing, so the outcomes are those of the
same applications without one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from factories import body, risky_body
from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context
from fengkong.decision.service import submit_application
from fengkong.lending.credit_lines import draw, open_line
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer
from fengkong.onboarding.validators import resident_id_check_digit


def resident_id(first17: str) -> str:
    return first17 + resident_id_check_digit(first17)


PEOPLE = {
    "zhang": ("张三", resident_id("11010519900307123"), "13800138000"),
    "wang": ("王小明", resident_id("31010119850612456"), "13900139000"),
    "li": ("李四", resident_id("44030119920101789"), "13700137000"),
    "zhao": ("赵六", resident_id("51010719880808321"), "13600136000"),
}
SECOND_PHONES = {"zhang": "13500135000", "zhao": "13300133000"}
# The `channel` of each application's body, by label (li's names none: `api`).
CHANNELS: dict[str, dict[str, str]] = {
    "zhang": {"source": "app"},
    "wang": {"source": "web"},
    "li": {},
    "zhao": {"source": "partner", "partner": "ant-01"},
    "zhao_line": {"source": "mini_program"},
    "zhang_again": {"source": "branch"},
}


@dataclass
class Book:
    applications: dict[str, str] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)
    loans: dict[str, str] = field(default_factory=dict)
    lines: dict[str, str] = field(default_factory=dict)


def apply_as(ctx: Context, who: str, document: dict[str, Any], phone: str | None = None) -> Any:
    name, id_number, first_phone = PEOPLE[who]
    document["applicant"] = {"name": name, "id_number": id_number, "phone": phone or first_phone}
    request = ApplicationIn.model_validate(document).to_request(ctx.clock.business_date())
    return submit_application(request, ctx.decisions)


def _book_loan(ctx: Context, application_id: str, key: str) -> str:
    view = accept_offer(application_id, f"acc-{key}", ctx.lending)
    disburse(view.record.loan_id, f"pay-{key}", ctx.lending)
    return view.record.loan_id


def seed_book(ctx: Context) -> Book:
    book = Book()
    clock: Any = ctx.clock

    def decided(label: str, who: str, document: dict[str, Any], phone: str | None = None) -> str:
        if CHANNELS[label]:
            document["channel"] = CHANNELS[label]
        decision = apply_as(ctx, who, document, phone)
        book.applications[label] = decision.application_id
        book.outcomes[label] = decision.outcome.value
        clock.advance(timedelta(minutes=1))
        return str(decision.application_id)

    zhang = decided("zhang", "zhang", body())
    decided("wang", "wang", risky_body())
    decided("li", "li", {k: v for k, v in body().items() if k != "existing_monthly_debt"})
    book.loans["zhang"] = _book_loan(ctx, zhang, "zhang")

    clock.advance(timedelta(days=20))
    zhao = decided("zhao", "zhao", body(amount="3000.00"))
    book.loans["zhao"] = _book_loan(ctx, zhao, "zhao")
    zhao_line = decided("zhao_line", "zhao", body(), SECOND_PHONES["zhao"])
    line = open_line(400_000, Decimal("0.18"), "line-zhao", ctx.lending, application_id=zhao_line)
    book.lines["zhao"] = line.line_id
    drawn = draw(line.line_id, 100_000, 3, "draw-zhao", ctx.lending)
    book.loans["draw"] = drawn.loan.record.loan_id
    book.lines["bare"] = open_line(200_000, Decimal("0.12"), "line-bare", ctx.lending).line_id
    decided("zhang_again", "zhang", body(amount="2000.00"), SECOND_PHONES["zhang"])

    clock.advance(timedelta(days=25))
    run_end_of_day(clock.business_date(), ctx.lending)
    return book
