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
}
