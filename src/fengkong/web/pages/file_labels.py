"""The words the search, customer, loan and line pages show for stored codes (statuses, outcomes,
channels, history kinds), as English message ids, and the field errors of their forms: what a
use case's `Invalid` names, said in the person's language beside the field."""

from __future__ import annotations

from fengkong.core.errors import Invalid
from fengkong.web.i18n import N_, NOT_VALID

LOAN_STATUS = {
    "pending_disbursement": N_("Awaiting payout"),
    "active": N_("Active"),
    "settled": N_("Settled"),
    "written_off": N_("Written off"),
    "cancelled": N_("Cancelled"),
}
LINE_STATUS = {"active": N_("Active"), "frozen": N_("Frozen"), "closed": N_("Closed")}
LOAN_CLASS = {
    "normal": N_("Normal"),
    "special_mention": N_("Special mention"),
    "substandard": N_("Substandard"),
    "doubtful": N_("Doubtful"),
    "loss": N_("Loss"),
}
OUTCOMES = {
    "approve": N_("Approved"),
    "approve_secured": N_("Approved if secured"),
    "decline": N_("Declined"),
    "refer": N_("Referred"),
    "verify": N_("Identity check"),
}
CHANNELS = {
    "api": N_("Open API"),
    "app": N_("Mobile app"),
    "branch": N_("Branch"),
    "mini_program": N_("Mini program"),
    "partner": N_("Partner referral"),
    "web": N_("Website"),
}
LINE_CHANGES = {
    "opened": N_("Line opened"),
    "drawn": N_("Drawn on"),
    "frozen": N_("Line frozen"),
    "unfrozen": N_("Line unfrozen"),
    "reduced": N_("Limit reduced"),
    "raised": N_("Limit raised"),
    "closed": N_("Line closed"),
    "reinstated": N_("Line reinstated"),
}
NOTICE_KINDS = {
    "line_frozen": N_("Line frozen"),
    "line_reduced": N_("Limit reduced"),
    "line_closed": N_("Line closed"),
    "line_raised": N_("Limit raised"),
    "line_reinstated": N_("Line reinstated"),
}
SEND_STATUS = {"pending": N_("Pending"), "sent": N_("Sent"), "failed": N_("Failed")}

# A field's error by the end of its name, else by its name.
FIELD_ERRORS = {
    "_from": N_("Enter a date as YYYY-MM-DD, not after the end of the range."),
    "_to": N_("Enter a date as YYYY-MM-DD."),
    "_min": N_("Enter a whole number, not above the maximum."),
    "_max": N_("Enter a whole number."),
    "id_number": N_("Enter a full, valid resident ID number."),
    "phone": N_("Enter a full, valid mobile number."),
    "customer": N_("Enter a customer id (cus_…)."),
    "customer_id": N_("Enter a customer id (cus_…)."),
    "cursor": N_("This page is stale: search again from the first page."),
    "reason": N_("Write the reason: it is recorded on the line and audited."),
    "acknowledge_blacklist": N_(
        "A black-list hit caused this action: tick the box to confirm it was reviewed."
    ),
}


def error_of(field: str) -> str:
    for end, message in FIELD_ERRORS.items():
        if field == end or (end.startswith("_") and field.endswith(end)):
            return message
    return NOT_VALID


def field_errors(error: Invalid, fallback: str) -> dict[str, str]:
    """Field name → message id; an error naming no field goes to `fallback`."""
    found: dict[str, str] = {}
    for e in error.errors:
        name = str(e.loc[-1]) if e.loc else fallback
        found.setdefault(name, error_of(name))
    return found


CASE_STATUS = {"open": N_("In progress"), "closed": N_("Closed")}
COLLECTION_ACTIONS = {
    "call": N_("Phone call"),
    "sms": N_("Text message"),
    "visit": N_("Visit"),
    "legal": N_("Legal action"),
}
PROMISE_STATUS = {"open": N_("Awaiting payment"), "kept": N_("Kept"), "broken": N_("Broken")}
GUARANTEE_STATUS = {"active": N_("Active"), "called": N_("Called"), "released": N_("Released")}
COLLATERAL_TYPES = {
    "deposit": N_("Deposit certificate"),
    "government_bond": N_("Government bond"),
    "listed_shares": N_("Listed shares"),
    "property": N_("Property"),
    "vehicle": N_("Vehicle"),
    "receivables": N_("Receivables"),
    "equipment": N_("Equipment"),
}
MARGIN_CALL_STATUS = {
    "open": N_("Awaiting cure"),
    "met": N_("Met"),
    "unmet": N_("Unmet"),
    "cured": N_("Cured late"),
}
DEBIT_STATUS = {
    "pending": N_("Pending"),
    "succeeded": N_("Succeeded"),
    "failed": N_("Failed"),
    "unposted": N_("Debited, not posted"),
}
REMINDER_KINDS = {"due_soon": N_("Due in %(n)s days"), "overdue": N_("%(n)s days past due")}


def reminder(kind: str) -> tuple[str, str]:
    """A reminder's kind (`due_soon:3`, `overdue:14`) as a message id and its number."""
    name, _, n = kind.partition(":")
    return REMINDER_KINDS.get(name, NOT_VALID), n


ENTRY_KINDS = {
    "disbursement": N_("Disbursement"),
    "accrual": N_("Accrual"),
    "repayment": N_("Repayment"),
    "provision": N_("Provision"),
    "reserve": N_("Risk reserve"),
    "write_off": N_("Write-off"),
    "refund": N_("Refund"),
    "reversal": N_("Reversal"),
}
