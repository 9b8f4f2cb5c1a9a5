"""The policy engine: a versioned policy document compiled once, evaluated as plain Python.

Stages run in the document's order: knock-outs, fraud rules (and JDM tables), score cut-offs by
segment, limit assignment (score band × affordability, capped by existing exposure), pricing
(annual rate by score band), then caps (the legal price cap on the all-in APR). A decline stops
evaluation; a verify stops it until the step-up check's result is among the facts
(`step_up.<check>`), when the same evaluation resumes past it; a refer is recorded and evaluation
goes on, so the officer sees the limit and price the policy would offer.

A rule that needs a fact the application lacks refers with a reason naming the fact: a missing
fact never approves. Every stage leaves a `StageTrace` of what it read and what it did.

Outcome precedence: decline > verify > refer > approve.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum, StrEnum
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

from fengkong.core.errors import Invalid
from fengkong.core.money import HALF_UP, Fen, format_fen, to_fen, yuan_to_fen
from fengkong.core.reason import Reason
from fengkong.decision.catalogue import DEFAULT_CATALOGUE, FeatureCatalogue, resolve
from fengkong.decision.conditions import Condition, ConditionError, MissingFact, compile_condition
from fengkong.decision.document import Document, Finding, Path_, parse_document
from fengkong.decision.jdm import JdmTable, load_jdm, parse_jdm
from fengkong.decision.pricing import (
    Offer,
    PriceCap,
    all_in_apr,
    highest_rate_within_cap,
    largest_amount_within_cap,
    make_offer,
    offer_within_cap,
    within_cap,
)
from fengkong.lending.product import FeeCollection, Product, RepaymentMethod, product_from_dict

Facts = Mapping[str, object]
_REFERENCE_START = date(2025, 1, 31)  # load-time price checks: month-end start, the hardest case
_BREACH_STEPS = ("lower_rate", "reduce_limit", "decline")


class _Stop(Enum):
    DECLINE = "decline"  # a stage declined: evaluation ends


class PolicyOutcome(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    REFER = "refer"
    VERIFY = "verify"  # step-up: an extra identity check before the decision completes


@dataclass(frozen=True, slots=True)
class StageTrace:
    stage: str
    saw: tuple[tuple[str, object], ...]  # the facts the stage may read, as it found them
    did: str  # pass, decline, refer, verify, assign, adjust
    fired: tuple[str, ...] = ()  # reason codes raised by the stage
    detail: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class PolicyDecision:
    outcome: PolicyOutcome
    limit: Fen | None
    annual_rate: Decimal | None
    term: int | None
    reasons: tuple[Reason, ...]
    trace: tuple[StageTrace, ...]
    policy: str  # "<id>-v<version>"
    policy_sha256: str
    offer: Offer | None = None  # set on approve, and on refer when a limit and price were found
    step_up: str | None = None  # the check a verify outcome asks for, e.g. "liveness"
    review_due_hours: int | None = None  # on refer: how long the review queue has


@dataclass(frozen=True, slots=True)
class _Rule:
    code: str
    condition: Condition
    reason: Reason
    outcome: PolicyOutcome = PolicyOutcome.DECLINE
    check: str | None = None


@dataclass(frozen=True, slots=True)
class _Band:
    low: Decimal | int
    high: Decimal | int
    name: str = ""
    outcome: PolicyOutcome = PolicyOutcome.APPROVE
    reason: Reason | None = None


@dataclass(frozen=True, slots=True)
class _Segment:
    name: str
    condition: Condition | None
    bands: tuple[_Band, ...]


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    id: str
    version: int
    author: str
    description: str
    sha256: str  # of the document text: what a stored decision pins
    product: Product
    cap: PriceCap
    on_breach: tuple[str, ...]
    knock_outs: tuple[_Rule, ...]
    fraud_rules: tuple[_Rule, ...]
    fraud_tables: tuple[tuple[str, JdmTable], ...]
    segments: tuple[_Segment, ...]
    score_range: tuple[int | Decimal, int | Decimal]
    score_bands: tuple[_Band, ...]
    affordability: tuple[_Band, ...]
    matrix: Mapping[tuple[str, str], Fen]
    max_exposure: Fen | None
    pricing: Mapping[str, Decimal]
    review_due_hours: int
    reads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # stage → facts

    @property
    def label(self) -> str:
        return f"{self.id}-v{self.version}"

    @property
    def facts_needed(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for names in self.reads.values():
            seen.update(dict.fromkeys(names))
        return tuple(seen)


# ---------------------------------------------------------------------------- loading


def load_shipped_policy(
    name: str = "retail-v3.yaml",
    catalogue: FeatureCatalogue = DEFAULT_CATALOGUE,
    cap: PriceCap | None = None,
) -> CompiledPolicy:
    folder = resources.files("fengkong.decision").joinpath("policies")
    return compile_policy(
        folder.joinpath(name).read_text(encoding="utf-8"),
        catalogue,
        cap,
        source=name,
        base_dir=Path(str(folder)),
    )


def compile_policy(
    text: str,
    catalogue: FeatureCatalogue = DEFAULT_CATALOGUE,
    cap: PriceCap | None = None,
    *,
    source: str = "<policy>",
    base_dir: Path | None = None,
    check_prices: bool = True,
    tables: Mapping[str, str] | None = None,
) -> CompiledPolicy:
    """Parse and check a policy document against `catalogue` and the legal `cap` (default 24 %).

    Every finding is reported at once as `PolicyError`, each message starting `line N:`.
    `check_prices=False` skips refusing prices above the cap at load (a what-if under a lower
    cap); the caps stage then lowers them at decision time."""
    doc = parse_document(text, source)
    compiler = _Compiler(
        doc, catalogue, cap or PriceCap.default(), base_dir, check_prices, tables or {}
    )
    policy = compiler.compile(hashlib.sha256(text.encode("utf-8")).hexdigest())
    if compiler.findings or policy is None:
        raise doc.error(compiler.findings)
    return policy


class _Compiler:
    def __init__(
        self,
        doc: Document,
        catalogue: FeatureCatalogue,
        cap: PriceCap,
        base_dir: Path | None,
        check_prices: bool,
        table_texts: Mapping[str, str] | None = None,
    ) -> None:
        self.table_texts = table_texts or {}
        self.doc = doc
        self.catalogue = catalogue
        self.legal_cap = cap
        self.base_dir = base_dir
        self.check_prices = check_prices
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

    # ---- stages

    def compile(self, sha256: str) -> CompiledPolicy | None:
        if not isinstance(self.doc.data, dict):
            self.fail((), "a policy document is a mapping")
            return None
        known = {
            "id", "version", "author", "description", "product", "score_range", "knock_outs",
            "fraud", "segments", "score_bands", "limits", "pricing", "caps", "review",
        }  # fmt: skip
        for key in self.doc.data:
            if key not in known:
                self.fail((key,), f"unknown section {key!r}; known: {', '.join(sorted(known))}")
        policy_id = self.text(("id",))
        version = self.get(("version",))
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            self.fail(("version",), f"version must be a whole number ≥ 1: {version!r}")
            version = 0
        product = self.product()
        cap = self.cap()
        knock_outs = self.rules(("knock_outs",), (PolicyOutcome.DECLINE,), default_outcome=True)
        fraud_rules = self.rules(
            ("fraud", "rules"),
            (PolicyOutcome.DECLINE, PolicyOutcome.REFER, PolicyOutcome.VERIFY),
            default_outcome=False,
        )
        tables = self.tables()
        score_range = self.score_range()
        segments = self.segments(score_range)
        score_bands = self.named_bands(("score_bands",), score_range)
        affordability = self.affordability()
        matrix = self.matrix(score_bands, affordability)
        max_exposure = (
            self.yuan(("limits", "max_exposure"))
            if self.get(("limits", "max_exposure")) is not None
            else None
        )
        pricing = self.pricing(score_bands, product)
        review = self.mapping(("review",), required=False)
        due = review.get("due_hours", 24)
        if isinstance(due, bool) or not isinstance(due, int) or due < 1:
            self.fail(("review", "due_hours"), f"due_hours must be a whole number ≥ 1: {due!r}")
            due = 24
        on_breach = self.on_breach()
        if self.findings or product is None or score_range is None:
            return None
        policy = CompiledPolicy(
            id=policy_id,
            version=int(version),
            author=self.text(("author",)),
            description=self.text(("description",)),
            sha256=sha256,
            product=product,
            cap=cap,
            on_breach=on_breach,
            knock_outs=knock_outs,
            fraud_rules=fraud_rules,
            fraud_tables=tables,
            segments=segments,
            score_range=score_range,
            score_bands=score_bands,
            affordability=affordability,
            matrix=matrix,
            max_exposure=max_exposure,
            pricing=pricing,
            review_due_hours=due,
            reads=_stage_reads(knock_outs, fraud_rules, tables, segments),
        )
        if self.check_prices:
            self.check_price_cap(policy)
        return policy

    def product(self) -> Product | None:
        raw = self.mapping(("product",))
        if not raw:
            return None
        plain = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in raw.items()}
        fee = plain.get("origination_fee")
        if isinstance(fee, dict):
            plain["origination_fee"] = {
                k: (str(v) if isinstance(v, Decimal) else v) for k, v in fee.items()
            }
        try:
            return product_from_dict(plain)
        except Invalid as exc:
            for error in exc.errors:
                self.fail(("product", *error.loc), error.msg)
            return None

    def cap(self) -> PriceCap:
        stricter = self.get(("caps", "max_apr"))
        if stricter is None:
            return self.legal_cap
        rate = self.rate(("caps", "max_apr"))
        if rate is None or rate >= self.legal_cap.annual:
            return self.legal_cap
        return PriceCap(rate, f"policy cap {rate * 100:f} % (legal: {self.legal_cap.basis})")

    def on_breach(self) -> tuple[str, ...]:
        steps = self.items(("caps", "on_breach"), required=False) or list(_BREACH_STEPS)
        for index, step in enumerate(steps):
            if step not in _BREACH_STEPS:
                self.fail(
                    ("caps", "on_breach", index), f"unknown step {step!r}; one of {_BREACH_STEPS}"
                )
        if steps and steps[-1] != "decline":
            self.fail(("caps", "on_breach"), "the last step must be 'decline'")
        return tuple(str(s) for s in steps)

    def rules(
        self, path: Path_, allowed: Sequence[PolicyOutcome], *, default_outcome: bool
    ) -> tuple[_Rule, ...]:
        compiled: list[_Rule] = []
        codes: set[str] = set()
        for index, _ in enumerate(self.items(path, required=False)):
            at = (*path, index)
            code = self.text((*at, "code"))
            if code in codes:
                self.fail((*at, "code"), f"code {code!r} is used twice")
            codes.add(code)
            condition = self.condition((*at, "when"))
            reason = self.reason(at, code)
            if default_outcome and self.get((*at, "outcome")) is None:
                outcome = PolicyOutcome.DECLINE
            else:
                outcome = self.outcome((*at, "outcome"), allowed)
            check = None
            if outcome is PolicyOutcome.VERIFY:
                check = self.text((*at, "check"))
                if check and resolve(self.catalogue, f"step_up.{check}") is None:
                    self.fail((*at, "check"), f"no fact step_up.{check} in the catalogue")
            if condition is not None:
                compiled.append(_Rule(code, condition, reason, outcome, check))
        return tuple(compiled)

    def tables(self) -> tuple[tuple[str, JdmTable], ...]:
        found: list[tuple[str, JdmTable]] = []
        for index, name in enumerate(self.items(("fraud", "tables"), required=False)):
            at: Path_ = ("fraud", "tables", index)
            if not isinstance(name, str):
                self.fail(at, f"a table is named by its file: {name!r}")
                continue
            try:
                if name in self.table_texts:  # a stored bundle, as replay uses
                    table = parse_jdm(self.table_texts[name], name)
                elif self.base_dir is not None:
                    table = load_jdm(self.base_dir / name)
                else:
                    folder = resources.files("fengkong.decision").joinpath("policies")
                    table = parse_jdm(folder.joinpath(name).read_text(encoding="utf-8"), name)
            except OSError as exc:
                self.fail(at, f"cannot read JDM table {name!r}: {exc.strerror}")
                continue
            except Invalid as exc:
                for error in exc.errors:
                    self.fail(at, error.msg)
                continue
            for column in table.inputs:
                if resolve(self.catalogue, column.field) is None:
                    self.fail(
                        at, f"{name}: input {column.name!r} reads unknown feature {column.field!r}"
                    )
            fields = {column.field for column in table.outputs}
            if not {"outcome", "code"} <= fields:
                self.fail(
                    at, f"{name}: the table must output 'outcome' and 'code' (and 'en', 'zh')"
                )
            for number, rule in enumerate(table.rules, start=1):
                produced = {".".join(path): value for path, value in rule.outputs}
                outcome = produced.get("outcome")
                if outcome not in ("decline", "refer", "verify"):
                    self.fail(
                        at,
                        f"{name}: rule {number}: outcome must be decline, refer or verify: {outcome!r}",
                    )
                if outcome == "verify" and not isinstance(produced.get("check"), str):
                    self.fail(at, f"{name}: rule {number}: a verify rule names its 'check'")
                if not isinstance(produced.get("code"), str):
                    self.fail(at, f"{name}: rule {number}: 'code' must be text")
            found.append((name, table))
        return tuple(found)

    def score_range(self) -> tuple[int | Decimal, int | Decimal] | None:
        low, high = self.number(("score_range", "from")), self.number(("score_range", "to"))
        if low is None or high is None:
            return None
        if low >= high:
            self.fail(("score_range",), f"'from' {low} must be below 'to' {high}")
            return None
        return low, high

    def bands(
        self, path: Path_, span: tuple[int | Decimal, int | Decimal] | None, *, named: bool
    ) -> tuple[_Band, ...]:
        bands: list[tuple[Path_, _Band]] = []
        for index, _ in enumerate(self.items(path)):
            at = (*path, index)
            low, high = self.number((*at, "from")), self.number((*at, "to"))
            if low is None or high is None:
                continue
            if low >= high:
                self.fail(at, f"band 'from' {low} must be below 'to' {high}")
                continue
            name = self.text((*at, "name")) if named else ""
            outcome = PolicyOutcome.APPROVE
            reason: Reason | None = None
            if not named:
                outcome = self.outcome(
                    (*at, "outcome"),
                    (PolicyOutcome.APPROVE, PolicyOutcome.REFER, PolicyOutcome.DECLINE),
                )
                if self.get((*at, "code")) is not None:
                    reason = self.reason(at, self.text((*at, "code")))
            bands.append((at, _Band(low, high, name, outcome, reason)))
        bands.sort(key=lambda item: item[1].low)
        if span is not None and bands:
            self.check_partition(path, bands, span)
        elif not bands:
            self.fail(path, "at least one band is needed")
        if named:
            names = [b.name for _, b in bands]
            for at, band in bands:
                if names.count(band.name) > 1:
                    self.fail((*at, "name"), f"band name {band.name!r} is used twice")
        return tuple(b for _, b in bands)

    def check_partition(
        self,
        path: Path_,
        bands: list[tuple[Path_, _Band]],
        span: tuple[int | Decimal, int | Decimal],
    ) -> None:
        """Bands are half-open [from, to) and must tile `span` exactly: no gap, no overlap."""
        low, high = span
        first_at, first = bands[0]
        if first.low > low:
            self.fail(first_at, f"gap: scores from {low} to {first.low} fall in no band")
        if first.low < low:
            self.fail(first_at, f"band starts at {first.low}, below the range's {low}")
        for (_, before), (at, after) in pairwise(bands):
            if after.low < before.high:
                self.fail(
                    at,
                    f"overlap: [{after.low}, {after.high}) overlaps [{before.low}, {before.high})",
                )
            elif after.low > before.high:
                self.fail(at, f"gap: nothing covers [{before.high}, {after.low})")
        last_at, last = bands[-1]
        if last.high < high:
            self.fail(last_at, f"gap: scores from {last.high} to {high} fall in no band")
        if last.high > high:
            self.fail(last_at, f"band ends at {last.high}, above the range's {high}")

    def named_bands(
        self, path: Path_, span: tuple[int | Decimal, int | Decimal] | None
    ) -> tuple[_Band, ...]:
        return self.bands(path, span, named=True)

    def segments(self, span: tuple[int | Decimal, int | Decimal] | None) -> tuple[_Segment, ...]:
        compiled: list[_Segment] = []
        raw = self.items(("segments",))
        for index, _ in enumerate(raw):
            at: Path_ = ("segments", index)
            name = self.text((*at, "name"))
            condition = None
            if self.get((*at, "when")) is not None:
                condition = self.condition((*at, "when"))
            elif index != len(raw) - 1:
                self.fail(
                    at, f"segment {name!r} has no 'when': only the last segment may catch all"
                )
            bands = self.bands((*at, "bands"), span, named=False)
            compiled.append(_Segment(name, condition, bands))
        if raw and self.get(("segments", len(raw) - 1, "when")) is not None:
            self.fail(
                ("segments",), "the last segment must have no 'when', so every applicant has one"
            )
        return tuple(compiled)

    def affordability(self) -> tuple[_Band, ...]:
        path: Path_ = ("limits", "affordability")
        raw = self.items(path)
        if not raw:
            return ()
        low = self.number((*path, 0, "from"))
        highs = [self.number((*path, i, "to")) for i in range(len(raw))]
        top = max((h for h in highs if h is not None), default=None)
        if low is None or top is None:
            return ()
        if low != 0:
            self.fail((*path, 0, "from"), "affordability bands start at a debt-to-income of 0")
        return self.bands(path, (Decimal(0), top), named=True)

    def matrix(
        self, score_bands: tuple[_Band, ...], affordability: tuple[_Band, ...]
    ) -> dict[tuple[str, str], Fen]:
        path: Path_ = ("limits", "matrix")
        rows = self.mapping(path)
        cells: dict[tuple[str, str], Fen] = {}
        band_names = {b.name for b in score_bands}
        afford_names = {b.name for b in affordability}
        for row in rows:
            if row not in band_names:
                self.fail((*path, row), f"no score band named {row!r}")
        for band in score_bands:
            cells_of_band = self.mapping((*path, band.name))
            for column in cells_of_band:
                if column not in afford_names:
                    self.fail((*path, band.name, column), f"no affordability band named {column!r}")
            for afford in affordability:
                if afford.name not in cells_of_band:
                    self.fail((*path, band.name), f"no limit for {band.name} × {afford.name}")
                    continue
                amount = self.yuan((*path, band.name, afford.name))
                if amount is not None:
                    cells[(band.name, afford.name)] = amount
        return cells

    def pricing(
        self, score_bands: tuple[_Band, ...], product: Product | None
    ) -> dict[str, Decimal]:
        rates: dict[str, Decimal] = {}
        table = self.mapping(("pricing",))
        for name in table:
            if name not in {b.name for b in score_bands}:
                self.fail(("pricing", name), f"no score band named {name!r}")
        for band in score_bands:
            if band.name not in table:
                self.fail(("pricing",), f"no rate for score band {band.name!r}")
                continue
            rate = self.rate(("pricing", band.name))
            if rate is None:
                continue
            if (
                product is not None
                and not product.min_annual_rate <= rate <= product.max_annual_rate
            ):
                self.fail(
                    ("pricing", band.name),
                    f"rate {rate} is outside the product's {product.min_annual_rate}..{product.max_annual_rate}",
                )
            rates[band.name] = rate
        return rates

    def check_price_cap(self, policy: CompiledPolicy) -> None:
        """Refuse a price whose all-in APR breaks the cap at any offered term, at the smallest
        and the largest amount the band can grant (the APR moves with the amount only through
        fixed fees and fen rounding, which the caps stage still checks on each offer)."""
        product = policy.product
        for band in policy.score_bands:
            rate = policy.pricing.get(band.name)
            if rate is None:
                continue
            band_max = max(
                (v for (b, _), v in policy.matrix.items() if b == band.name), default=Fen(0)
            )
            largest = Fen(min(max(band_max, product.min_amount), product.max_amount))
            for term in product.terms:
                for amount in sorted({product.min_amount, largest}):
                    if not within_cap(
                        product, amount, term, rate, _REFERENCE_START, policy.cap.annual
                    ):
                        apr = all_in_apr(product, amount, term, rate, _REFERENCE_START)
                        self.fail(
                            ("pricing", band.name),
                            f"rate {rate} for band {band.name!r} gives an all-in APR of "
                            f"{apr * 100:.4f} % over {term} months on {format_fen(amount)}, above "
                            f"the cap {policy.cap.annual * 100:f} % ({policy.cap.basis})",
                        )
                        break
                else:
                    continue
                break


def _stage_reads(
    knock_outs: tuple[_Rule, ...],
    fraud_rules: tuple[_Rule, ...],
    tables: tuple[tuple[str, JdmTable], ...],
    segments: tuple[_Segment, ...],
) -> dict[str, tuple[str, ...]]:
    def names(*groups: Sequence[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for group in groups for n in group))

    fraud = names(
        *(r.condition.reads for r in fraud_rules),
        *(t.fields for _, t in tables),
        *((f"step_up.{r.check}",) for r in fraud_rules if r.check),
    )
    return {
        "knock_outs": names(("amount", "term_months"), *(r.condition.reads for r in knock_outs)),
        "fraud": fraud,
        "score": names(("score",), *(s.condition.reads for s in segments if s.condition)),
        "limit": (
            "score",
            "amount",
            "term_months",
            "monthly_income",
            "existing_monthly_debt",
            "existing_exposure",
        ),
        "pricing": ("score",),
    }


# ---------------------------------------------------------------------------- evaluation


def _missing_reason(name: str) -> Reason:
    return Reason(
        "POL_MISSING_FACT",
        f"The policy needs '{name}', which the application lacks; an officer must review it",
        f"策略所需信息“{name}”缺失，需人工审核",
    )


def _wrong_kind_reason(names: Sequence[str]) -> Reason:
    listed = ", ".join(names)
    return Reason(
        "POL_FACT_WRONG_KIND",
        f"A fact has a value of the wrong kind (one of: {listed}); an officer must review it",
        f"信息类型不符（{listed}），需人工审核",
    )


def _saw(facts: Facts, names: tuple[str, ...]) -> tuple[tuple[str, object], ...]:
    return tuple((name, facts.get(name)) for name in names)


class _Run:
    """One evaluation's running state: reasons in order, the trace, referrals so far."""

    __slots__ = ("policy", "reasons", "refer", "trace")

    def __init__(self, policy: CompiledPolicy) -> None:
        self.policy = policy
        self.reasons: list[Reason] = []
        self.trace: list[StageTrace] = []
        self.refer = False

    def decision(
        self,
        outcome: PolicyOutcome,
        *,
        term: int | None = None,
        offer: Offer | None = None,
        limit: Fen | None = None,
        rate: Decimal | None = None,
        step_up: str | None = None,
    ) -> PolicyDecision:
        return PolicyDecision(
            outcome=outcome,
            limit=offer.amount if offer else limit,
            annual_rate=offer.annual_rate if offer else rate,
            term=term,
            reasons=tuple(self.reasons),
            trace=tuple(self.trace),
            policy=self.policy.label,
            policy_sha256=self.policy.sha256,
            offer=offer,
            step_up=step_up,
            review_due_hours=self.policy.review_due_hours
            if outcome is PolicyOutcome.REFER
            else None,
        )


def _fire(rules: tuple[_Rule, ...], facts: Facts) -> tuple[list[_Rule], list[str], list[str]]:
    """Rules whose condition holds, names of missing facts, names of facts of the wrong kind."""
    fired: list[_Rule] = []
    missing: list[str] = []
    wrong: list[str] = []
    for rule in rules:
        try:
            if rule.condition.test(facts):
                fired.append(rule)
        except MissingFact as exc:
            if exc.name not in missing:
                missing.append(exc.name)
        except TypeError:
            wrong.extend(n for n in rule.condition.reads if n not in wrong)
    return fired, missing, wrong


def _note_unknowns(run: _Run, missing: list[str], wrong: list[str]) -> list[str]:
    codes: list[str] = []
    for name in missing:
        run.reasons.append(_missing_reason(name))
        codes.append("POL_MISSING_FACT")
    if wrong:
        run.reasons.append(_wrong_kind_reason(wrong))
        codes.append("POL_FACT_WRONG_KIND")
    if codes:
        run.refer = True
    return codes


def evaluate(
    policy: CompiledPolicy, facts: Facts, *, as_of: date, offer: bool = True
) -> PolicyDecision:
    """Decide on `facts` (see `fengkong.decision.catalogue` for the names) as of `as_of`, the
    payout date the schedule runs from. `offer=False` stops after pricing, without building the
    schedule or checking the cap on this amount (the load check still bounds every price)."""
    run = _Run(policy)
    product = policy.product
    reads = policy.reads

    # knock-outs: the product's own bounds first, then the document's rules
    fired_codes: list[str] = []
    amount = facts.get("amount")
    term = facts.get("term_months")
    missing: list[str] = [n for n, v in (("amount", amount), ("term_months", term)) if v is None]
    wrong: list[str] = []
    if isinstance(amount, int) and not isinstance(amount, bool):
        if not product.min_amount <= amount <= product.max_amount:
            run.reasons.append(
                Reason(
                    "KO_AMOUNT_OUTSIDE_PRODUCT",
                    f"The amount {format_fen(amount)} is outside the product's "
                    f"{format_fen(product.min_amount)} to {format_fen(product.max_amount)}",
                    f"申请金额 {format_fen(amount)} 超出产品范围 {format_fen(product.min_amount)}"
                    f" 至 {format_fen(product.max_amount)}",
                )
            )
            fired_codes.append("KO_AMOUNT_OUTSIDE_PRODUCT")
    elif amount is not None:
        wrong.append("amount")
    if isinstance(term, int) and not isinstance(term, bool):
        if term not in product.terms:
            terms = ", ".join(map(str, product.terms))
            run.reasons.append(
                Reason(
                    "KO_TERM_OUTSIDE_PRODUCT",
                    f"A term of {term} months is not offered; the product offers {terms}",
                    f"产品不提供 {term} 期，可选期数：{terms}",
                )
            )
            fired_codes.append("KO_TERM_OUTSIDE_PRODUCT")
    elif term is not None:
        wrong.append("term_months")
    fired, more_missing, more_wrong = _fire(policy.knock_outs, facts)
    missing += [n for n in more_missing if n not in missing]
    wrong += [n for n in more_wrong if n not in wrong]
    for rule in fired:
        run.reasons.append(rule.reason)
        fired_codes.append(rule.code)
    if fired_codes:
        run.trace.append(
            StageTrace(
                "knock_outs", _saw(facts, reads["knock_outs"]), "decline", tuple(fired_codes)
            )
        )
        return run.decision(PolicyOutcome.DECLINE, term=_int_or_none(term))
    unknown = _note_unknowns(run, missing, wrong)
    run.trace.append(
        StageTrace(
            "knock_outs",
            _saw(facts, reads["knock_outs"]),
            "refer" if unknown else "pass",
            tuple(unknown),
        )
    )
    assert isinstance(amount, int | None) and isinstance(term, int | None)

    # fraud rules and JDM tables
    fraud_verdict = _fraud(policy, facts, run)
    if fraud_verdict is not None:
        return fraud_verdict

    # score cut-offs by segment
    score = facts.get("score")
    band_name = _score_stage(policy, facts, run, score)
    if band_name is _Stop.DECLINE:
        return run.decision(PolicyOutcome.DECLINE, term=term)
    if band_name is None or amount is None or term is None:
        return run.decision(PolicyOutcome.REFER, term=term)

    # limit assignment, then pricing
    rate = policy.pricing[band_name]
    limit = _limit_stage(policy, facts, run, band_name, amount, term, rate)
    if limit is _Stop.DECLINE:
        return run.decision(PolicyOutcome.DECLINE, term=term)
    run.trace.append(
        StageTrace(
            "pricing",
            _saw(facts, reads["pricing"]),
            "assign",
            (),
            (("band", band_name), ("annual_rate", str(rate))),
        )
    )
    if limit is None:
        return run.decision(PolicyOutcome.REFER, term=term, rate=rate)
    outcome = PolicyOutcome.REFER if run.refer else PolicyOutcome.APPROVE
    if not offer:
        return run.decision(outcome, term=term, limit=limit, rate=rate)

    # caps: the all-in APR of the actual schedule against the cap
    return _caps_stage(policy, run, outcome, limit, term, rate, as_of)


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _fraud(policy: CompiledPolicy, facts: Facts, run: _Run) -> PolicyDecision | None:
    fired, missing, wrong = _fire(policy.fraud_rules, facts)
    hits: list[tuple[PolicyOutcome, Reason, str | None]] = [
        (r.outcome, r.reason, r.check) for r in fired
    ]
    for _, table in policy.fraud_tables:
        absent = [f for f in table.fields if facts.get(f) is None]
        if absent:
            missing += [n for n in absent if n not in missing]
            continue
        result = table.evaluate(facts)
        for row in result if isinstance(result, list) else ([result] if result else []):
            code = str(row["code"])
            hits.append(
                (
                    PolicyOutcome(row["outcome"]),
                    Reason(code, str(row.get("en", code)), str(row.get("zh", code))),
                    str(row["check"]) if row.get("check") is not None else None,
                )
            )
    codes: list[str] = []
    declines: list[Reason] = []
    pending: list[tuple[Reason, str]] = []
    passed: list[str] = []
    for outcome, reason, check in hits:
        codes.append(reason.code)
        if outcome is PolicyOutcome.DECLINE:
            declines.append(reason)
        elif outcome is PolicyOutcome.REFER:
            run.reasons.append(reason)
            run.refer = True
        else:
            step_up = facts.get(f"step_up.{check}")
            if step_up is None:
                pending.append((reason, str(check)))
            elif step_up is True:
                passed.append(str(check))
            else:
                declines.append(reason)
                declines.append(
                    Reason(
                        "FR_STEP_UP_FAILED",
                        f"The extra identity check ({check}) was not passed",
                        f"加强身份验证（{check}）未通过",
                    )
                )
    saw = _saw(facts, policy.reads["fraud"])
    detail = tuple(("step_up_passed", check) for check in passed)
    if declines:
        run.reasons.extend(declines)
        run.trace.append(StageTrace("fraud", saw, "decline", tuple(codes), detail))
        return run.decision(PolicyOutcome.DECLINE, term=_int_or_none(facts.get("term_months")))
    if pending:
        run.reasons.extend(reason for reason, _ in pending)
        run.trace.append(StageTrace("fraud", saw, "verify", tuple(codes), detail))
        return run.decision(
            PolicyOutcome.VERIFY,
            term=_int_or_none(facts.get("term_months")),
            step_up=pending[0][1],
        )
    codes += _note_unknowns(run, missing, wrong)
    run.trace.append(
        StageTrace("fraud", saw, "refer" if run.refer and codes else "pass", tuple(codes), detail)
    )
    return None


def _in_band(bands: tuple[_Band, ...], value: Any) -> _Band | None:
    for band in bands:
        if band.low <= value < band.high:
            return band
    return None


def _score_stage(
    policy: CompiledPolicy, facts: Facts, run: _Run, score: object
) -> str | _Stop | None:
    """The score band's name to price and limit by; False on decline; None when it cannot say."""
    saw = _saw(facts, policy.reads["score"])
    if score is None or isinstance(score, bool) or not isinstance(score, int | float | Decimal):
        reason = _missing_reason("score") if score is None else _wrong_kind_reason(("score",))
        run.reasons.append(reason)
        run.refer = True
        run.trace.append(StageTrace("score", saw, "refer", (reason.code,)))
        return None
    value: Any = Decimal(repr(score)) if isinstance(score, float) else score
    low, high = policy.score_range
    if not low <= value < high:
        reason = Reason(
            "POL_SCORE_OUT_OF_RANGE",
            f"Score {score} is outside the policy's range [{low}, {high})",
            f"评分 {score} 超出策略范围 [{low}, {high})",
        )
        run.reasons.append(reason)
        run.refer = True
        run.trace.append(StageTrace("score", saw, "refer", (reason.code,)))
        return None
    segment: _Segment | None = None
    for candidate in policy.segments:
        if candidate.condition is None:
            segment = candidate
            break
        try:
            if candidate.condition.test(facts):
                segment = candidate
                break
        except MissingFact as exc:
            reason = _missing_reason(exc.name)
            run.reasons.append(reason)
            run.refer = True
            run.trace.append(
                StageTrace("score", saw, "refer", (reason.code,), (("segment", candidate.name),))
            )
            return None
    assert segment is not None  # the last segment catches all, checked at load
    band = _in_band(segment.bands, value)
    assert band is not None  # bands tile the score range, checked at load
    detail = (("segment", segment.name), ("band", f"[{band.low}, {band.high})"))
    named = _in_band(policy.score_bands, value)
    assert named is not None
    if band.outcome is PolicyOutcome.DECLINE:
        reason = band.reason or Reason(
            "POL_SCORE_BELOW_CUTOFF",
            f"Credit score {score} is below the cut-off for {segment.name} applicants",
            f"信用评分 {score} 低于{segment.name}客群准入线",
        )
        run.reasons.append(reason)
        run.trace.append(StageTrace("score", saw, "decline", (reason.code,), detail))
        return _Stop.DECLINE
    if band.outcome is PolicyOutcome.REFER:
        reason = band.reason or Reason(
            "POL_SCORE_IN_REVIEW_BAND",
            f"Credit score {score} is in the review band [{band.low}, {band.high}) for "
            f"{segment.name} applicants",
            f"信用评分 {score} 处于{segment.name}客群人工审核区间 [{band.low}, {band.high})",
        )
        run.reasons.append(reason)
        run.refer = True
        run.trace.append(StageTrace("score", saw, "refer", (reason.code,), detail))
        return named.name
    codes = (band.reason.code,) if band.reason else ()
    if band.reason:
        run.reasons.append(band.reason)
    run.trace.append(StageTrace("score", saw, "pass", codes, detail))
    return named.name


def monthly_instalment(product: Product, amount: Fen, term: int, rate: Decimal) -> Fen:
    """The largest regular instalment of the loan (the bullet of 先息后本 aside), for affordability."""
    fee = product.origination_fee.amount(amount)
    collection = product.origination_fee.collection
    principal = Decimal(amount + fee if collection is FeeCollection.FINANCED else amount)
    spread = Decimal(fee) / term if collection is FeeCollection.SPREAD else Decimal(0)
    monthly = rate / 12
    method = product.repayment_method
    if method is RepaymentMethod.INTEREST_ONLY_BULLET:
        payment = principal * monthly
    elif method is RepaymentMethod.EQUAL_PRINCIPAL or monthly == 0:
        payment = principal / term + (principal * monthly)
    else:
        growth = (1 + monthly) ** term
        payment = principal * monthly * growth / (growth - 1)
    return to_fen(payment + spread, HALF_UP)


def _limit_stage(
    policy: CompiledPolicy,
    facts: Facts,
    run: _Run,
    band_name: str,
    amount: int,
    term: int,
    rate: Decimal,
) -> Fen | _Stop | None:
    """The limit granted; False on decline; None when a fact is missing."""
    saw = _saw(facts, policy.reads["limit"])
    needed = ("monthly_income", "existing_monthly_debt", "existing_exposure")
    values = {name: facts.get(name) for name in needed}
    absent = [name for name, value in values.items() if value is None]
    wrong = [
        name
        for name, value in values.items()
        if value is not None and (isinstance(value, bool) or not isinstance(value, int))
    ]
    if absent or wrong:
        unknown = _note_unknowns(run, absent, wrong)
        run.trace.append(StageTrace("limit", saw, "refer", tuple(unknown)))
        return None
    income, debt, exposure = (int(values[name]) for name in needed)  # type: ignore[call-overload]
    instalment = monthly_instalment(policy.product, Fen(amount), term, rate)
    detail: list[tuple[str, str]] = [("instalment", format_fen(instalment))]
    if income <= 0:
        reason = Reason("POL_NO_INCOME", "No monthly income to repay from", "无可用于还款的月收入")
        run.reasons.append(reason)
        run.trace.append(StageTrace("limit", saw, "decline", (reason.code,), tuple(detail)))
        return _Stop.DECLINE
    dti = Decimal(debt + instalment) / Decimal(income)
    detail.append(("debt_to_income", f"{dti:.4f}"))
    afford = _in_band(policy.affordability, dti)
    if afford is None:
        top = policy.affordability[-1].high
        reason = Reason(
            "POL_DTI_TOO_HIGH",
            f"Debt repayments would take {dti * 100:.1f} % of monthly income; the most we lend "
            f"to is {Decimal(top) * 100:.1f} %",
            f"月还款将占月收入的 {dti * 100:.1f}%，超过上限 {Decimal(top) * 100:.1f}%",
        )
        run.reasons.append(reason)
        run.trace.append(StageTrace("limit", saw, "decline", (reason.code,), tuple(detail)))
        return _Stop.DECLINE
    cell = policy.matrix[(band_name, afford.name)]
    detail += [
        ("score_band", band_name),
        ("affordability", afford.name),
        ("matrix", format_fen(cell)),
    ]
    limit = Fen(min(amount, cell))
    codes: list[str] = []
    if limit < amount:
        run.reasons.append(
            Reason(
                "POL_LIMIT_REDUCED",
                f"Limit reduced to {format_fen(limit)}, the most for this score and affordability",
                f"额度调整为 {format_fen(limit)}，为该评分与负债水平下的上限",
            )
        )
        codes.append("POL_LIMIT_REDUCED")
    if policy.max_exposure is not None:
        headroom = Fen(max(policy.max_exposure - exposure, 0))
        detail.append(("exposure_headroom", format_fen(headroom)))
        if headroom < limit:
            limit = headroom
            run.reasons.append(
                Reason(
                    "POL_EXPOSURE_CAP",
                    f"Limit reduced to {format_fen(limit)}: total borrowing with us may not exceed "
                    f"{format_fen(policy.max_exposure)}",
                    f"额度调整为 {format_fen(limit)}：在本机构借款总额不得超过 "
                    f"{format_fen(policy.max_exposure)}",
                )
            )
            codes.append("POL_EXPOSURE_CAP")
    if limit < policy.product.min_amount:
        reason = Reason(
            "POL_LIMIT_BELOW_PRODUCT_MIN",
            f"The limit we can grant, {format_fen(limit)}, is below the product's minimum "
            f"{format_fen(policy.product.min_amount)}",
            f"可授额度 {format_fen(limit)} 低于产品最低金额 {format_fen(policy.product.min_amount)}",
        )
        run.reasons.append(reason)
        codes.append(reason.code)
        run.trace.append(StageTrace("limit", saw, "decline", tuple(codes), tuple(detail)))
        return _Stop.DECLINE
    detail.append(("limit", format_fen(limit)))
    run.trace.append(StageTrace("limit", saw, "assign", tuple(codes), tuple(detail)))
    return limit


def _caps_stage(
    policy: CompiledPolicy,
    run: _Run,
    outcome: PolicyOutcome,
    limit: Fen,
    term: int,
    rate: Decimal,
    as_of: date,
) -> PolicyDecision:
    product, cap = policy.product, policy.cap
    saw: tuple[tuple[str, object], ...] = (
        ("limit", limit),
        ("annual_rate", str(rate)),
        ("term_months", term),
        ("cap", str(cap.annual)),
        ("cap_basis", cap.basis),
    )
    offer = offer_within_cap(product, limit, term, rate, as_of, cap)
    if offer is not None:
        run.trace.append(StageTrace("caps", saw, "pass", (), (("apr", str(offer.apr)),)))
        return run.decision(outcome, term=term, offer=offer)
    codes: list[str] = []
    detail: list[tuple[str, str]] = [
        ("apr_at_policy_price", str(all_in_apr(product, limit, term, rate, as_of)))
    ]
    for step in policy.on_breach:
        if step == "lower_rate":
            lowered = highest_rate_within_cap(product, limit, term, as_of, cap.annual, rate)
            if lowered is not None:
                run.reasons.append(
                    Reason(
                        "POL_RATE_LOWERED_TO_CAP",
                        f"Rate lowered from {rate * 100:f} % to {lowered * 100:f} % so the all-in "
                        f"APR stays within {cap.annual * 100:f} % ({cap.basis})",
                        f"年利率由 {rate * 100:f}% 下调至 {lowered * 100:f}%，使综合年化成本不超过 "
                        f"{cap.annual * 100:f}%",
                    )
                )
                codes.append("POL_RATE_LOWERED_TO_CAP")
                offer = make_offer(product, limit, term, lowered, as_of, cap)
                detail += [("lower_rate", str(lowered)), ("apr", str(offer.apr))]
                run.trace.append(StageTrace("caps", saw, "adjust", tuple(codes), tuple(detail)))
                return run.decision(outcome, term=term, offer=offer)
            detail.append(("lower_rate", "no rate fits"))
        elif step == "reduce_limit":
            floor = product.min_annual_rate
            for price in dict.fromkeys((rate, floor)):
                reduced = largest_amount_within_cap(product, limit, term, price, as_of, cap.annual)
                if reduced is not None:
                    run.reasons.append(
                        Reason(
                            "POL_LIMIT_LOWERED_TO_CAP",
                            f"Limit lowered from {format_fen(limit)} to {format_fen(reduced)} at "
                            f"{price * 100:f} % so the all-in APR stays within "
                            f"{cap.annual * 100:f} % ({cap.basis})",
                            f"额度由 {format_fen(limit)} 下调至 {format_fen(reduced)}，年利率 "
                            f"{price * 100:f}%，使综合年化成本不超过 {cap.annual * 100:f}%",
                        )
                    )
                    codes.append("POL_LIMIT_LOWERED_TO_CAP")
                    offer = make_offer(product, reduced, term, price, as_of, cap)
                    detail += [("reduce_limit", format_fen(reduced)), ("apr", str(offer.apr))]
                    run.trace.append(StageTrace("caps", saw, "adjust", tuple(codes), tuple(detail)))
                    return run.decision(outcome, term=term, offer=offer)
            detail.append(("reduce_limit", "no amount fits"))
        else:
            break
    reason = Reason(
        "POL_PRICE_ABOVE_CAP",
        f"No price this product allows keeps the all-in APR within {cap.annual * 100:f} % "
        f"({cap.basis})",
        f"该产品任何定价的综合年化成本均超过上限 {cap.annual * 100:f}%",
    )
    run.reasons.append(reason)
    codes.append(reason.code)
    run.trace.append(StageTrace("caps", saw, "decline", tuple(codes), tuple(detail)))
    return run.decision(PolicyOutcome.DECLINE, term=term)
