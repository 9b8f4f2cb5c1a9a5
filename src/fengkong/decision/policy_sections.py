"""The policy sections on external data, read beside the others (`decision.compiler`):
`sources:` (which kinds to fetch, whether required, under which condition) and `limits.adjust`
(the limit matrix's cell scaled when a condition holds)."""

from __future__ import annotations

from decimal import Decimal

from fengkong.decision.document import Path_
from fengkong.decision.policy import LimitAdjustment, SourceAsk
from fengkong.decision.policy_reader import PolicyReader
from fengkong.decision.source_facts import FAMILIES

__all__ = ["ExternalDataSections"]


class ExternalDataSections(PolicyReader):
    def sources(self) -> tuple[SourceAsk, ...]:
        """`sources:` — per kind of external data, `required` (default false: the decision
        goes on without it) and `when`, a condition over the application's facts (and those of
        the kinds listed before it) under which it is fetched."""
        asks: list[SourceAsk] = []
        for kind, spec in self.mapping(("sources",), required=False).items():
            at: Path_ = ("sources", kind)
            if kind not in FAMILIES:
                self.fail(at, f"no features are read from {kind!r}; one of {', '.join(FAMILIES)}")
                continue
            if spec is None:
                spec = {}
            if not isinstance(spec, dict):
                self.fail(at, f"{kind!r} must be a mapping of 'required' and 'when'")
                continue
            for key in spec:
                if key not in ("required", "when"):
                    self.fail((*at, key), f"unknown key {key!r}; known: required, when")
            required = spec.get("required", False)
            if not isinstance(required, bool):
                self.fail((*at, "required"), f"required must be true or false: {required!r}")
                required = False
            condition = self.condition((*at, "when")) if spec.get("when") is not None else None
            asks.append(SourceAsk(kind, required, condition))
        return tuple(asks)

    def limit_adjustments(self) -> tuple[LimitAdjustment, ...]:
        """`limits.adjust`: a list of `code`, `when`, `factor` (a positive decimal), `en`, `zh`."""
        path: Path_ = ("limits", "adjust")
        found: list[LimitAdjustment] = []
        for index, _ in enumerate(self.items(path, required=False)):
            at = (*path, index)
            code = self.text((*at, "code"))
            condition = self.condition((*at, "when"))
            factor = self.number((*at, "factor"))
            if factor is None or factor <= 0:
                self.fail((*at, "factor"), f"factor must be a number above 0: {factor!r}")
                continue
            if condition is not None:
                reason = self.reason(at, code)
                found.append(LimitAdjustment(code, condition, Decimal(factor), reason))
        return tuple(found)
