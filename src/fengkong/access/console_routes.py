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
