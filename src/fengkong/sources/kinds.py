"""What external data Fengkong fetches, and under which consent purpose each kind is fetched.

The purposes are the values of `onboarding.consent.Purpose` (a package above this one), named
here by their value; a test holds the two together."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["IDENTITY_CHECKS", "PERSONAL_KINDS", "SourceKind", "purpose_of"]


class SourceKind(StrEnum):
    CREDIT_BUREAU = "credit_bureau"  # 个人征信报告
    BANK_STATEMENT = "bank_statement"  # 银行流水
    BUSINESS_REGISTRY = "business_registry"  # 工商登记
    TAX_PAYMENTS = "tax_payments"  # 纳税记录
    UTILITY_PAYMENTS = "utility_payments"  # 水电燃气缴费
    FINANCIAL_STATEMENTS = "financial_statements"  # 财务报表
    ID_NAME_MATCH = "id_name_match"  # 身份证号与姓名一致性
    CARRIER_THREE_FACTOR = "carrier_three_factor"  # 运营商三要素
    BANK_CARD_FOUR_FACTOR = "bank_card_four_factor"  # 银行卡四要素
    SMS_OTP = "sms_otp"  # 短信验证码
    LIVENESS = "liveness"  # 活体检测与人脸比对


IDENTITY_CHECKS = frozenset(
    {
        SourceKind.ID_NAME_MATCH,
        SourceKind.CARRIER_THREE_FACTOR,
        SourceKind.BANK_CARD_FOUR_FACTOR,
        SourceKind.SMS_OTP,
        SourceKind.LIVENESS,
    }
)

# What is about the person applying even when they apply for a business: their own credit report
# and who they are. Every other kind, for a business's application, is about the business.
PERSONAL_KINDS = frozenset({SourceKind.CREDIT_BUREAU, *IDENTITY_CHECKS})

_PURPOSE = {
    SourceKind.CREDIT_BUREAU: "credit_bureau",
    SourceKind.BANK_STATEMENT: "data_sources",
    SourceKind.BUSINESS_REGISTRY: "data_sources",
    SourceKind.TAX_PAYMENTS: "data_sources",
    SourceKind.UTILITY_PAYMENTS: "data_sources",
    SourceKind.FINANCIAL_STATEMENTS: "data_sources",
}


def purpose_of(kind: SourceKind) -> str:
    """The consent purpose a fetch of `kind` needs: identity checks are made for fraud checking
    (反欺诈核验), the bureau under its own consent, the other sources under the data-sources one."""
    return _PURPOSE.get(kind, "fraud_check")
