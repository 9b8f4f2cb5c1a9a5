"""Models (模型): every registered model version with its status (candidate, champion,
challenger, retired) and test AUC and KS; a version's validation figures by sample (the summary
of its training report: AUC, Gini, KS, Brier, lift, bad rate) and its promotion requests — who
asked, who approved or rejected; asking for its promotion (risk managers), which an approver
decides on the approvals page. The same use cases as `fengkong model` and
`/v1/models/{version}/promotion`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from fengkong.access.approvals import ApprovalKind, ApprovalQuery, find_requests
from fengkong.audit.browse import AuditQuery, recent_records
from fengkong.core.errors import Conflict, Invalid, NotFound
from fengkong.scoring import model_admin
from fengkong.scoring.registry import ModelVersion
from fengkong.web.auth import PREFIX, console_actor, context_of
from fengkong.web.i18n import N_
from fengkong.web.pages.section_forms import allowed, is_htmx, see_other
from fengkong.web.render import render

router = APIRouter()

MODEL_STATUS = {
    "candidate": N_("Candidate"),
    "champion": N_("Champion"),
    "challenger": N_("Challenger"),
    "retired": N_("Retired"),
}
MODEL_KINDS = {"scorecard": N_("Scorecard"), "gbm": N_("Gradient boosting")}
REQUEST_STATUS = {"pending": N_("Pending"), "approved": N_("Approved"), "rejected": N_("Rejected")}
# The figures of a sample, in the order of the training report's summary.
FIGURES = {
    "n": N_("Rows"),
    "bad_rate": N_("Bad rate"),
    "auc": N_("AUC"),
    "gini": N_("Gini"),
    "ks": N_("KS"),
    "brier": N_("Brier score"),
    "top_decile_lift": N_("Top-decile lift"),
}
SAMPLES = {"train": N_("Training"), "validation": N_("Validation"), "test": N_("Test")}
ROLE_ERROR = N_("Choose champion or challenger.")
CANNOT = N_("This version cannot take that role now, or its promotion awaits an approver.")
REASON_TOO_LONG = N_("At most 2,000 characters.")


def test_figure(model: ModelVersion, key: str) -> Any:
    test = model.metrics.get("test")
    return test.get(key) if isinstance(test, Mapping) else None


def samples(model: ModelVersion) -> list[tuple[str, Mapping[str, Any]]]:
    """The samples the training measured, each with its figures."""
    return [
        (name, figures)
        for name, figures in model.metrics.items()
        if isinstance(figures, Mapping) and any(k in figures for k in FIGURES)
    ]


@router.get("/models")
def models_page(request: Request) -> Response:
    with context_of(request).uow() as uow:
        models = uow.models.list()
    values = {
        "models": sorted(models, key=lambda m: m.created_at, reverse=True),
        "statuses": MODEL_STATUS,
        "kinds": MODEL_KINDS,
        "test_figure": test_figure,
    }
    return render(request, "models.html.j2", values)


def _model(
    request: Request, version: str, error: str | None = None, status: int = 200, **extra: Any
) -> Response:
    with context_of(request).uow() as uow:
        model = uow.models.get(version)
        if model is None:
            raise NotFound(f"no model version {version!r}")
        query = ApprovalQuery(None, ApprovalKind.MODEL_PROMOTION, version, 100)
        requests = find_requests(uow, query)
        history = [
            r
            for r in recent_records(uow, AuditQuery(subject_id=version, limit=50))
            if r.subject_type == "model"
        ]
    values: dict[str, Any] = {
        "m": model,
        "statuses": MODEL_STATUS,
        "kinds": MODEL_KINDS,
        "request_statuses": REQUEST_STATUS,
        "figures": FIGURES,
        "sample_names": SAMPLES,
        "samples": samples(model),
        "requests": requests,
        "history": history,
        "error": error,
        "typed": {"role": "champion", "reason": ""},
        "allowed": allowed(request),
    }
    values.update(extra)
    template = "model_promotion.html.j2" if is_htmx(request) else "model.html.j2"
    return render(request, template, values, status=status)


@router.get("/models/{version}")
def model_page(request: Request, version: str) -> Response:
    return _model(request, version)


@router.post("/models/{version}/promotion")
def ask_promotion(
    request: Request,
    version: str,
    role: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Ask for the version to become the champion (or the challenger): an approval request."""
    ctx = context_of(request)
    typed = {"role": role, "reason": reason}
    if role not in ("champion", "challenger"):
        return _model(request, version, None, 422, typed=typed, errors={"role": ROLE_ERROR})
    try:
        model_admin.request_model_promotion(
            ctx.uow(),
            version,
            challenger=role == "challenger",
            maker=console_actor(request),
            clock=ctx.clock,
            reason=reason.strip() or None,
        )
    except Invalid:
        return _model(request, version, None, 422, typed=typed, errors={"reason": REASON_TOO_LONG})
    except Conflict:
        return _model(request, version, CANNOT, 409, typed=typed)
    if is_htmx(request):
        return _model(request, version)
    return see_other(f"{PREFIX}/models/{version}")
