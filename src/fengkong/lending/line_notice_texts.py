"""What a borrower is told when a rule acts on their credit line, or an officer reverses it: the
texts of the line notices (zh-CN and en), and each reason code in plain words.

A notice says what happened and when, why (the reason code's words, never the code), the new
limit where it changed, and how to dispute it: ask customer service for an officer's review (the
reinstatement path, `lending.line_reinstate`). The Chinese texts hold no English words; the
amounts are yuan. Nothing personal: a line id, dates, amounts and reasons.
"""

from __future__ import annotations

from collections.abc import Mapping

from fengkong.core.money import fen_to_yuan

# The reason codes the rules record (`line.Action.reason`), in words each language's reader
# understands; an unknown code reads as the general risk review.
REASONS: Mapping[str, Mapping[str, str]] = {
    "DPD_OVER_THRESHOLD": {
        "zh-CN": "您在该额度下的借款已逾期未还",
        "en": "a repayment on this line is past due",
    },
    "BLACKLIST_HIT": {
        "zh-CN": "您的身份信息在风险名单核查中被命中",
        "en": "your details matched an entry in our risk list check",
    },
    "RECEIPTS_MISSING": {
        "zh-CN": "您支用资金的用途凭证（发票等）未在规定期限内提交",
        "en": "receipts (invoices) for what a draw was used for were not provided in time",
    },
    "MARGIN_CALL_UNMET": {
        "zh-CN": "追加担保物或还款的要求未在期限内完成",
        "en": "a request to add collateral or repay was not met by its deadline",
    },
    "SCORE_BELOW_THRESHOLD": {
        "zh-CN": "定期评估显示您近期的用信和还款情况未达到要求",
        "en": "our periodic review of your recent borrowing and repayments",
    },
    "SCORE_BELOW_FREEZE": {
        "zh-CN": "定期评估显示您近期的用信和还款情况风险较高",
        "en": "our periodic review found a high risk in your recent borrowing and repayments",
    },
    "SCORE_BELOW_CLOSE": {
        "zh-CN": "定期评估显示您近期的用信和还款情况风险很高",
        "en": "our periodic review found a very high risk in your recent borrowing and repayments",
    },
    "SCORE_ABOVE_THRESHOLD": {
        "zh-CN": "您近期的用信和还款记录良好",
        "en": "your good record of borrowing and repaying",
    },
}
FALLBACK: Mapping[str, str] = {
    "zh-CN": "综合风险评估结果",
    "en": "our overall risk review",
}

_DISPUTE = {
    "zh-CN": "如有异议，请联系客服{contact}申请人工复核，复核属实将为您恢复。",
    "en": "If you disagree, contact customer service{contact} to ask for a review by an officer, "
    "who can reverse it.",
}
_QUESTIONS = {
    "zh-CN": "如有疑问，请联系客服{contact}。",
    "en": "If you have questions, contact customer service{contact}.",
}

LINE_TEMPLATES: Mapping[str, Mapping[str, str]] = {
    "line_frozen": {
        "zh-CN": "【{lender}】您的额度{line_id}已于{on}冻结，原因：{reason}。冻结期间暂停支用，"
        "已借款项请照常还款。{dispute}",
        "en": "{lender}: your credit line {line_id} was frozen on {on}. Reason: {reason}. "
        "You cannot draw on it while it is frozen; keep repaying what you owe. {dispute}",
    },
    "line_reduced": {
        "zh-CN": "【{lender}】您的额度{line_id}已于{on}由{limit_before}元调整为{limit_after}元，"
        "原因：{reason}。{dispute}",
        "en": "{lender}: the limit of your credit line {line_id} was lowered on {on} from "
        "CNY {limit_before} to CNY {limit_after}. Reason: {reason}. {dispute}",
    },
    "line_closed": {
        "zh-CN": "【{lender}】您的额度{line_id}已于{on}关闭，原因：{reason}。关闭后不能再支用，"
        "已借款项请按期还款。{dispute}",
        "en": "{lender}: your credit line {line_id} was closed on {on}. Reason: {reason}. "
        "No more draws can be made; repay what you owe as scheduled. {dispute}",
    },
    "line_raised": {
        "zh-CN": "【{lender}】您的额度{line_id}已于{on}由{limit_before}元提升至{limit_after}元，"
        "原因：{reason}。{questions}",
        "en": "{lender}: the limit of your credit line {line_id} was raised on {on} from "
        "CNY {limit_before} to CNY {limit_after}. Reason: {reason}. {questions}",
    },
    "line_reinstated": {
        "zh-CN": "【{lender}】经人工复核，我们已于{on}撤销对您额度{line_id}的自动处理"
        "（原因：{reason}），当前额度为{limit_after}元。{questions}",
        "en": "{lender}: after an officer's review, on {on} we reversed the automatic action on "
        "your credit line {line_id} (reason: {reason}). Its limit is now "
        "CNY {limit_after}. {questions}",
    },
}


def reason_text(codes: str, language: str) -> str:
    """The words for a reason code, or for several joined by `+` (a reinstatement's)."""
    words = [
        REASONS.get(code, FALLBACK).get(language, REASONS.get(code, FALLBACK)["zh-CN"])
        for code in codes.split("+")
        if code
    ] or [FALLBACK.get(language, FALLBACK["zh-CN"])]
    return ("；" if language == "zh-CN" else "; ").join(dict.fromkeys(words))


def line_params(language: str, params: Mapping[str, object]) -> dict[str, object]:
    """A line notice's parameters as shown in `language`: the reason in words, the limits in
    yuan, and the dispute (or questions) sentence with the configured contact, if any."""
    shown: dict[str, object] = dict(params)
    shown["reason"] = reason_text(str(params.get("reason", "")), language)
    for key in ("limit_before", "limit_after"):
        value = params.get(key)
        if isinstance(value, int):
            shown[key] = fen_to_yuan(value)
    contact = str(params.get("contact", "") or "")
    if contact:
        contact = f"（{contact}）" if language == "zh-CN" else f" ({contact})"
    lang = language if language in _DISPUTE else "zh-CN"
    shown["dispute"] = _DISPUTE[lang].format(contact=contact)
    shown["questions"] = _QUESTIONS[lang].format(contact=contact)
    shown.pop("contact", None)
    return shown
