"""What a decision says: the outcome and the reasons behind it."""

from __future__ import annotations

from enum import StrEnum

from fengkong.core.reason import Reason

__all__ = ["Outcome", "Reason"]


class Outcome(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    REFER = "refer"
    VERIFY = "verify"  # step-up: an extra identity check before the decision completes
    # approve if secured (需提供担保后批准): an offer that can be accepted only once the
    # collateral or guarantee it names is registered (`lending.secured_offers`)
    APPROVE_IF_SECURED = "approve_secured"
