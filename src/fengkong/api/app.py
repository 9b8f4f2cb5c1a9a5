"""The FastAPI application: routers, problem+json errors, health and metrics, and the API's
documentation pages (`/docs`, `/redoc`) served with their scripts and styles from the installed
`fastapi-offline` package, so they work on a machine with no internet."""

from __future__ import annotations

from fastapi import Depends, FastAPI, Response
from fastapi.responses import RedirectResponse
from fastapi_offline import FastAPIOffline

from fengkong import __version__
from fengkong.api import admission, errors, guard, limits
from fengkong.api import metrics as api_metrics
from fengkong.api.deps import ContextDep
from fengkong.api.idempotency import IdempotencyMiddleware
from fengkong.api.routes import alerts as alert_routes
from fengkong.api.routes import applications, loans
from fengkong.api.routes import approvals as approval_routes
from fengkong.api.routes import consents as consent_routes
from fengkong.api.routes import funds as funds_routes
from fengkong.api.routes import lists as list_routes
from fengkong.api.routes import model_reports as model_report_routes
from fengkong.api.routes import monthly as monthly_routes
from fengkong.api.routes import policies as policy_routes
from fengkong.api.routes import reports as report_routes
from fengkong.api.routes import review as review_routes
from fengkong.api.routes import search as search_routes
from fengkong.api.routes import secured_offers as secured_offer_routes
from fengkong.api.routes import servicing as servicing_routes
from fengkong.api.routes import sessions as session_routes
from fengkong.api.routes import sources as source_routes
from fengkong.bootstrap import Context
from fengkong.core.errors import Unavailable
from fengkong.wiring import ReadSide


def create_app(context: Context) -> FastAPI:
    app = FastAPIOffline(
        title="Fengkong",
        version=__version__,
        description="Risk control for online lenders: applications, decisions, models.",
        # Swagger UI's validator badge is an image from the validator's site: none offline.
        swagger_ui_parameters={"validatorUrl": None},
        # Every route, deny by default: `access.permissions` declares who may call it.
        dependencies=[Depends(guard.authorize)],
    )
    guard.public_openapi(app)
    guard.guarded_openapi_document(app)
    app.state.context = context
    app.state.metrics = api_metrics.ApiMetrics()
    errors.install(app)
    # Innermost first: a replayed answer passes the edge limits and is measured and logged with
    # its own request id like any other; the limits refuse a body before it is read for a key.
    app.add_middleware(IdempotencyMiddleware, context=context)
    limits.install(app, context.settings)
    admission.install(app, context.settings, app.state.metrics)
    api_metrics.install(app, app.state.metrics, context.clock)
    context.db.watch_pool(app.state.metrics.observe_pool)
    app.include_router(applications.router)
    app.include_router(secured_offer_routes.router)
    app.include_router(loans.router)
    app.include_router(funds_routes.router)
    app.include_router(consent_routes.router)
    app.include_router(review_routes.router)
    app.include_router(policy_routes.router)
    app.include_router(servicing_routes.router)
    app.include_router(list_routes.router)
    app.include_router(search_routes.router)
    app.include_router(session_routes.router)
    app.include_router(approval_routes.router)
    app.include_router(model_report_routes.router)
    app.include_router(report_routes.router)
    app.include_router(monthly_routes.router)
    app.include_router(alert_routes.router)
    app.include_router(source_routes.router)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        """A browser opening the site lands on the officer console (`fengkong.web`)."""
        return RedirectResponse("/console/", status_code=307)

    @app.get("/healthz", tags=["operations"])
    def healthz(ctx: ContextDep) -> dict[str, str]:
        """Liveness and readiness: the database answers. `read_database` says where the
        read-only use cases read: `primary`, or the replica `ok` or `unreachable`. The primary
        alone decides the answer: a replica down stops the reports and lists, not the lending."""
        ctx.db.ping()
        return {
            "status": "ok",
            "database": ctx.db.dialect,
            "read_database": _read_database_health(ctx.reads),
            "version": __version__,
        }

    @app.get("/metrics", tags=["operations"], include_in_schema=True)
    def metrics() -> Response:
        """Prometheus exposition format."""
        rendered: Response = app.state.metrics.render()
        return rendered

    return app


def _read_database_health(reads: ReadSide) -> str:
    if not reads.on_replica:
        return "primary"
    try:
        reads.db.ping()
    except Unavailable:
        return "unreachable"
    return "ok"
