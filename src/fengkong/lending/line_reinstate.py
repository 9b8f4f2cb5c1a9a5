"""An officer's reversal of a disputed automatic line action (复核恢复), as pure functions.

What a reinstatement reverses is the line's latest *rule batch*: the automatic changes (made
with no officer) at the end of the line's history, draws aside, all made on the same business
date — one night's freeze and reduction are disputed, and reversed, together. A batch already
reversed is set aside with its reinstatement, so reinstating again reverses the night before. A freeze is lifted,
a reduction's limit restored (never above the product's largest amount), a rule's raise taken
back, and a close made by a rule reopened. A close the borrower asked for is recorded with the
officer who made it, so it is never a rule's and never reopened here.

A close or freeze for a black-list hit overrides a fraud signal: it is reversed only with
`acknowledge_blacklist`, which the officer gives on purpose (and which is audited).

The reinstatement is one `LineChangeKind.REINSTATED` change whose reason starts with the reason
codes it reversed (`DPD_OVER_THRESHOLD+SCORE_BELOW_THRESHOLD: <the officer's reason>`), so the
rules hold those codes back for `LineRules.reinstate_cooldown_days` (`line.cooling_codes`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from fengkong.core.errors import Conflict, FieldError, Invalid
from fengkong.core.money import Fen
from fengkong.lending.line import (
    CreditLine,
    LineChange,
    LineChangeKind,
    LineStatus,
    reason_code,
)

# The changes a rule makes; an officer's changes carry their name.
RULE_KINDS = frozenset(
    {LineChangeKind.FROZEN, LineChangeKind.REDUCED, LineChangeKind.CLOSED, LineChangeKind.RAISED}
)
BLACKLIST = "BLACKLIST_HIT"


class NothingToReinstate(Conflict):
    """The line's latest change (draws aside) is not a rule's: nothing automatic to reverse."""


def is_automatic(change: LineChange) -> bool:
    """Whether a rule made the change (no officer), as opposed to an officer or the borrower."""
    return change.kind in RULE_KINDS and not change.officer


def _batch_start(changes: list[LineChange], last: int) -> int:
    """The index just before the automatic changes ending at `last` made on its date."""
    first = last
    while first >= 0 and is_automatic(changes[first]) and changes[first].on == changes[last].on:
        first -= 1
    return first


def rule_batch(line: CreditLine) -> tuple[LineChange, ...]:
    """The latest rule batch not yet reversed, oldest first: the automatic changes made on one
    date at the end of the history (draws aside), after setting aside each reinstatement with
    the batch it reversed; empty when an officer's change comes first.

    So a second reinstatement reverses the night before the first one's, as the borrower who
    disputes both would expect."""
    changes = [c for c in line.history if c.kind is not LineChangeKind.DRAWN]
    reversals = 0  # reinstatements seen, each owed the batch before it
    last = len(changes) - 1
    while last >= 0:
        if changes[last].kind is LineChangeKind.REINSTATED:
            reversals += 1
            last -= 1
            continue
        if not is_automatic(changes[last]):
            break
        first = _batch_start(changes, last)
        if not reversals:
            return tuple(changes[first + 1 : last + 1])
        reversals -= 1
        last = first
    return ()


def reinstate(
    line: CreditLine,
    reason: str,
    officer: str,
    on: date,
    *,
    acknowledge_blacklist: bool = False,
) -> CreditLine:
    """Reverse the line's latest rule batch (`rule_batch`) for an officer, with a reason.

    `NothingToReinstate` when there is none; `Invalid` without an officer or a reason, or for a
    black-list action without `acknowledge_blacklist`."""
    errors: list[FieldError] = []
    if not isinstance(officer, str) or not officer.strip():
        errors.append(FieldError(("officer",), "only an officer can reinstate a line"))
    if not isinstance(reason, str) or not reason.strip():
        errors.append(FieldError(("reason",), "a reason is required"))
    if errors:
        raise Invalid(tuple(errors))
    batch = rule_batch(line)
    if not batch:
        raise NothingToReinstate(
            f"line {line.line_id} has no automatic action to reverse: its latest change (not "
            "yet reversed) was made by an officer, or no rule ever acted on it"
        )
    codes = list(dict.fromkeys(reason_code(c) or c.kind.value.upper() for c in batch))
    if BLACKLIST in codes and not acknowledge_blacklist:
        raise Invalid(
            (
                FieldError(
                    ("acknowledge_blacklist",),
                    "the action was taken for a black-list hit: reversing it overrides a fraud "
                    "signal and needs the explicit acknowledgement",
                ),
            )
        )
    limit = line.limit
    limited = [c for c in batch if c.limit_before != c.limit_after]
    if limited:
        limit = Fen(min(limited[0].limit_before, line.product.max_amount))
    status = line.status
    if any(c.kind in (LineChangeKind.FROZEN, LineChangeKind.CLOSED) for c in batch):
        status = LineStatus.ACTIVE
    change = LineChange(
        on,
        LineChangeKind.REINSTATED,
        f"{'+'.join(codes)}: {reason.strip()}",
        line.limit,
        limit,
        officer.strip(),
    )
    return replace(line, limit=limit, status=status, history=(*line.history, change))


def reversed_codes(change: LineChange) -> tuple[str, ...]:
    """The reason codes a reinstatement reversed."""
    return tuple(c for c in reason_code(change).split("+") if c)


def notice_date(line: CreditLine) -> date | None:
    """The latest date a rule acted on the line or an officer reinstated it: the changes its
    borrower is told of (`lending.line_notices`); None if there was none."""
    dates = [c.on for c in line.history if is_automatic(c) or c.kind is LineChangeKind.REINSTATED]
    return max(dates, default=None)
