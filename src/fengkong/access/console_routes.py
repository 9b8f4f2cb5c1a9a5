"""What each page and action of the officer console needs, declared as the API's routes are
(`permissions.ROUTE_PERMISSIONS`): keyed by (HTTP method, path template under `/console`), deny
by default (`web.auth.authorize_page`); a test walks every console route to make sure none is
forgotten, and `docs/roles.md` lists them."""

from __future__ import annotations

from collections.abc import Mapping

from fengkong.access.permissions import Permission

P = Permission

# Pages anyone may open (their forms still carry a CSRF token): logging in, choosing a language.
CONSOLE_PUBLIC: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/console/login"),
        ("POST", "/console/login"),
        ("POST", "/console/language"),
    }
)

CONSOLE_ROUTES: Mapping[tuple[str, str], Permission] = {
    ("GET", "/console/"): P.CONSOLE_USE,
    ("POST", "/console/logout"): P.SESSION_OWN,
    # the dashboard: the book's figures and charts, early-warning alerts
    ("GET", "/console/dashboard"): P.REPORTS_READ,
    ("GET", "/console/alerts"): P.REPORTS_READ,
    ("POST", "/console/alerts/{alert_id}/acknowledge"): P.ALERTS_ACK,
    # the review queue: referred applications, claimed, approved (four eyes above the amount)
    # or declined by officers and approvers, as `/v1/review` does
    ("GET", "/console/review"): P.REVIEW_READ,
    ("GET", "/console/review/{item_id}"): P.REVIEW_READ,
    ("POST", "/console/review/{item_id}/claim"): P.REVIEW_WORK,
    ("POST", "/console/review/{item_id}/approve"): P.REVIEW_WORK,
    ("POST", "/console/review/{item_id}/decline"): P.REVIEW_WORK,
    # collections, lists, approvals, policies, models and audit (section 催收、名单、策略与模型、审计)
    ("GET", "/console/collections"): P.COLLECTIONS_READ,
    ("GET", "/console/collections/{loan_id}"): P.COLLECTIONS_READ,
    ("POST", "/console/collections/{loan_id}/actions"): P.COLLECTIONS_WORK,
    ("POST", "/console/collections/{loan_id}/promises"): P.COLLECTIONS_WORK,
    ("GET", "/console/lists"): P.LISTS_READ,
    ("POST", "/console/lists/search"): P.LISTS_READ,
    ("GET", "/console/lists/entries/{entry_id}"): P.LISTS_READ,
    ("POST", "/console/lists/entries"): P.LISTS_MANAGE,
    ("POST", "/console/lists/entries/{entry_id}/remove"): P.LISTS_MANAGE,
    ("GET", "/console/approvals"): P.APPROVALS_READ,
    ("GET", "/console/approvals/{request_id}"): P.APPROVALS_READ,
    ("POST", "/console/approvals/{request_id}/approve"): P.APPROVALS_DECIDE,
    ("POST", "/console/approvals/{request_id}/reject"): P.APPROVALS_DECIDE,
    ("GET", "/console/policies"): P.POLICIES_READ,
    ("GET", "/console/policies/{version}"): P.POLICIES_READ,
    ("POST", "/console/policies/{version}/activation"): P.POLICIES_AUTHOR,
    ("POST", "/console/policies/{version}/activation/approve"): P.POLICIES_APPROVE,
    ("POST", "/console/policies/{version}/activation/reject"): P.POLICIES_APPROVE,
    ("POST", "/console/policies/{version}/backtest"): P.POLICIES_BACKTEST,
    ("GET", "/console/models"): P.MODELS_READ,
    ("GET", "/console/models/{version}"): P.MODELS_READ,
    ("POST", "/console/models/{version}/promotion"): P.MODELS_TRAIN,
    # Verifying the chain and writing a signed checkpoint change nothing stored: part of checking
    # (as `fengkong audit verify|head`).
    ("GET", "/console/audit"): P.AUDIT_READ,
    ("POST", "/console/audit/verify"): P.AUDIT_READ,
    ("POST", "/console/audit/checkpoints"): P.AUDIT_READ,
    # end of section collections, lists, approvals, policies, models and audit
    # search, customer, loan and line pages (查询、客户、贷款、额度): the API's permissions for
    # the same data and actions (search and customer lists, servicing reads, line changes)
    ("GET", "/console/search"): P.PORTFOLIO_SEARCH,
    ("GET", "/console/open"): P.PORTFOLIO_SEARCH,
    ("GET", "/console/customers"): P.CUSTOMERS_READ,
    ("POST", "/console/customers/search"): P.CUSTOMERS_READ,
    ("GET", "/console/customers/{customer_id}"): P.CUSTOMERS_READ,
    ("GET", "/console/loans/{loan_id}"): P.SERVICING_READ,
    ("GET", "/console/lines/{line_id}"): P.SERVICING_READ,
    ("POST", "/console/lines/{line_id}/freeze"): P.LOANS_SERVICE,
    ("POST", "/console/lines/{line_id}/unfreeze"): P.LOANS_SERVICE,
    ("POST", "/console/lines/{line_id}/reinstate"): P.LINES_REINSTATE,
}
