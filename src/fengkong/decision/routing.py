"""Champion and challenger: which policy decides an application, and how the two compare.

Routing hashes the application id (salted with the challenger's version), so a replay routes the
same way, a new experiment reshuffles who falls in its share, and raising the share only adds
applicants to the challenger's arm: none of those already in it leaves.

- `split`: the challenger decides for its share of applications, the champion for the rest.
- `shadow`: the champion decides every application; for the configured share the challenger also
  runs, and its outcome is recorded but never acted upon.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from fengkong.core.errors import FieldError, Invalid

_BUCKETS = 1 << 64
APPROVE = "approve"


class Mode(StrEnum):
    SPLIT = "split"
    SHADOW = "shadow"


class Arm(StrEnum):
    CHAMPION = "champion"
    CHALLENGER = "challenger"


@dataclass(frozen=True, slots=True)
class ChallengerConfig:
    """The experiment: a challenger version, the share of traffic it sees (0 to 1) and how."""

    version: str | None = None
    share: Decimal = Decimal(0)
    mode: Mode = Mode.SHADOW

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.share <= Decimal(1):
            raise Invalid((FieldError(("challenger_share",), "must be between 0 and 1"),))

    @classmethod
    def from_settings(cls, settings: object, version: str | None) -> ChallengerConfig:
        """`challenger_share` and `challenger_mode` from settings when they exist; the version
        comes from the registry (the policy whose status is `challenger`)."""
        share = getattr(settings, "challenger_share", None)
        mode = getattr(settings, "challenger_mode", None)
        return cls(
            version=version,
            share=Decimal(0) if share is None else Decimal(str(share)),
            mode=Mode.SHADOW if mode is None else Mode(mode),
        )


@dataclass(frozen=True, slots=True)
class Route:
    arm: Arm  # which arm the application belongs to for reporting
    deciding: str  # the policy version whose outcome is acted upon
    shadow: str | None  # a version to run beside it, recorded only


def bucket(application_id: str, salt: str) -> int:
    """A uniform integer in [0, 2**64) fixed by the id and the salt."""
    digest = hashlib.sha256(f"{salt}\x1f{application_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def in_share(application_id: str, salt: str, share: Decimal) -> bool:
    threshold = int(Fraction(share) * _BUCKETS)  # exact, whatever the share's digits
    return bucket(application_id, salt) < threshold


def route(champion: str, config: ChallengerConfig, application_id: str) -> Route:
    if config.version is None or config.version == champion or config.share == 0:
        return Route(Arm.CHAMPION, champion, None)
    if not in_share(application_id, config.version, config.share):
        return Route(Arm.CHAMPION, champion, None)
    if config.mode == Mode.SPLIT:
        return Route(Arm.CHALLENGER, config.version, None)
    return Route(Arm.CHALLENGER, champion, config.version)


@dataclass(frozen=True, slots=True)
class ArmSummary:
    n: int
    approved: int

    @property
    def approval_rate(self) -> float | None:
        return None if self.n == 0 else self.approved / self.n


@dataclass(frozen=True, slots=True)
class Comparison:
    """Champion against challenger. Rates cover every outcome each arm has; the swap sets and the
    agreement matrix cover only applications both arms decided (shadow mode, or a back-test)."""

    champion: ArmSummary
    challenger: ArmSummary
    paired: int
    agreement: Mapping[tuple[str, str], int]  # (champion outcome, challenger outcome) → count
    swap_in: int  # challenger approves what the champion did not
    swap_out: int  # champion approves what the challenger does not

    @property
    def agreement_rate(self) -> float | None:
        if self.paired == 0:
            return None
        return sum(n for (a, b), n in self.agreement.items() if a == b) / self.paired

    def as_dict(self) -> dict[str, object]:
        return {
            "champion": {
                "n": self.champion.n,
                "approved": self.champion.approved,
                "approval_rate": self.champion.approval_rate,
            },
            "challenger": {
                "n": self.challenger.n,
                "approved": self.challenger.approved,
                "approval_rate": self.challenger.approval_rate,
            },
            "paired": self.paired,
            "agreement_rate": self.agreement_rate,
            "swap_in": self.swap_in,
            "swap_out": self.swap_out,
            "agreement": [
                {"champion": a, "challenger": b, "n": n}
                for (a, b), n in sorted(self.agreement.items())
            ],
        }


def _summary(outcomes: Mapping[str, str]) -> ArmSummary:
    return ArmSummary(len(outcomes), sum(1 for o in outcomes.values() if o == APPROVE))


def compare(
    champion_outcomes: Mapping[str, str], challenger_outcomes: Mapping[str, str]
) -> Comparison:
    """Outcomes keyed by application id ("approve", "decline", "refer", …)."""
    paired = champion_outcomes.keys() & challenger_outcomes.keys()
    cells = Counter(
        (str(champion_outcomes[a]), str(challenger_outcomes[a])) for a in sorted(paired)
    )
    return Comparison(
        champion=_summary(champion_outcomes),
        challenger=_summary(challenger_outcomes),
        paired=len(paired),
        agreement=dict(cells),
        swap_in=sum(n for (a, b), n in cells.items() if a != APPROVE and b == APPROVE),
        swap_out=sum(n for (a, b), n in cells.items() if a == APPROVE and b != APPROVE),
    )
