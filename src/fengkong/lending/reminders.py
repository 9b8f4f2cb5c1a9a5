"""Reminders (还款提醒 and 催收短信) and the notifications other servicing steps send.

- Before a due date (`remind_before_days`, e.g. 3 and 1 days) for an instalment still unpaid,
  and after a miss (`remind_after_days` past due, e.g. 1, 3 and 7).
- Each notification is recorded once per (subject, kind, business date) before it is sent, so an
  end-of-day rerun never sends it again; one left pending by a crash is sent on the rerun.
- Texts are bilingual (zh-CN by default, en) and hold no personal data: a loan id, dates and
  amounts. The log channel shows only a masked phone; the webhook posts JSON to a configured URL
  and carries the clear phone only when configured to (an SMS gateway must have it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from fengkong.core.errors import IntegrityBroken
from fengkong.core.ids import new_id
from fengkong.core.log import get_logger
from fengkong.core.money import fen_to_yuan
from fengkong.lending.line_notice_texts import LINE_TEMPLATES, line_params
from fengkong.lending.records import LoanStage
from fengkong.lending.servicing import (
    Contact,
    Delivery,
    ReminderMessage,
    ServicingServices,
    contact_for_loan,
    overdue_amount,
    require_loan,
)
from fengkong.lending.servicing_records import ReminderRecord
from fengkong.onboarding.masking import mask
from fengkong.onboarding.normalize import FieldKind

if TYPE_CHECKING:
    import httpx

TEMPLATES: Mapping[str, Mapping[str, str]] = {
    "due_soon": {
        "zh-CN": "【{lender}】您的借款{loan_id}第{number}期将于{due}到期，应还{amount}元，"
        "请确保还款卡余额充足。",
        "en": "{lender}: instalment {number} of loan {loan_id} is due on {due}: CNY {amount}. "
        "Please keep enough funds on your repayment card.",
    },
    "overdue": {
        "zh-CN": "【{lender}】您的借款{loan_id}已逾期{dpd}天，逾期金额{amount}元，"
        "请尽快还款，以免影响您的信用记录。",
        "en": "{lender}: loan {loan_id} is {dpd} days past due with CNY {amount} overdue. "
        "Please repay as soon as possible to protect your credit record.",
    },
    "guarantee_called": {
        "zh-CN": "【{lender}】您担保的借款{loan_id}已逾期{dpd}天，请按担保合同代偿{amount}元。",
        "en": "{lender}: loan {loan_id}, which you guarantee, is {dpd} days past due. "
        "Under the guarantee, please pay CNY {amount}.",
    },
    "margin_call": {
        "zh-CN": "【{lender}】借款{loan_id}的抵押率为{ltv}，高于{threshold}，"
        "请于{deadline}前追加担保物或还款。",
        "en": "{lender}: the loan-to-value of loan {loan_id} is {ltv}, above {threshold}. "
        "Please add collateral or repay by {deadline}.",
    },
    **LINE_TEMPLATES,
}


def render(kind: str, language: str, params: Mapping[str, object], lender: str) -> str:
    """The text of a notification; amounts given in fen are shown in yuan."""
    template = TEMPLATES[kind.split(":")[0]]
    if kind in LINE_TEMPLATES:
        params = line_params(language, params)
    shown = {
        k: fen_to_yuan(v) if k == "amount" and isinstance(v, int) else v for k, v in params.items()
    }
    return template.get(language, template["zh-CN"]).format(lender=lender, **shown)


# ---- channels -----------------------------------------------------------------------------------


class LogChannel:
    """Writes each reminder to the structured log: the text and a masked phone, nothing else."""

    name = "log"

    def __init__(self, logger: Any = None) -> None:
        self.log = logger or get_logger("fengkong.reminders")

    def send(self, message: ReminderMessage) -> Delivery:
        self.log.info(
            "reminder.sent",
            reminder_id=message.reminder_id,
            subject_type=message.subject_type,
            subject_id=message.subject_id,
            kind=message.kind,
            language=message.language,
            phone=message.phone_masked,
            text=message.text,
        )
        return Delivery(True)


class WebhookChannel:
    """POSTs each reminder as JSON to `url`; a 2xx answer is a delivery. The reminder id goes as
    the `Idempotency-Key` header so the receiver can drop a resend."""

    name = "webhook"

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        include_phone: bool = False,
        client: httpx.Client | None = None,
    ) -> None:
        import httpx  # only a deployment that posts reminders loads the HTTP client

        self.url = url
        self.include_phone = include_phone
        self.client = client or httpx.Client(timeout=timeout)

    def send(self, message: ReminderMessage) -> Delivery:
        body: dict[str, object] = {
            "reminder_id": message.reminder_id,
            "subject_type": message.subject_type,
            "subject_id": message.subject_id,
            "kind": message.kind,
            "language": message.language,
            "text": message.text,
            "phone_masked": message.phone_masked,
        }
        if self.include_phone:
            body["phone"] = message.phone
        import httpx

        try:
            answer = self.client.post(
                self.url, json=body, headers={"Idempotency-Key": message.reminder_id}
            )
        except httpx.HTTPError as exc:
            return Delivery(False, f"{type(exc).__name__}: {exc}")
        if not answer.is_success:
            return Delivery(False, f"HTTP {answer.status_code}")
        return Delivery(True)


# ---- records and sending ------------------------------------------------------------------------


def notify(
    svc: ServicingServices,
    *,
    subject_type: str,
    subject_id: str,
    kind: str,
    on: date,
    contact: Contact,
    params: Mapping[str, object],
) -> bool:
    """Record the notification (once per subject, kind and date) and send it; False when it was
    already sent (or failed) for that date."""
    detail = {k: (int(v) if isinstance(v, int) else str(v)) for k, v in params.items()}
    with svc.uow() as uow:
        stored: ReminderRecord | None = uow.servicing.reminder(subject_type, subject_id, kind, on)
        if stored is None:
            stored = ReminderRecord(
                reminder_id=new_id("rmd", svc.clock),
                subject_type=subject_type,
                subject_id=subject_id,
                kind=kind,
                business_date=on,
                language=contact.language,
                channel=svc.channel.name,
                status="pending",
                detail=detail,
            )
            if not uow.servicing.add_reminder(stored, svc.clock.now()):
                return False  # a concurrent run recorded it first
            uow.commit()
        elif stored.status != "pending":
            return False
    phone = None
    if contact.phone_enc is not None:
        try:
            phone = svc.vault.decrypt("phone", contact.phone_enc)
        except IntegrityBroken:
            # one unreadable phone must not stop the day's reminders: sent without a recipient,
            # the record shows it, and the receiving side cannot deliver it.
            phone = None
    message = ReminderMessage(
        reminder_id=stored.reminder_id,
        subject_type=subject_type,
        subject_id=subject_id,
        kind=kind,
        language=stored.language,
        text=render(kind, stored.language, params, svc.lending.config.lender_name),
        phone_masked=None if phone is None else mask(FieldKind.MOBILE, phone),
        phone=phone,
    )
    delivery = svc.channel.send(message)
    with svc.uow() as uow:
        uow.servicing.finish_reminder(
            stored.reminder_id,
            "sent" if delivery.delivered else "failed",
            delivery.error or None,
            svc.clock.now(),
        )
        uow.commit()
    return True


def reminders_for(loan_id: str, svc: ServicingServices) -> tuple[ReminderRecord, ...]:
    """The reminders sent about a loan (`LoanNotFound` if there is no such loan)."""
    with svc.uow() as uow:
        require_loan(uow, loan_id)
        return tuple(uow.servicing.reminders_for(loan_id))


def reminder_step(day: date, svc: ServicingServices) -> Mapping[str, int]:
    """Before-due reminders for unpaid instalments and after-miss reminders on the configured
    days past due."""
    config = svc.config
    sent = 0
    for days in config.remind_before_days:
        due = day + timedelta(days=days)
        with svc.uow() as uow:
            found = uow.servicing.instalments_due_on(due)
        for loan_id, number in found:
            with svc.uow() as uow:
                record = uow.lending.get_loan(loan_id)
                if record is None or record.stage is not LoanStage.ACTIVE:
                    continue
                position = record.state.position(number)
                if position.scheduled_unpaid <= 0:
                    continue  # paid ahead: nothing to remind of
                contact = contact_for_loan(uow, record, config)
            sent += notify(
                svc,
                subject_type="loan",
                subject_id=loan_id,
                kind=f"due_soon:{days}",
                on=day,
                contact=contact,
                params={
                    "loan_id": loan_id,
                    "number": number,
                    "due": due.isoformat(),
                    "amount": int(position.scheduled_unpaid),
                },
            )
    with svc.uow() as uow:
        late = uow.servicing.loans_with_dpd(tuple(config.remind_after_days))
    for loan_id in late:
        with svc.uow() as uow:
            record = uow.lending.get_loan(loan_id)
            if record is None or record.stage is not LoanStage.ACTIVE:
                continue
            contact = contact_for_loan(uow, record, config)
        sent += notify(
            svc,
            subject_type="loan",
            subject_id=loan_id,
            kind=f"overdue:{record.days_past_due}",
            on=day,
            contact=contact,
            params={
                "loan_id": loan_id,
                "dpd": record.days_past_due,
                "amount": int(overdue_amount(record.state, day)),
            },
        )
    return {"reminders_sent": sent}
