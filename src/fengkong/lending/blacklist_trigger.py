"""The black-list trigger: whose line it is (`bind_line_borrower`), and the end-of-day step that
closes (or freezes, as configured) every line whose borrower's ID, phone or card is on the black
list by an entry that has not acted on that line yet (`blacklist_step`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from fengkong.core.errors import FieldError, Invalid, NotFound
from fengkong.fraud.keys import KeyType, canonical_key
from fengkong.lending.line import ActionKind, LineSignals, LineStatus, apply_actions, line_actions
from fengkong.lending.line import freeze as freeze_line
from fengkong.lending.line_notices import notify_line
from fengkong.lending.servicing import (
    SYSTEM,
    BlacklistAction,
    ServicingServices,
    require_language,
)
from fengkong.lending.servicing_records import BlacklistHit, LineBorrower


def bind_line_borrower(
    line_id: str,
    svc: ServicingServices,
    *,
    application_id: str | None = None,
    id_number: str | None = None,
    phone: str | None = None,
    bank_card: str | None = None,
    language: str | None = None,
    actor: str = SYSTEM,
) -> LineBorrower:
    """Record whose line it is: from an application's sealed keys, or from keys given in clear
    (validated, then sealed). The black-list step checks lines by these."""
    chosen = require_language(language, svc.config)
    vault = svc.vault
    today = svc.clock.business_date()
    with svc.uow() as uow:
        if uow.lending.get_line(line_id) is None:
            raise NotFound(f"no credit line {line_id!r}")
        if application_id is not None:
            app = uow.applications.get(application_id)
            if app is None:
                raise NotFound(f"no application {application_id!r}")
            borrower = LineBorrower(
                line_id,
                application_id,
                app.id_number_enc,
                app.id_number_bidx,
                app.phone_enc,
                app.phone_bidx,
                app.bank_card_enc,
                app.bank_card_bidx,
                chosen,
            )
        else:
            if not (id_number or phone or bank_card):
                raise Invalid((FieldError(("id_number",), "give an ID number, phone or card"),))
            ident = None if not id_number else canonical_key(KeyType.RESIDENT_ID, id_number, today)
            mobile = None if not phone else canonical_key(KeyType.MOBILE, phone, today)
            card = None if not bank_card else canonical_key(KeyType.BANK_CARD, bank_card, today)
            borrower = LineBorrower(
                line_id,
                None,
                None if ident is None else vault.encrypt("id_number", ident),
                None if ident is None else vault.blind_index("id_number", ident),
                None if mobile is None else vault.encrypt("phone", mobile),
                None if mobile is None else vault.blind_index("phone", mobile),
                None if card is None else vault.encrypt("bank_card", card),
                None if card is None else vault.blind_index("bank_card", card),
                chosen,
            )
        now = svc.clock.now()
        uow.servicing.bind_line_borrower(borrower, now)
        uow.audit.append(
            at=now,
            actor=actor,
            action="line.borrower_bound",
            subject_type="credit_line",
            subject_id=line_id,
            payload={
                "application_id": application_id,
                "keys": [
                    name
                    for name, value in (
                        ("id_number", borrower.id_number_bidx),
                        ("phone", borrower.phone_bidx),
                        ("bank_card", borrower.bank_card_bidx),
                    )
                    if value
                ],
            },
        )
        uow.commit()
        return borrower


def blacklist_step(day: date, svc: ServicingServices) -> Mapping[str, int]:
    """Close (or freeze, as configured) every line whose borrower's ID, phone or card is on the
    black list by an entry that has not acted on that line yet; record why; notify the borrower."""
    with svc.uow() as uow:
        hits: list[BlacklistHit] = list(uow.servicing.new_blacklist_hits(svc.clock.now()))
    by_line: dict[str, list[BlacklistHit]] = {}
    for hit in hits:
        by_line.setdefault(hit.line_id, []).append(hit)
    acted = 0
    done = {"freeze": 0, "close": 0}
    for line_id, found in sorted(by_line.items()):
        kinds = tuple(sorted({h.key_type for h in found}))
        reason = f"BLACKLIST_HIT: {', '.join(kinds)} on the black list"
        with svc.uow() as uow:
            stored = uow.lending.get_line(line_id)
            if stored is None:
                continue
            line = stored.line
            action = ""
            if svc.config.blacklist_action is BlacklistAction.CLOSE:
                rules = replace(svc.lending.config.line_rules, close_on_blacklist=True)
                actions = line_actions(line, LineSignals(new_blacklist_hits=kinds), rules)
                actions = tuple(a for a in actions if a.kind is ActionKind.CLOSE)
                if actions:
                    line, action = apply_actions(line, actions, day), "close"
            elif line.status is LineStatus.ACTIVE:
                line, action = freeze_line(line, reason, day), "freeze"
            now = svc.clock.now()
            if action:
                uow.lending.save_line(replace(stored, line=line), now)
                uow.audit.append(
                    at=now,
                    actor=SYSTEM,
                    action=f"line.{action}",
                    subject_type="credit_line",
                    subject_id=line_id,
                    payload={
                        "reason": "BLACKLIST_HIT",
                        "detail": reason,
                        "entries": [h.entry_id for h in found],
                        "business_date": day.isoformat(),
                        "notify": "borrower",
                    },
                )
                acted += 1
                done[action] += 1
            for hit in found:
                uow.servicing.add_blacklist_action(hit, action or "none", day, now)
            uow.commit()
        if action:
            notify_line(line_id, day, svc)
    # named like end of day's own totals, which they add to
    return {
        "blacklist_lines_acted": acted,
        "lines_frozen": done["freeze"],
        "lines_closed": done["close"],
    }
