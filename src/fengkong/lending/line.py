"""Revolving credit lines (循环额度, like 借呗 or 微粒贷) and the actions risk triggers take on them.

A line has a limit; each draw is booked as its own loan (`LoanState`) on its own schedule, and
the line keeps the principal outstanding per draw. `available = limit − drawn principal
outstanding`, never below zero (a reduced limit may sit under what is already drawn). The line
learns of repayments through `sync_draw`, which copies a draw's principal outstanding from its
loan state, so a repayment, a reversal or a settlement all restore (or take back) availability
the same way.

Frozen lines take no draws until an officer unfreezes them; closed lines never again. Repayments
on existing draws go on whatever the line's status. Every change records its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from fengkong.core.errors import Conflict, FieldError, Invalid
from fengkong.core.money import Fen, format_fen, to_fen
from fengkong.lending.loan import LoanState, Transition, book_loan, positive_amount
from fengkong.lending.product import Product, ProductKind
from fengkong.lending.quote import quote


class LineStatus(StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"  # 冻结
    CLOSED = "closed"  # 关闭


class LineChangeKind(StrEnum):
    OPENED = "opened"
    DRAWN = "drawn"
    FROZEN = "frozen"
    UNFROZEN = "unfrozen"
    REDUCED = "reduced"  # 降额
    RAISED = "raised"  # 提额
    CLOSED = "closed"
    REINSTATED = "reinstated"  # an officer reversed a rule's action on dispute (复核恢复)


@dataclass(frozen=True, slots=True)
class LineChange:
    """One entry of the line's history; `officer` is empty when a rule acted."""

    on: date
    kind: LineChangeKind
    reason: str
    limit_before: Fen
    limit_after: Fen
    officer: str = ""


@dataclass(frozen=True, slots=True)
class DrawBalance:
    draw_id: str
    principal_outstanding: Fen


@dataclass(frozen=True, slots=True)
class CreditLine:
    line_id: str
    product: Product
    annual_rate: Decimal
    limit: Fen
    status: LineStatus = LineStatus.ACTIVE
    draws: tuple[DrawBalance, ...] = ()
    history: tuple[LineChange, ...] = ()

    @property
    def drawn_outstanding(self) -> Fen:
        return Fen(sum(d.principal_outstanding for d in self.draws))

    @property
    def available(self) -> Fen:
        return Fen(max(0, self.limit - self.drawn_outstanding))


@dataclass(frozen=True, slots=True)
class Drawn:
    """A draw: the line after it, and the new loan with its schedule and disbursement event."""

    line: CreditLine
    loan: Transition


class LineFrozen(Conflict):
    pass


class LineClosed(Conflict):
    pass


class OverAvailable(Conflict):
    """A draw above what the line has available: the request is well formed, the line refuses."""


def _reason(reason: str) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid((FieldError(("reason",), "a reason is required"),))
    return reason.strip()


def _record(
    line: CreditLine,
    on: date,
    kind: LineChangeKind,
    reason: str,
    *,
    limit: Fen | None = None,
    officer: str = "",
    status: LineStatus | None = None,
) -> CreditLine:
    new_limit = line.limit if limit is None else limit
    change = LineChange(on, kind, reason, line.limit, new_limit, officer)
    return replace(
        line,
        limit=new_limit,
        status=line.status if status is None else status,
        history=(*line.history, change),
    )


def open_line(
    line_id: str, product: Product, limit: int, annual_rate: Decimal, on: date
) -> CreditLine:
    errors: list[FieldError] = []
    if not line_id:
        errors.append(FieldError(("line_id",), "required"))
    if product.kind is not ProductKind.REVOLVING_LINE:
        errors.append(FieldError(("product",), f"{product.code} is not a revolving line product"))
    if not product.min_annual_rate <= annual_rate <= product.max_annual_rate:
        errors.append(FieldError(("annual_rate",), f"rate {annual_rate} is outside the product"))
    if errors:
        raise Invalid(tuple(errors))
    amount = positive_amount(limit, "limit")
    line = CreditLine(line_id, product, annual_rate, amount)
    return _record(line, on, LineChangeKind.OPENED, "opened", limit=amount)


def draw(
    line: CreditLine,
    amount: int,
    terms: int,
    on: date,
    draw_id: str,
    first_due: date | None = None,
    annual_rate: Decimal | None = None,
) -> Drawn:
    """支用: book `amount` as a new loan on its own schedule, if the line allows it; at
    `annual_rate` when risk-based pricing set one, else at the line's rate."""
    if line.status is LineStatus.CLOSED:
        raise LineClosed(f"line {line.line_id} is closed")
    if line.status is LineStatus.FROZEN:
        raise LineFrozen(f"line {line.line_id} is frozen")
    cash = positive_amount(amount)
    if cash > line.available:
        raise OverAvailable(
            f"{cash} fen is over the {line.available} fen available on line {line.line_id}"
        )
    if any(d.draw_id == draw_id for d in line.draws):
        raise Conflict(f"draw {draw_id} is already on line {line.line_id}")
    rate = line.annual_rate if annual_rate is None else annual_rate
    offer = quote(line.product, cash, terms, rate, on, first_due)
    booked = book_loan(draw_id, line.product, offer, on)
    balance = DrawBalance(draw_id, booked.state.principal_outstanding)
    drawn = _record(line, on, LineChangeKind.DRAWN, f"draw {draw_id} of {format_fen(cash)}")
    return Drawn(replace(drawn, draws=(*drawn.draws, balance)), booked)


def sync_draw(line: CreditLine, loan: LoanState) -> CreditLine:
    """Take a draw's principal outstanding from its loan state (after a repayment, say)."""
    if not any(d.draw_id == loan.loan_id for d in line.draws):
        raise Invalid((FieldError(("loan",), f"{loan.loan_id} is not a draw on this line"),))
    return replace(
        line,
        draws=tuple(
            DrawBalance(d.draw_id, loan.principal_outstanding) if d.draw_id == loan.loan_id else d
            for d in line.draws
        ),
    )


def freeze(line: CreditLine, reason: str, on: date, officer: str = "") -> CreditLine:
    if line.status is LineStatus.CLOSED:
        raise LineClosed(f"line {line.line_id} is closed")
    if line.status is LineStatus.FROZEN:
        raise LineFrozen(f"line {line.line_id} is already frozen")
    return _record(
        line, on, LineChangeKind.FROZEN, _reason(reason), officer=officer, status=LineStatus.FROZEN
    )


def unfreeze(line: CreditLine, reason: str, officer: str, on: date) -> CreditLine:
    """An officer lifts a freeze (the appeal path); a rule never does."""
    if not isinstance(officer, str) or not officer.strip():
        raise Invalid((FieldError(("officer",), "only an officer can unfreeze a line"),))
    if line.status is not LineStatus.FROZEN:
        raise Conflict(f"line {line.line_id} is {line.status.value}, not frozen")
    return _record(
        line,
        on,
        LineChangeKind.UNFROZEN,
        _reason(reason),
        officer=officer.strip(),
        status=LineStatus.ACTIVE,
    )


def reduce(
    line: CreditLine, new_limit: int, reason: str, on: date, officer: str = ""
) -> CreditLine:
    """降额: lower the limit; it may fall below what is drawn, which only stops new draws."""
    if line.status is LineStatus.CLOSED:
        raise LineClosed(f"line {line.line_id} is closed")
    if isinstance(new_limit, bool) or not isinstance(new_limit, int) or new_limit < 0:
        raise Invalid((FieldError(("new_limit",), f"must be fen ≥ 0: {new_limit!r}"),))
    if new_limit >= line.limit:
        raise Invalid(
            (
                FieldError(
                    ("new_limit",),
                    f"{format_fen(new_limit)} does not reduce {format_fen(line.limit)}",
                ),
            )
        )
    return _record(
        line, on, LineChangeKind.REDUCED, _reason(reason), limit=Fen(new_limit), officer=officer
    )


def relimit(line: CreditLine, new_limit: int, reason: str, on: date, officer: str) -> CreditLine:
    """调额: set the limit; lower is a reduction (as `reduce`), higher a raise (提额).

    A raise is a credit decision: only an officer makes it, on an active line, within the
    product's largest amount.
    """
    if isinstance(new_limit, bool) or not isinstance(new_limit, int) or new_limit < 0:
        raise Invalid((FieldError(("new_limit",), f"must be fen ≥ 0: {new_limit!r}"),))
    if line.status is LineStatus.CLOSED:
        raise LineClosed(f"line {line.line_id} is closed")
    if new_limit < line.limit:
        return reduce(line, new_limit, reason, on, officer)
    if new_limit == line.limit:
        raise Invalid(
            (FieldError(("new_limit",), f"{format_fen(new_limit)} is already the limit"),)
        )
    if not isinstance(officer, str) or not officer.strip():
        raise Invalid((FieldError(("officer",), "only an officer can raise a limit"),))
    if new_limit > line.product.max_amount:
        raise Invalid(
            (
                FieldError(
                    ("new_limit",),
                    f"{format_fen(new_limit)} is over the product's {format_fen(line.product.max_amount)}",
                ),
            )
        )
    if line.status is LineStatus.FROZEN:
        raise LineFrozen(f"line {line.line_id} is frozen: unfreeze it before raising its limit")
    return _record(
        line,
        on,
        LineChangeKind.RAISED,
        _reason(reason),
        limit=Fen(new_limit),
        officer=officer.strip(),
    )


def close(line: CreditLine, reason: str, on: date, officer: str = "") -> CreditLine:
    """关闭: no more draws, ever; the draws already made are repaid as scheduled."""
    if line.status is LineStatus.CLOSED:
        raise LineClosed(f"line {line.line_id} is already closed")
    return _record(
        line, on, LineChangeKind.CLOSED, _reason(reason), officer=officer, status=LineStatus.CLOSED
    )


# ---- risk triggers ----------------------------------------------------------------------------


class ActionKind(StrEnum):
    FREEZE = "freeze"
    REDUCE = "reduce"
    CLOSE = "close"
    RAISE = "raise"  # 提额, for a good payer whose behaviour score is high


@dataclass(frozen=True, slots=True)
class Action:
    kind: ActionKind
    reason: str  # a reason code, stable for reports: "DPD_OVER_THRESHOLD"
    detail: str
    new_limit: Fen | None = None


@dataclass(frozen=True, slots=True)
class LineSignals:
    """What is known about the borrower now (from delinquency, fraud, re-scoring, collateral)."""

    days_past_due: int = 0  # the worst over the line's draws
    new_blacklist_hits: tuple[str, ...] = ()  # list names hit since the last review
    behaviour_score: int | None = None  # the latest periodic re-score, if any
    unmet_margin_calls: int = 0  # margin calls past their deadline
    score_reasons: tuple[str, ...] = ()  # the re-score's reason codes, most adverse first
    months_since_late: int | None = None  # clean months behind the borrower, if known
    as_of: date | None = None  # the business date the signals are of


@dataclass(frozen=True, slots=True)
class LineRules:
    """Configured triggers; None switches a trigger off.

    The behaviour-score triggers (`docs/post-loan.md`): below `close_below_score` the line is
    closed, below `freeze_below_score` frozen, below `reduce_below_score` its limit cut to
    `reduce_to` of itself; at or above `raise_above_score`, with no days past due and at least
    `raise_clean_months` months without a late instalment, raised by `raise_by` (to whole
    hundreds of yuan, within the product's largest amount). A limit the score moved is not
    moved by it again for `score_cooldown_days`, so one bad month does not halve a line nightly.
    """

    freeze_over_dpd: int | None = 0  # freeze when DPD exceeds this
    close_on_blacklist: bool = True
    reduce_below_score: int | None = None  # reduce when the score falls below this
    reduce_to: Decimal = Decimal("0.5")  # the new limit as a share of the current one, rounded down
    freeze_on_unmet_margin_call: bool = True
    freeze_below_score: int | None = None
    close_below_score: int | None = None
    raise_above_score: int | None = None
    raise_by: Decimal = Decimal("0.2")  # the raise as a share of the current limit
    raise_clean_months: int = 6
    score_cooldown_days: int = 90
    # After an officer reinstates a line, a rule with the reversed reason code stays quiet on it
    # this many days: the signal that fired it has not changed, and re-firing the next night
    # would undo the reversal (`lending.line_reinstate`).
    reinstate_cooldown_days: int = 30

    def __post_init__(self) -> None:
        if not isinstance(self.reduce_to, Decimal) or not 0 <= self.reduce_to < 1:
            raise Invalid((FieldError(("reduce_to",), "must be a Decimal in [0, 1)"),))
        if self.reinstate_cooldown_days < 0:
            raise Invalid((FieldError(("reinstate_cooldown_days",), "must be ≥ 0"),))
        if self.freeze_over_dpd is not None and self.freeze_over_dpd < 0:
            raise Invalid((FieldError(("freeze_over_dpd",), "must be ≥ 0"),))
        if not isinstance(self.raise_by, Decimal) or not 0 < self.raise_by <= 1:
            raise Invalid((FieldError(("raise_by",), "must be a Decimal in (0, 1]"),))
        if self.raise_clean_months < 0 or self.score_cooldown_days < 0:
            raise Invalid((FieldError(("score_cooldown_days",), "must be ≥ 0"),))
        below = (self.close_below_score, self.freeze_below_score, self.reduce_below_score)
        if self.raise_above_score is not None and any(
            t is not None and t > self.raise_above_score for t in below
        ):
            raise Invalid(
                (FieldError(("raise_above_score",), "must be above every 'below' threshold"),)
            )


DEFAULT_LINE_RULES = LineRules()


# A black-list hit acts once per list entry (the trigger records each), so a new hit after a
# reinstatement is a new signal: it is never held back by the cooldown.
NO_COOLDOWN = frozenset({"BLACKLIST_HIT"})


def reason_code(change: LineChange) -> str:
    """The reason code a rule recorded (`CODE: detail`); for a reinstatement, the codes it
    reversed joined by `+`."""
    head, sep, _ = change.reason.partition(":")
    return head.strip() if sep else ""


def cooling_codes(line: CreditLine, on: date, rules: LineRules) -> frozenset[str]:
    """The reason codes an officer's reinstatement holds back on `on` (within the cooldown)."""
    codes: set[str] = set()
    for change in line.history:
        if change.kind is LineChangeKind.REINSTATED and (
            (on - change.on).days < rules.reinstate_cooldown_days
        ):
            codes.update(c for c in reason_code(change).split("+") if c)
    return frozenset(codes - NO_COOLDOWN)


def line_actions(
    line: CreditLine,
    signals: LineSignals,
    rules: LineRules = DEFAULT_LINE_RULES,
    on: date | None = None,
) -> tuple[Action, ...]:
    """The actions the triggers call for, most severe first; nothing a line already is.

    A close makes freezing or reducing pointless, so when it fires it is the only action. As of
    `on` (else the signals' `as_of`), an action whose reason an officer reversed within the
    cooldown is left out (`cooling_codes`).
    """
    when = on if on is not None else signals.as_of
    quiet = frozenset() if when is None else cooling_codes(line, when, rules)
    return tuple(a for a in _triggered(line, signals, rules) if a.reason not in quiet)


def _triggered(line: CreditLine, signals: LineSignals, rules: LineRules) -> tuple[Action, ...]:
    """What the triggers call for, before any reinstatement's cooldown."""
    if line.status is LineStatus.CLOSED:
        return ()
    if rules.close_on_blacklist and signals.new_blacklist_hits:
        hits = ", ".join(signals.new_blacklist_hits)
        return (Action(ActionKind.CLOSE, "BLACKLIST_HIT", f"new black-list hit: {hits}"),)
    actions: list[Action] = []
    if line.status is not LineStatus.FROZEN:
        if rules.freeze_over_dpd is not None and signals.days_past_due > rules.freeze_over_dpd:
            actions.append(
                Action(
                    ActionKind.FREEZE,
                    "DPD_OVER_THRESHOLD",
                    f"{signals.days_past_due} days past due > {rules.freeze_over_dpd}",
                )
            )
        elif rules.freeze_on_unmet_margin_call and signals.unmet_margin_calls > 0:
            actions.append(
                Action(
                    ActionKind.FREEZE,
                    "MARGIN_CALL_UNMET",
                    f"{signals.unmet_margin_calls} margin call(s) unmet past the deadline",
                )
            )
    scored = _score_actions(line, signals, rules, frozen=bool(actions))
    if any(a.kind is ActionKind.CLOSE for a in scored):
        return scored
    return (*actions, *scored)


YUAN_100 = 10_000  # a raised limit is whole hundreds of yuan


def _moved_by_score_lately(line: CreditLine, signals: LineSignals, rules: LineRules) -> bool:
    if signals.as_of is None:
        return False
    since = signals.as_of.toordinal() - rules.score_cooldown_days
    return any(
        c.kind in (LineChangeKind.REDUCED, LineChangeKind.RAISED) and c.on.toordinal() > since
        for c in line.history
    )


def _score_actions(
    line: CreditLine, signals: LineSignals, rules: LineRules, *, frozen: bool
) -> tuple[Action, ...]:
    """What the behaviour score calls for, beside the actions already decided."""
    score = signals.behaviour_score
    if score is None:
        return ()
    why = f" ({', '.join(signals.score_reasons[:3])})" if signals.score_reasons else ""
    if rules.close_below_score is not None and score < rules.close_below_score:
        detail = f"behaviour score {score} < {rules.close_below_score}{why}"
        return (Action(ActionKind.CLOSE, "SCORE_BELOW_CLOSE", detail),)
    actions: list[Action] = []
    if (
        rules.freeze_below_score is not None
        and score < rules.freeze_below_score
        and line.status is LineStatus.ACTIVE
        and not frozen
    ):
        detail = f"behaviour score {score} < {rules.freeze_below_score}{why}"
        actions.append(Action(ActionKind.FREEZE, "SCORE_BELOW_FREEZE", detail))
    if _moved_by_score_lately(line, signals, rules):
        return tuple(actions)
    if rules.reduce_below_score is not None and score < rules.reduce_below_score:
        new_limit = to_fen(line.limit * rules.reduce_to, ROUND_DOWN)
        if new_limit < line.limit:
            detail = f"behaviour score {score} < {rules.reduce_below_score}{why}"
            actions.append(
                Action(ActionKind.REDUCE, "SCORE_BELOW_THRESHOLD", detail, new_limit=new_limit)
            )
    elif (
        rules.raise_above_score is not None
        and score >= rules.raise_above_score
        and line.status is LineStatus.ACTIVE
        and not frozen
        and not actions
        and signals.days_past_due == 0
        and (signals.months_since_late or 0) >= rules.raise_clean_months
    ):
        raised = to_fen(line.limit * (1 + rules.raise_by), ROUND_DOWN) // YUAN_100 * YUAN_100
        new_limit = Fen(min(raised, line.product.max_amount))
        if new_limit > line.limit:
            detail = (
                f"behaviour score {score} ≥ {rules.raise_above_score}, "
                f"{signals.months_since_late} months without a late payment"
            )
            actions.append(
                Action(ActionKind.RAISE, "SCORE_ABOVE_THRESHOLD", detail, new_limit=new_limit)
            )
    return tuple(actions)


def apply_actions(line: CreditLine, actions: tuple[Action, ...], on: date) -> CreditLine:
    """Carry out `line_actions`' result; the reason recorded is the code and its detail."""
    for action in actions:
        reason = f"{action.reason}: {action.detail}"
        if action.kind is ActionKind.CLOSE:
            line = close(line, reason, on)
        elif action.kind is ActionKind.FREEZE:
            line = freeze(line, reason, on)
        elif action.kind is ActionKind.RAISE and action.new_limit is not None:
            line = raise_by_rule(line, action.new_limit, reason, on)
        elif action.new_limit is not None:
            line = reduce(line, action.new_limit, reason, on)
    return line


def raise_by_rule(line: CreditLine, new_limit: Fen, reason: str, on: date) -> CreditLine:
    """提额 by a configured rule (a good payer's behaviour score): the credit decision is the
    risk team's, made when they configured the rule; an active line, within the product."""
    if line.status is not LineStatus.ACTIVE:
        raise Conflict(f"line {line.line_id} is {line.status.value}: only an active line is raised")
    if not line.limit < new_limit <= line.product.max_amount:
        raise Invalid((FieldError(("new_limit",), f"cannot raise to {format_fen(new_limit)}"),))
    return _record(line, on, LineChangeKind.RAISED, _reason(reason), limit=new_limit)
