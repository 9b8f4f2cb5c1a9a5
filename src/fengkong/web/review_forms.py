"""The review queue's words and forms: the labels of standings, channels, actions and policy
stages in the person's language; the approve form's fields read as an officer types them (the
limit in yuan, the rate in percent) into the use case's `AskedTerms`; and the use cases'
refusals turned into an error beside each field, in the person's language, naming the bounds.

The bounds themselves are the decision package's (`officer_terms.terms_bounds`): nothing here
decides what may be granted."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from fengkong.core.errors import Conflict, FieldError, Invalid
from fengkong.core.money import Fen, fen_to_yuan, yuan_to_fen
from fengkong.core.reason import Reason
from fengkong.decision.officer_terms import AskedTerms, TermsBounds
from fengkong.decision.review import (
    COMMENT_MAX_LEN,
    AlreadyClaimed,
    FourEyesViolation,
    NotClaimedByYou,
    ReviewClosed,
    TermsDiffer,
)
from fengkong.web.i18n import N_, NOT_VALID, Language

Say = Callable[..., str]

STATUS_NAMES = {
    "active": N_("Awaiting a decision"),
    "open": N_("Open"),
    "claimed": N_("Claimed"),
    "mine": N_("Held by me"),
    "awaiting_second": N_("Awaiting second approval"),
    "approved": N_("Approved"),
    "declined": N_("Declined"),
    "expired": N_("Expired"),
}
ORDER_NAMES = {
    "newest": N_("Newest first"),
    "oldest": N_("Oldest first"),
    "due": N_("Due soonest first"),
}
CHANNEL_NAMES = {
    "api": N_("Open API"),
    "app": N_("Mobile app"),
    "branch": N_("Branch"),
    "mini_program": N_("Mini program"),
    "partner": N_("Partner referral"),
    "web": N_("Website"),
}
ACTION_NAMES = {
    "enqueued": N_("Referred to the queue"),
    "claimed": N_("Claimed"),
    "first_approval": N_("First approval"),
    "approved": N_("Approved"),
    "declined": N_("Declined"),
    "expired": N_("Expired"),
}
STAGE_NAMES = {
    "signals": N_("Fraud signals"),
    "knock_outs": N_("Knock-out rules"),
    "fraud": N_("Fraud rules"),
    "score": N_("Score"),
    "limit": N_("Limit"),
    "pricing": N_("Pricing"),
    "step_up": N_("Identity check"),
    "sources": N_("External data"),
    "security": N_("Security"),
    "caps": N_("Caps"),
}
DID_NAMES = {
    "pass": N_("Passed"),
    "refer": N_("Referred"),
    "decline": N_("Declined"),
    "approve": N_("Approved"),
    "assign": N_("Assigned"),
    "verify": N_("Identity check asked"),
}
LOAN_STAGE_NAMES = {
    "pending_disbursement": N_("awaiting payout"),
    "active": N_("active"),
    "settled": N_("settled"),
    "written_off": N_("written off"),
    "cancelled": N_("cancelled"),
}
LIST_NAMES = {
    "lists.black_hit": N_("Blacklist"),
    "lists.grey_hit": N_("Greylist"),
    "lists.white_hit": N_("Whitelist"),
}
# The tightest bound on the limit, as `officer_terms` words it (its start), in the person's words.
BASIS_NAMES = (
    ("the product's maximum", N_("the product's maximum")),
    ("the amount applied for", N_("the amount applied for")),
    ("the limit matrix", N_("the limit matrix")),
    ("the exposure cap", N_("the exposure cap less what is already lent")),
)

LIMIT_MALFORMED = N_("Enter an amount in yuan, e.g. 4000 or 4000.50.")
LIMIT_OUTSIDE = N_("Enter a limit from %(low)s to %(high)s (the most: %(basis)s).")
RATE_MALFORMED = N_("Enter the annual rate in percent, e.g. 12.5.")
RATE_OUTSIDE = N_("Enter a rate from %(low)s to %(high)s.")
RATE_OVER_CAP = N_(
    "At this rate the loan's all-in APR is above the legal cap of %(cap)s: lower it."
)
RATE_DIGITS = N_("At most four decimals in the percentage.")
TERM_NOT_OFFERED = N_("Choose one of the terms the product offers.")
COMMENT_NEEDED = N_("Write why: it is kept in the audit log.")
COMMENT_TOO_LONG = N_("At most %(n)s characters.")
REASON_UNKNOWN = N_("Choose one of the listed reasons.")
SECURITY_UNKNOWN = N_("Choose one of the security requirements the policy defines.")
AMOUNT_FILTER = N_("Enter an amount in yuan, e.g. 5000.")
AMOUNT_ORDER = N_("The most must not be below the least.")

CONFLICTS: tuple[tuple[type[Conflict], str], ...] = (
    (
        AlreadyClaimed,
        N_(
            "Another officer holds this item: it can be claimed once they release it or their "
            "claim lapses."
        ),
    ),
    (NotClaimedByYou, N_("Claim the item first: you do not hold it (any more).")),
    (
        FourEyesViolation,
        N_("You gave the first approval: a different approver must give the second."),
    ),
    (
        TermsDiffer,
        N_("The second approval confirms the first approval's terms; decline to refuse them."),
    ),
    (ReviewClosed, N_("This item is already decided or expired.")),
)
CHANGED = N_("Someone changed this in the meantime: reload the page and try again.")


def reason_text(reason: Reason, lang: Language) -> str:
    """A reason in the person's language (reasons carry both texts)."""
    return reason.text_en if lang.tag == "en" else reason.text_zh


def conflict_notice(error: Conflict) -> str:
    for kind, message in CONFLICTS:
        if isinstance(error, kind):
            return message
    return CHANGED


def _cleaned_yuan(text: str) -> str:
    return text.strip().replace(",", "").replace("，", "").replace("¥", "").replace(" ", "")


def parse_yuan(text: str) -> Fen | None:
    """An amount typed in yuan ("4,000.50", "¥4000"), as fen; None when empty; `ValueError` when
    it is no amount of at most two decimals."""
    cleaned = _cleaned_yuan(text)
    if not cleaned:
        return None
    try:
        fen = yuan_to_fen(cleaned)
    except Invalid:
        raise ValueError(text) from None
    return fen


def parse_percent(text: str) -> Decimal | None:
    """A rate typed in percent ("12.5", "12.5%") as a fraction (0.125); None when empty."""
    cleaned = text.strip().rstrip("%％").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite() or value <= 0 or value >= 100:
        raise ValueError(text)
    return value / 100


def percent_text(rate: Decimal | str | None) -> str:
    """A fraction as the percentage an officer types (0.125 → "12.5")."""
    if rate is None:
        return ""
    value = (Decimal(str(rate)) * 100).normalize()
    return f"{value:f}"


@dataclass(slots=True)
class ApproveForm:
    """The approve form as typed (kept to show again) and the errors beside its fields."""

    limit: str = ""
    annual_rate: str = ""
    term_months: str = ""
    comment: str = ""
    security: str = ""  # a requirement of the policy's: approve on condition of security
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def suggested(cls, bounds: TermsBounds | None) -> ApproveForm:
        """Filled with the policy's proposal."""
        if bounds is None:
            return cls()
        amount = bounds.suggested_amount
        term = bounds.suggested_term_months
        return cls(
            limit="" if amount is None else str(fen_to_yuan(amount)),
            annual_rate=percent_text(bounds.suggested_annual_rate),
            term_months="" if term is None else str(term),
        )

    def asked(self, say: Say) -> AskedTerms | None:
        """The terms asked for; None (and `errors` filled) when a field cannot be read."""
        amount: Fen | None = None
        rate: Decimal | None = None
        term: int | None = None
        try:
            amount = parse_yuan(self.limit)
        except ValueError:
            self.errors["limit"] = say(LIMIT_MALFORMED)
        try:
            rate = parse_percent(self.annual_rate)
        except ValueError:
            self.errors["annual_rate"] = say(RATE_MALFORMED)
        if self.term_months.strip():
            try:
                term = int(self.term_months.strip())
            except ValueError:
                self.errors["term_months"] = say(TERM_NOT_OFFERED)
        if self.errors:
            return None
        security = self.security.strip() or None
        return AskedTerms(amount=amount, annual_rate=rate, term_months=term, security=security)


def basis_text(basis: str, say: Say) -> str:
    for start, name in BASIS_NAMES:
        if basis.startswith(start):
            return say(name)
    return say(N_("the policy's limit"))


def field_errors(error: Invalid, bounds: TermsBounds | None, lang: Language) -> dict[str, str]:
    """The use case's refusal as a message beside each field, in the person's language."""
    say = lang.gettext
    found: dict[str, str] = {}
    for e in error.errors:
        name = str(e.loc[0]) if e.loc else "comment"
        found[name] = _message(name, e, bounds, lang, say)
    return found


def _message(name: str, e: FieldError, bounds: TermsBounds | None, lang: Language, say: Say) -> str:
    if name == "limit" and bounds is not None:
        return say(
            LIMIT_OUTSIDE,
            low=lang.money(bounds.min_amount),
            high=lang.money(bounds.max_amount),
            basis=basis_text(bounds.max_amount_basis, say),
        )
    if name == "annual_rate" and bounds is not None:
        # `officer_terms.check_terms` refuses a rate for one of three reasons under one field;
        # its message says which (the cap, the decimals, else the product's range).
        if "cap" in e.msg:
            return say(RATE_OVER_CAP, cap=lang.percent(bounds.apr_cap))
        if "decimals" in e.msg:
            return say(RATE_DIGITS)
        return say(
            RATE_OUTSIDE,
            low=lang.percent(bounds.min_annual_rate),
            high=lang.percent(bounds.max_annual_rate),
        )
    if name == "term_months":
        return say(TERM_NOT_OFFERED)
    if name in ("comment", "note"):
        return (
            say(COMMENT_TOO_LONG, n=COMMENT_MAX_LEN) if "at most" in e.msg else say(COMMENT_NEEDED)
        )
    if name == "reason_code":
        return say(REASON_UNKNOWN)
    if name == "security":
        return say(SECURITY_UNKNOWN)
    return say(NOT_VALID)


def labels(say: Say) -> Mapping[str, Mapping[str, str]]:
    """Every label table, translated, for the templates."""
    tables = {
        "status": STATUS_NAMES,
        "order": ORDER_NAMES,
        "channel": CHANNEL_NAMES,
        "action": ACTION_NAMES,
        "stage": STAGE_NAMES,
        "did": DID_NAMES,
        "list": LIST_NAMES,
        "stage_of_loan": LOAN_STAGE_NAMES,
    }
    return {k: {code: say(text) for code, text in v.items()} for k, v in tables.items()}
