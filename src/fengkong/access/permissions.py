"""What each role may do, declared once: permissions, the roles granted each, and the permission
every API route needs. `docs/roles.md` is rendered from these tables (a test keeps it current).

Deny by default: the API refuses a route that is neither in `ROUTE_PERMISSIONS` nor `PUBLIC`, and
a test walks every route of the app to make sure none is forgotten.

The channel role is the lender's app (or a partner's system) acting for the borrower: it submits
applications, completes their step-up checks (has the identity checks made), records the consents the applicant gives in it,
and, for its own applications only, reads them, their decisions and offers, accepts an offer and
repays the loan. "Its own" is the sales channel the key submits for: a channel key that asks for
an application, decision, offer or loan another channel brought in is told it does not exist
(404), so ids cannot be probed. Any other role lifts that restriction.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from fengkong.core.actor import Actor, Role


class Permission(StrEnum):
    """One thing a caller may do, in the domain's words."""

    APPLICATIONS_SUBMIT = "applications.submit"
    APPLICATIONS_READ = "applications.read"
    APPLICATIONS_STEP_UP = "applications.step_up"
    APPLICATIONS_VERIFY = "applications.verify"  # have a provider make an identity check
    DECISIONS_READ = "decisions.read"
    PORTFOLIO_SEARCH = "portfolio.search"
    CUSTOMERS_READ = "customers.read"
    CONSENTS_RECORD = "consents.record"
    CONSENTS_READ = "consents.read"
    OFFERS_ACCEPT = "offers.accept"
    LOANS_READ = "loans.read"
    LOANS_REPAY = "loans.repay"
    LOANS_SERVICE = "loans.service"
    SERVICING_READ = "servicing.read"
    LOANS_WRITE_OFF = "loans.write_off"
    LINES_REINSTATE = "lines.reinstate"  # reverse a rule's action on a line (复核恢复)
    COLLECTIONS_READ = "collections.read"
    COLLECTIONS_WORK = "collections.work"
    REVIEW_READ = "review.read"
    REVIEW_WORK = "review.work"
    POLICIES_READ = "policies.read"
    POLICIES_AUTHOR = "policies.author"
    POLICIES_BACKTEST = "policies.backtest"
    POLICIES_APPROVE = "policies.approve"
    MODELS_TRAIN = "models.train"
    MODELS_READ = "models.read"
    APPROVALS_READ = "approvals.read"
    APPROVALS_DECIDE = "approvals.decide"
    SESSION_OWN = "session.own"
    LISTS_READ = "lists.read"
    LISTS_MANAGE = "lists.manage"
    AUDIT_READ = "audit.read"
    METRICS_READ = "metrics.read"
    REPORTS_READ = "reports.read"  # portfolio monitoring, drift and fairness reports
    ALERTS_ACK = "alerts.ack"  # early warning: evaluate the rules, acknowledge alerts
    USERS_MANAGE = "users.manage"
    USERS_READ = "users.read"
    OPERATIONS_RUN = "operations.run"
    API_DOCS = "api.docs"
    CONSOLE_USE = "console.use"  # log in to the officer console and see its home
    SOURCES_READ = "sources.read"  # what external data was fetched for an application
    SOURCES_IMPORT = "sources.import"  # import an exported file as an application's data
    SOURCES_FETCH = "sources.fetch"  # fetch external data about an applicant (a paid call)


P = Permission
CHANNEL, OFFICER, RISK, APPROVER, AUDITOR, ADMIN, SCRAPER = (
    Role.CHANNEL,
    Role.OFFICER,
    Role.RISK_MANAGER,
    Role.APPROVER,
    Role.AUDITOR,
    Role.ADMIN,
    Role.METRICS_SCRAPER,
)
# Who reads a borrower's file: the people who work on it, approve it, or check the work.
_READERS = frozenset({OFFICER, RISK, APPROVER, AUDITOR})
# The monitoring system's key holds `metrics.read` and nothing else: a scraper's secret sits in a
# file on another host, so it must open nothing more than the counts it collects.
_MACHINES = frozenset({SCRAPER})


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


GRANTS: Mapping[Permission, frozenset[Role]] = {
    P.APPLICATIONS_SUBMIT: _roles(CHANNEL),
    P.APPLICATIONS_READ: _READERS | {CHANNEL},
    P.APPLICATIONS_STEP_UP: _roles(CHANNEL, OFFICER),
    # The app takes the applicant through the checks (face, SMS code); an officer may run one
    # for an applicant on the phone. Each call is paid for, so no reader may make one.
    P.APPLICATIONS_VERIFY: _roles(CHANNEL, OFFICER),
    P.DECISIONS_READ: _READERS | {CHANNEL},
    # The portfolio as a whole: risk managers watch it, approvers and auditors check it;
    # officers work single files, not the book, and admins run the jobs that build it.
    P.REPORTS_READ: _roles(RISK, APPROVER, AUDITOR),
    # Early-warning alerts are read with the reports; the risk managers who watch the book
    # acknowledge them, and run the rules again on demand (after changing them).
    P.ALERTS_ACK: _roles(RISK),
    P.PORTFOLIO_SEARCH: _READERS,
    # Customer views show personal data (masked) across applications: the officers who serve
    # the customer and the auditors who check them; risk managers work in aggregates.
    P.CUSTOMERS_READ: _roles(OFFICER, AUDITOR),
    P.CONSENTS_RECORD: _roles(CHANNEL, OFFICER),
    P.CONSENTS_READ: _roles(OFFICER, AUDITOR),
    P.OFFERS_ACCEPT: _roles(CHANNEL),
    P.LOANS_READ: _READERS | {CHANNEL},
    P.LOANS_REPAY: _roles(CHANNEL, OFFICER),
    P.LOANS_SERVICE: _roles(OFFICER),
    P.SERVICING_READ: _READERS,
    P.LOANS_WRITE_OFF: _roles(OFFICER),
    # Reversing a rule's freeze, reduction or close on the borrower's dispute overrides a risk
    # signal: the officers who hear disputes, apart from servicing so the grant can be read
    # (and narrowed) on its own.
    P.LINES_REINSTATE: _roles(OFFICER),
    P.COLLECTIONS_READ: _roles(OFFICER, RISK, AUDITOR),
    P.COLLECTIONS_WORK: _roles(OFFICER),
    P.REVIEW_READ: _roles(OFFICER, APPROVER, AUDITOR),
    # The approver works the queue too: the second approval of an amount above the four-eyes
    # limit is theirs to give.
    P.REVIEW_WORK: _roles(OFFICER, APPROVER),
    P.POLICIES_READ: _roles(RISK, APPROVER, AUDITOR),
    P.POLICIES_AUTHOR: _roles(RISK),
    P.POLICIES_BACKTEST: _roles(RISK, APPROVER),
    P.POLICIES_APPROVE: _roles(APPROVER),
    # Training registers a candidate; asking for its promotion is the modeller's too.
    P.MODELS_TRAIN: _roles(RISK),
    # The registry's versions and their metrics: the modeller, the approver who promotes one, the
    # auditor who checks.
    P.MODELS_READ: _roles(RISK, APPROVER, AUDITOR),
    # Requests awaiting a second person (policy activations are approved on their own routes;
    # list changes, model promotions, write-offs and restructures here): who may see them, and
    # the approver who decides — never the person who asked (`core.actor.require_other_checker`).
    P.APPROVALS_READ: _READERS,
    P.APPROVALS_DECIDE: _roles(APPROVER),
    # Who am I, and logging out: anyone authenticated but the scraper, which only scrapes.
    P.SESSION_OWN: frozenset(Role) - _MACHINES,
    P.LISTS_READ: _roles(OFFICER, RISK, AUDITOR),
    P.LISTS_MANAGE: _roles(RISK),
    P.AUDIT_READ: _roles(AUDITOR),
    # Counts and latencies by route, no personal data: the auditor, the admin who runs the
    # platform, and the monitoring system's key (`metrics_scraper`, which holds nothing else).
    P.METRICS_READ: _roles(AUDITOR, ADMIN, SCRAPER),
    P.USERS_MANAGE: _roles(ADMIN),
    # Who may log in, with which roles, and which API keys exist: the admin, and the auditor
    # who checks them (never a password or a key's secret).
    P.USERS_READ: _roles(ADMIN, AUDITOR),
    # Running the platform's own jobs from the command line: end of day, backups and restores,
    # purging expired records. The admin, who runs the platform and does no lending by hand.
    P.OPERATIONS_RUN: _roles(ADMIN),
    # The API's documentation (the OpenAPI document and its two pages): anyone logged in; a
    # partner's developer reads it with their channel key. The scraper's key calls no API.
    P.API_DOCS: frozenset(Role) - _MACHINES,
    # The officer console is for the lender's people; a channel is the lender's app, not a
    # person, and has no page there; nor has the scraper.
    P.CONSOLE_USE: frozenset(Role) - {CHANNEL} - _MACHINES,
    # What external data an application's decision could use (kind, provider, when, cost;
    # never a payload): the people who read its file. Importing an applicant's exported
    # statements or reports is the officers' work on the file.
    P.SOURCES_READ: _READERS,
    P.SOURCES_IMPORT: _roles(OFFICER),
    # A fetch by hand costs money and needs the applicant's consent: the officers working the
    # file, as for imports.
    P.SOURCES_FETCH: _roles(OFFICER),
}

# The routes anyone may call: liveness and logging in. Keyed as `ROUTE_PERMISSIONS` is.
PUBLIC: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/healthz"),
        ("GET", "/"),  # sends a browser to the console, which checks its own pages
        ("POST", "/v1/sessions"),
    }
)
# Static files mounted under these prefixes: the documentation pages' vendored scripts and
# styles (Swagger UI, ReDoc), the same for every lender; the pages and the document are not.
PUBLIC_MOUNTS: frozenset[str] = frozenset({"/static-offline-docs"})

# (HTTP method, route path template as FastAPI registers it) → the permission it needs.
ROUTE_PERMISSIONS: Mapping[tuple[str, str], Permission] = {
    # applications and decisions
    ("POST", "/v1/applications"): P.APPLICATIONS_SUBMIT,
    ("GET", "/v1/applications/{application_id}"): P.APPLICATIONS_READ,
    ("GET", "/v1/applications/by-request/{request_id}"): P.APPLICATIONS_READ,
    ("POST", "/v1/applications/{application_id}/step-up"): P.APPLICATIONS_STEP_UP,
    ("GET", "/v1/applications/{application_id}/sources"): P.SOURCES_READ,
    ("POST", "/v1/applications/{application_id}/sources/{kind}"): P.SOURCES_IMPORT,
    ("POST", "/v1/applications/{application_id}/sources/{kind}/fetch"): P.SOURCES_FETCH,
    ("POST", "/v1/applications/{application_id}/verifications/{check}"): P.APPLICATIONS_VERIFY,
    ("GET", "/v1/applications/{application_id}/verifications"): P.APPLICATIONS_READ,
    # approve if secured: the offer's condition, and registering the security (an officer's
    # servicing work, as registering guarantors and collateral on loans is)
    ("GET", "/v1/applications/{application_id}/security"): P.APPLICATIONS_READ,
    ("POST", "/v1/applications/{application_id}/security"): P.LOANS_SERVICE,
    ("GET", "/v1/decisions/{decision_id}"): P.DECISIONS_READ,
    ("GET", "/v1/applications"): P.PORTFOLIO_SEARCH,
    ("GET", "/v1/decisions"): P.PORTFOLIO_SEARCH,
    ("GET", "/v1/loans"): P.PORTFOLIO_SEARCH,
    ("GET", "/v1/lines"): P.PORTFOLIO_SEARCH,
    # the portfolio as a whole
    ("GET", "/v1/reports/portfolio"): P.REPORTS_READ,
    # early warning
    ("GET", "/v1/alerts"): P.REPORTS_READ,
    ("POST", "/v1/alerts/{alert_id}/acknowledge"): P.ALERTS_ACK,
    ("POST", "/v1/alerts/evaluate"): P.ALERTS_ACK,
    ("GET", "/v1/reports/vintage"): P.REPORTS_READ,
    ("GET", "/v1/reports/monthly"): P.REPORTS_READ,
    ("GET", "/v1/reports/rolls"): P.REPORTS_READ,
    ("GET", "/v1/reports/concentration"): P.REPORTS_READ,
    ("GET", "/v1/reports/stress"): P.REPORTS_READ,
    # customers and consents
    ("GET", "/v1/customers"): P.CUSTOMERS_READ,
    ("POST", "/v1/customers/search"): P.CUSTOMERS_READ,
    ("GET", "/v1/customers/{customer_id}"): P.CUSTOMERS_READ,
    ("POST", "/v1/consents"): P.CONSENTS_RECORD,
    ("POST", "/v1/consents/{consent_id}/revoke"): P.CONSENTS_RECORD,
    ("POST", "/v1/consents/search"): P.CONSENTS_READ,
    # offers and loans
    ("GET", "/v1/loans/offers/{application_id}"): P.LOANS_READ,
    ("POST", "/v1/loans/offers/{application_id}/accept"): P.OFFERS_ACCEPT,
    ("GET", "/v1/loans/{loan_id}"): P.LOANS_READ,
    ("GET", "/v1/loans/{loan_id}/settlement-quote"): P.LOANS_READ,
    ("POST", "/v1/loans/{loan_id}/repayments"): P.LOANS_REPAY,
    ("POST", "/v1/loans/{loan_id}/settle"): P.LOANS_REPAY,
    ("POST", "/v1/loans/{loan_id}/disburse"): P.LOANS_SERVICE,
    ("POST", "/v1/loans/{loan_id}/repayments/{repayment_id}/reversal"): P.LOANS_SERVICE,
    ("POST", "/v1/loans/{loan_id}/restructure"): P.LOANS_SERVICE,
    ("POST", "/v1/loans/{loan_id}/write-off"): P.LOANS_WRITE_OFF,
    # requests awaiting a second person, and model promotion
    ("GET", "/v1/approvals"): P.APPROVALS_READ,
    ("GET", "/v1/approvals/{request_id}"): P.APPROVALS_READ,
    ("POST", "/v1/approvals/{request_id}/approve"): P.APPROVALS_DECIDE,
    ("POST", "/v1/approvals/{request_id}/reject"): P.APPROVALS_DECIDE,
    ("POST", "/v1/models/{version}/promotion"): P.MODELS_TRAIN,
    # the API's documentation: the OpenAPI document and the pages that render it
    ("GET", "/openapi.json"): P.API_DOCS,
    ("GET", "/docs"): P.API_DOCS,
    ("GET", "/docs/oauth2-redirect"): P.API_DOCS,
    ("GET", "/redoc"): P.API_DOCS,
    # the caller's own session
    ("GET", "/v1/me"): P.SESSION_OWN,
    ("DELETE", "/v1/sessions/current"): P.SESSION_OWN,
    # credit lines
    ("POST", "/v1/lines"): P.LOANS_SERVICE,
    ("GET", "/v1/lines/{line_id}"): P.SERVICING_READ,
    ("GET", "/v1/lines/{line_id}/behaviour-scores"): P.SERVICING_READ,
    ("POST", "/v1/lines/{line_id}/draws"): P.LOANS_SERVICE,
    ("POST", "/v1/lines/{line_id}/repayments"): P.LOANS_SERVICE,
    ("POST", "/v1/lines/{line_id}/{action}"): P.LOANS_SERVICE,
    ("PUT", "/v1/lines/{line_id}/borrower"): P.LOANS_SERVICE,
    ("POST", "/v1/lines/{line_id}/reinstatement"): P.LINES_REINSTATE,
    ("GET", "/v1/lines/{line_id}/notices"): P.SERVICING_READ,
    # use of funds: receipts after a payout (the purpose and payee travel with the draw and
    # the payout, under their permissions)
    ("POST", "/v1/lines/{line_id}/draws/{draw_id}/receipts"): P.LOANS_SERVICE,
    ("GET", "/v1/lines/{line_id}/draws/{draw_id}/receipts"): P.SERVICING_READ,
    ("POST", "/v1/loans/{loan_id}/receipts"): P.LOANS_SERVICE,
    ("GET", "/v1/loans/{loan_id}/receipts"): P.SERVICING_READ,
    # servicing: guarantees, cards and debits, reminders, collateral
    ("POST", "/v1/guarantors"): P.LOANS_SERVICE,
    ("GET", "/v1/guarantors/{guarantor_id}/exposure"): P.SERVICING_READ,
    ("POST", "/v1/guarantee-groups"): P.LOANS_SERVICE,
    ("POST", "/v1/loans/{loan_id}/guarantees"): P.LOANS_SERVICE,
    ("GET", "/v1/loans/{loan_id}/guarantees"): P.SERVICING_READ,
    ("POST", "/v1/guarantees/{guarantee_id}/payments"): P.LOANS_SERVICE,
    ("PUT", "/v1/loans/{loan_id}/card"): P.LOANS_SERVICE,
    ("DELETE", "/v1/loans/{loan_id}/card"): P.LOANS_SERVICE,
    ("GET", "/v1/loans/{loan_id}/debits"): P.SERVICING_READ,
    ("GET", "/v1/loans/{loan_id}/reminders"): P.SERVICING_READ,
    ("POST", "/v1/loans/{loan_id}/collateral"): P.LOANS_SERVICE,
    ("GET", "/v1/loans/{loan_id}/collateral"): P.SERVICING_READ,
    ("POST", "/v1/collateral/{item_id}/valuations"): P.LOANS_SERVICE,
    # collections
    ("GET", "/v1/collections"): P.COLLECTIONS_READ,
    ("GET", "/v1/collections/{loan_id}"): P.COLLECTIONS_READ,
    ("POST", "/v1/collections/{loan_id}/actions"): P.COLLECTIONS_WORK,
    ("POST", "/v1/collections/{loan_id}/promises"): P.COLLECTIONS_WORK,
    # the review queue
    ("GET", "/v1/review/items"): P.REVIEW_READ,
    ("GET", "/v1/review/items/{item_id}"): P.REVIEW_READ,
    ("POST", "/v1/review/items/{item_id}/claim"): P.REVIEW_WORK,
    ("POST", "/v1/review/items/{item_id}/approve"): P.REVIEW_WORK,
    ("POST", "/v1/review/items/{item_id}/decline"): P.REVIEW_WORK,
    # policies
    ("GET", "/v1/policies"): P.POLICIES_READ,
    ("GET", "/v1/policies/{version}"): P.POLICIES_READ,
    ("POST", "/v1/policies"): P.POLICIES_AUTHOR,
    ("POST", "/v1/policies/{version}/activation"): P.POLICIES_AUTHOR,
    ("POST", "/v1/policies/{version}/activation/approve"): P.POLICIES_APPROVE,
    ("POST", "/v1/policies/{version}/activation/reject"): P.POLICIES_APPROVE,
    ("POST", "/v1/policies/{version}/backtest"): P.POLICIES_BACKTEST,
    # black, grey and white lists
    ("GET", "/v1/lists/entries"): P.LISTS_READ,
    ("POST", "/v1/lists/entries/search"): P.LISTS_READ,
    ("GET", "/v1/lists/entries/{entry_id}"): P.LISTS_READ,
    ("GET", "/v1/lists/export"): P.LISTS_READ,
    ("POST", "/v1/lists/entries"): P.LISTS_MANAGE,
    ("POST", "/v1/lists/entries/{entry_id}/remove"): P.LISTS_MANAGE,
    ("POST", "/v1/lists/import"): P.LISTS_MANAGE,
    # model monitoring reports
    ("GET", "/v1/reports/drift"): P.REPORTS_READ,
    ("GET", "/v1/reports/fairness"): P.REPORTS_READ,
    # operations
    ("GET", "/metrics"): P.METRICS_READ,
}


# The commands of the `fengkong` CLI, as typed ("loan repay", "apply"), → the permission each
# needs; the command acts as the logged-in user or the key in the environment
# (`cli.common.acting`). Every command is in this table or in `LOCAL_COMMANDS`, or a test fails.
COMMAND_PERMISSIONS: Mapping[str, Permission] = {
    # deciding, scoring, the session, and the groups db, model, decision, policy, review, fraud,
    # data-keys, users, keys, lists, audit, application and customer
    "apply": P.APPLICATIONS_SUBMIT,
    # Scoring a file with a registered model, rows that are not stored applications: the
    # modeller's work, as training is.
    "score": P.MODELS_TRAIN,
    "logout": P.SESSION_OWN,
    "whoami": P.SESSION_OWN,
    "db backup": P.OPERATIONS_RUN,
    "db restore": P.OPERATIONS_RUN,
    "db purge-idempotency": P.OPERATIONS_RUN,
    "model profile": P.MODELS_TRAIN,
    "model train": P.MODELS_TRAIN,
    "model train-behaviour": P.MODELS_TRAIN,
    "model list": P.MODELS_READ,
    "model request-promotion": P.MODELS_TRAIN,
    "model approve": P.APPROVALS_DECIDE,
    "model reject": P.APPROVALS_DECIDE,
    # Replaying reads stored decisions in bulk, as searching them does.
    "decision replay": P.PORTFOLIO_SEARCH,
    "decision list": P.PORTFOLIO_SEARCH,
    "decision show": P.DECISIONS_READ,
    "policy submit": P.POLICIES_AUTHOR,
    "policy request": P.POLICIES_AUTHOR,
    "policy approve": P.POLICIES_APPROVE,
    "policy reject": P.POLICIES_APPROVE,
    "policy list": P.POLICIES_READ,
    "policy show": P.POLICIES_READ,
    "policy backtest": P.POLICIES_BACKTEST,
    "review list": P.REVIEW_READ,
    "review show": P.REVIEW_READ,
    "review claim": P.REVIEW_WORK,
    "review approve": P.REVIEW_WORK,
    "review decline": P.REVIEW_WORK,
    "fraud train-anomaly": P.MODELS_TRAIN,
    # Re-encrypting every stored token under a new key: running the platform.
    "data-keys rotate": P.OPERATIONS_RUN,
    "users create": P.USERS_MANAGE,
    "users list": P.USERS_READ,
    "users show": P.USERS_READ,
    "users disable": P.USERS_MANAGE,
    "users enable": P.USERS_MANAGE,
    "users unlock": P.USERS_MANAGE,
    "users roles": P.USERS_MANAGE,
    "users reset-password": P.USERS_MANAGE,
    "users enrol-totp": P.USERS_MANAGE,
    "keys issue": P.USERS_MANAGE,
    "keys list": P.USERS_READ,
    "keys revoke": P.USERS_MANAGE,
    "lists show": P.LISTS_READ,
    "lists export": P.LISTS_READ,
    "lists add": P.LISTS_MANAGE,
    "lists remove": P.LISTS_MANAGE,
    "lists import": P.LISTS_MANAGE,
    # Writing a signed checkpoint of the head changes nothing stored: part of checking.
    "audit verify": P.AUDIT_READ,
    "audit head": P.AUDIT_READ,
    "audit public-key": P.AUDIT_READ,
    "application list": P.PORTFOLIO_SEARCH,
    "application show": P.APPLICATIONS_READ,
    "application verify": P.APPLICATIONS_VERIFY,
    "customer list": P.CUSTOMERS_READ,
    "customer show": P.CUSTOMERS_READ,
    # loan, line, servicing, approvals and end of day: the permission of the same API route
    "loan offer": P.LOANS_READ,
    "loan accept": P.OFFERS_ACCEPT,
    "loan disburse": P.LOANS_SERVICE,
    "loan show": P.LOANS_READ,
    "loan repay": P.LOANS_REPAY,
    "loan reverse": P.LOANS_SERVICE,
    "loan settlement-quote": P.LOANS_READ,
    "loan settle": P.LOANS_REPAY,
    "loan restructure": P.LOANS_SERVICE,
    "loan write-off": P.LOANS_WRITE_OFF,
    "loan list": P.PORTFOLIO_SEARCH,
    "line open": P.LOANS_SERVICE,
    "line draw": P.LOANS_SERVICE,
    "line repay": P.LOANS_SERVICE,
    "line freeze": P.LOANS_SERVICE,
    "line unfreeze": P.LOANS_SERVICE,
    "line close": P.LOANS_SERVICE,
    "line limit": P.LOANS_SERVICE,
    "line reinstate": P.LINES_REINSTATE,
    "line notices": P.SERVICING_READ,
    "line list": P.PORTFOLIO_SEARCH,
    "line show": P.SERVICING_READ,
    "line scores": P.SERVICING_READ,
    "line receipt-add": P.LOANS_SERVICE,
    "line receipts": P.SERVICING_READ,
    "loan receipt-add": P.LOANS_SERVICE,
    "loan receipts": P.SERVICING_READ,
    "servicing guarantor-add": P.LOANS_SERVICE,
    "servicing guarantee-add": P.LOANS_SERVICE,
    "servicing group-add": P.LOANS_SERVICE,
    "servicing exposure": P.SERVICING_READ,
    "servicing card-bind": P.LOANS_SERVICE,
    "servicing debits": P.SERVICING_READ,
    "servicing collateral-add": P.LOANS_SERVICE,
    "servicing collateral-value": P.LOANS_SERVICE,
    "servicing collateral": P.SERVICING_READ,
    "servicing security": P.APPLICATIONS_READ,
    "servicing secure-collateral": P.LOANS_SERVICE,
    "servicing secure-guarantor": P.LOANS_SERVICE,
    "servicing queue": P.COLLECTIONS_READ,
    "servicing act": P.COLLECTIONS_WORK,
    "servicing promise": P.COLLECTIONS_WORK,
    "servicing line-borrower": P.LOANS_SERVICE,
    "servicing eod": P.OPERATIONS_RUN,
    "approvals list": P.APPROVALS_READ,
    "approvals show": P.APPROVALS_READ,
    "approvals approve": P.APPROVALS_DECIDE,
    "approvals reject": P.APPROVALS_DECIDE,
    "eod": P.OPERATIONS_RUN,
    "report portfolio": P.REPORTS_READ,
    "report vintage": P.REPORTS_READ,
    "report monthly": P.REPORTS_READ,
    "report rolls": P.REPORTS_READ,
    "report concentration": P.REPORTS_READ,
    "report stress": P.REPORTS_READ,
    # Rebuilding replaces stored figures: an operation, like the end of day that writes them.
    "report rebuild": P.OPERATIONS_RUN,
    "report drift": P.REPORTS_READ,
    "report fairness": P.REPORTS_READ,
    "alerts list": P.REPORTS_READ,
    "alerts ack": P.ALERTS_ACK,
    "alerts evaluate": P.ALERTS_ACK,
    "sources list": P.SOURCES_READ,
    "sources import": P.SOURCES_IMPORT,
    "sources fetch": P.SOURCES_FETCH,
    # Dropping payloads past their retention: an operation, like the other purges.
    "sources purge": P.OPERATIONS_RUN,
}

# Commands that need no login, each for its reason:
LOCAL_COMMANDS: frozenset[str] = frozenset(
    {
        # Logging in is how one gets a login; the first admin is made before anyone can log in
        # (refused once an active admin exists).
        "login",
        "users bootstrap-admin",
        # Starting the API server: each request it serves is checked (`ROUTE_PERMISSIONS`).
        "serve",
        # The demo trains and decides in a fresh database of its own (`<home>/demo`).
        "demo",
        # A simulation runs on a database of its own (`<home>/sim/<run>`), never the lender's.
        "simulate",
        "simulate compare",
        # Bringing the schema up to date: no data is read or changed beyond the migrations,
        # and a new installation has no users to log in as yet.
        "db upgrade",
        # Describing the steps of end of day, from the code: nothing stored is read.
        "eod-steps",
        # The fraud rules measured on synthetic traffic in a temporary database of its own.
        "fraud evaluate",
    }
)


def permits(actor: Actor, permission: Permission) -> bool:
    """Whether one of the actor's roles is granted `permission`."""
    return not actor.roles.isdisjoint(GRANTS[permission])


def channel_scope(actor: Actor, permission: Permission) -> str | None:
    """The sales channel the actor is confined to for `permission`, or None (not confined).

    A key, or anyone naming a channel, that holds `permission` only through the channel role
    is confined to its channel (an empty string for a key without one: it owns nothing). A
    person holding the channel role without naming a channel is not: staff acting in the
    app's place (and the tests' all-roles person)."""
    others = actor.roles - {Role.CHANNEL}
    if not others.isdisjoint(GRANTS[permission]) or Role.CHANNEL not in actor.roles:
        return None
    if actor.channel is None and actor.kind == "user":
        return None
    return actor.channel or ""
