"""Reading a policy document: typed values at a path, each problem kept as a `Finding`.

The compiler (`decision.compiler`) reads every section through these accessors, so that one bad
value is reported with its line and the rest of the document is still checked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from fengkong.core.errors import Invalid
from fengkong.core.money import Fen, yuan_to_fen
from fengkong.core.reason import Reason
from fengkong.decision.catalogue import FeatureCatalogue
from fengkong.decision.conditions import Condition, ConditionError, compile_condition
from fengkong.decision.document import Document, Finding, Path_
from fengkong.decision.policy import PolicyOutcome


class PolicyReader:
    """A parsed document, the catalogue its conditions read, and the findings so far."""

    def __init__(self, doc: Document, catalogue: FeatureCatalogue) -> None:
        self.doc = doc
        self.catalogue = catalogue
        self.findings: list[Finding] = []

    def fail(self, path: Path_, message: str) -> None:
        self.findings.append(Finding(path, message))

    def get(self, path: Path_) -> Any:
        here: Any = self.doc.data
        for part in path:
            if isinstance(here, dict) and isinstance(part, str):
                here = here.get(part)
            elif isinstance(here, list) and isinstance(part, int) and part < len(here):
                here = here[part]
            else:
                return None
        return here

    def text(self, path: Path_, *, required: bool = True, default: str = "") -> str:
        value = self.get(path)
        if value is None:
            if required:
                self.fail(path, f"{path[-1]!r} is required")
            return default
        if not isinstance(value, str | int) or isinstance(value, bool):
            self.fail(path, f"{path[-1]!r} must be text: {value!r}")
            return default
        return str(value)

    def items(self, path: Path_, *, required: bool = True) -> list[Any]:
        value = self.get(path)
        if value is None:
            if required:
                self.fail(path, f"{path[-1]!r} is required")
            return []
        if not isinstance(value, list):
            self.fail(path, f"{path[-1]!r} must be a list")
            return []
        return value

    def mapping(self, path: Path_, *, required: bool = True) -> dict[str, Any]:
        value = self.get(path)
        if value is None:
            if required:
                self.fail(path, f"{path[-1]!r} is required")
            return {}
        if not isinstance(value, dict):
            self.fail(path, f"{path[-1]!r} must be a mapping")
            return {}
        return value

    def number(self, path: Path_) -> int | Decimal | None:
        value = self.get(path)
        if isinstance(value, str):
            with contextlib.suppress(ArithmeticError):
                value = Decimal(value)
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.fail(path, f"{path[-1]!r} must be a number: {value!r}")
            return None
        return value

    def rate(self, path: Path_) -> Decimal | None:
        value = self.number(path)
        if value is None:
            return None
        rate = Decimal(value)
        if not Decimal(0) <= rate <= Decimal(1):
            self.fail(path, f"a rate is a fraction in [0, 1] (0.18 is 18 %): {value}")
            return None
        return rate

    def yuan(self, path: Path_) -> Fen | None:
        value = self.get(path)
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            self.fail(path, f'{path[-1]!r} must be an amount in yuan, e.g. "5000.00": {value!r}')
            return None
        try:
            amount = yuan_to_fen(value if isinstance(value, str | Decimal) else str(value))
        except Invalid as exc:
            self.fail(path, f"{path[-1]!r}: {exc.errors[0].msg}")
            return None
        if amount < 0:
            self.fail(path, f"{path[-1]!r} must not be negative")
            return None
        return amount

    def condition(self, path: Path_) -> Condition | None:
        text = self.get(path)
        if not isinstance(text, str):
            self.fail(path, f"a condition must be text: {text!r}")
            return None
        try:
            return compile_condition(text, self.catalogue)
        except ConditionError as exc:
            self.fail(path, f"in {text!r} at column {exc.column}: {exc}")
            return None

    def reason(self, path: Path_, code: str) -> Reason:
        return Reason(code, self.text((*path, "en")), self.text((*path, "zh")))

    def outcome(self, path: Path_, allowed: Sequence[PolicyOutcome]) -> PolicyOutcome:
        value = self.get(path)
        try:
            outcome = PolicyOutcome(value)
        except ValueError:
            outcome = PolicyOutcome.REFER
            value = None
        if value is None or outcome not in allowed:
            choices = ", ".join(o.value for o in allowed)
            self.fail(path, f"outcome must be one of {choices}: {self.get(path)!r}")
        return outcome
