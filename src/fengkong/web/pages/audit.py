"""Audit (审计): the chain's head and size; verifying it, as `fengkong audit verify` does, against
the signed checkpoints in the configured folder (records checked, head hash, findings); writing
a signed checkpoint of the head, as `fengkong audit head` does; and the recent records, narrowed
by action, subject id or actor (ids and staff audit names: no personal data in the address)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fengkong.audit.browse import AuditQuery, recent_records
from fengkong.audit.chain import AuditRecord
from fengkong.core.errors import Invalid
from fengkong.db.audit_reads import stored_checkpoints, verify_stored
from fengkong.web.auth import PREFIX, console_actor, context_of
from fengkong.web.i18n import N_
from fengkong.web.pages.section_forms import field_errors, is_htmx, see_other
from fengkong.web.render import render

router = APIRouter()

LIMIT = 100
PAYLOAD_SHOWN = 300
FILTER_ERRORS = {
    "action": N_("At most 200 characters."),
    "subject_id": N_("At most 200 characters."),
    "actor": N_("At most 200 characters."),
}
SAME_INSTANT = N_("A checkpoint of this head was written at this very instant: try again.")
PROBLEMS = {
    "empty": N_("Empty journal entry"),
    "non_positive_amount": N_("Amount not positive"),
    "unbalanced": N_("Unbalanced entry"),
    "duplicate_entry_id": N_("Duplicate entry"),
    "duplicate_idempotency_key": N_("Duplicate idempotency key"),
    "bad_reversal": N_("Bad reversal"),
    "edited": N_("Record edited"),
    "missing": N_("Record missing"),
    "reordered": N_("Records reordered"),
    "inserted": N_("Record inserted"),
    "truncated": N_("Chain cut short of a checkpoint"),
    "bad_signature": N_("Bad checkpoint signature"),
    "untrusted_key": N_("Checkpoint signed by an unknown key"),
    "bad_timestamp": N_("Bad timestamp token"),
    "timestamp_ok": N_("Timestamp token holds"),
    "untied": N_("Journal entry not accounted for"),
    "not_named": N_("Entry not named by its record"),
    "tied_entry_missing": N_("Tied entry missing"),
    "before_tie_in": N_("Entry from before entries were tied"),
}


def payload_text(record: AuditRecord) -> str:
    text = json.dumps(dict(record.payload), ensure_ascii=False, sort_keys=True)
    return text if len(text) <= PAYLOAD_SHOWN else text[: PAYLOAD_SHOWN - 1] + "…"


def _values(
    request: Request, action: str, subject_id: str, actor: str
) -> tuple[dict[str, Any], int]:
    ctx = context_of(request)
    chosen = {"action": action, "subject_id": subject_id, "actor": actor}
    errors: dict[str, str] = {}
    records: tuple[AuditRecord, ...] = ()
    with ctx.uow() as uow:
        head, count = uow.audit.head(), uow.audit.count()
        try:
            query = AuditQuery(
                action.strip() or None, subject_id.strip() or None, actor.strip() or None, LIMIT
            )
            records = recent_records(uow, query)
        except Invalid as e:
            errors = field_errors(e, FILTER_ERRORS, "action")
    values = {
        "head": head,
        "count": count,
        "chosen": chosen,
        "errors": errors,
        "records": records,
        "payload_text": payload_text,
        "checkpoints": stored_checkpoints(ctx.checkpoints.folder),
        "report": None,
        "problems": PROBLEMS,
        "written": None,
        "timestamp_error": None,
        "refused": None,
    }
    return values, 422 if errors else 200


@router.get("/audit")
def audit_page(
    request: Request, action: str = "", subject_id: str = "", actor: str = ""
) -> Response:
    values, status = _values(request, action, subject_id, actor)
    return render(request, "audit.html.j2", values, status=status)


@router.post("/audit/verify")
def verify(request: Request) -> Response:
    """Verify the chain and the journal now; the result is shown, nothing is stored."""
    ctx = context_of(request)
    s = ctx.settings
    report = verify_stored(
        ctx.uow, ctx.checkpoints.folder, s.resolved_audit_key_file, s.audit_timestamp_ca_file
    )
    if is_htmx(request):
        return render(request, "audit_verify.html.j2", {"report": report, "problems": PROBLEMS})
    values, _ = _values(request, "", "", "")
    values["report"] = report
    return render(request, "audit.html.j2", values)


@router.post("/audit/checkpoints")
def write_checkpoint(request: Request) -> Response:
    """Sign a checkpoint of the head into the configured folder, as `fengkong audit head` does."""
    ctx = context_of(request)
    values: dict[str, Any] = {"written": None, "timestamp_error": None, "refused": None}
    status = 200
    try:
        signed, path = ctx.checkpoints.write_to(f"console {console_actor(request).audit_name}")
        values |= {"written": path.name, "timestamp_error": signed.timestamp_error}
    except Invalid:  # a file of that name exists: checkpoints are never overwritten
        values["refused"], status = SAME_INSTANT, 409
    if not is_htmx(request):
        if status == 200:
            return see_other(f"{PREFIX}/audit")
        page, _ = _values(request, "", "", "")
        return render(request, "audit.html.j2", {**page, **values}, status=status)
    values["checkpoints"] = stored_checkpoints(ctx.checkpoints.folder)
    return render(request, "audit_checkpoints.html.j2", values, status=status)
