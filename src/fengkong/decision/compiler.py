"""Compiling a policy document: every section checked, every finding reported at once.

The stages (knock-outs, fraud rules and JDM tables, segments and score bands, limit matrix,
security (`decision.security_reader`), pricing, caps) are checked against the feature catalogue and the legal price cap, and become a
`CompiledPolicy` that `decision.evaluate` runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from importlib import resources
from itertools import pairwise
from pathlib import Path

from fengkong.core.errors import Invalid
from fengkong.core.money import Fen, format_fen
from fengkong.core.reason import Reason
from fengkong.decision.catalogue import DEFAULT_CATALOGUE, FeatureCatalogue, resolve
from fengkong.decision.document import Document, Path_, parse_document
from fengkong.decision.jdm import JdmTable, load_jdm, parse_jdm
from fengkong.decision.policy import (
    CONSUMER_MODEL,
    Band,
    CompiledPolicy,
    LimitAdjustment,
    PolicyOutcome,
    PolicyRule,
    Segment,
    SourceAsk,
)
from fengkong.decision.policy_sections import ExternalDataSections
from fengkong.decision.pricing import PriceCap, all_in_apr, within_cap
from fengkong.decision.security_reader import check_band_requirements, read_security
from fengkong.decision.source_facts import status_fact
from fengkong.lending.product import Product, product_from_dict

_REFERENCE_START = date(2025, 1, 31)  # load-time price checks: month-end start, the hardest case
BREACH_STEPS = ("lower_rate", "reduce_limit", "decline")
BAND_OUTCOMES = (
    PolicyOutcome.APPROVE,
    PolicyOutcome.APPROVE_IF_SECURED,
    PolicyOutcome.REFER,
    PolicyOutcome.DECLINE,
)


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


class _Compiler(ExternalDataSections):
    """The sections of one document, compiled in order."""

    def __init__(
        self,
        doc: Document,
        catalogue: FeatureCatalogue,
        cap: PriceCap,
        base_dir: Path | None,
        check_prices: bool,
        table_texts: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(doc, catalogue)
        self.table_texts = table_texts or {}
        self.legal_cap = cap
        self.base_dir = base_dir
        self.check_prices = check_prices

    def compile(self, sha256: str) -> CompiledPolicy | None:
        if not isinstance(self.doc.data, dict):
            self.fail((), "a policy document is a mapping")
            return None
        known = {
            "id", "version", "author", "description", "product", "score_range", "knock_outs",
            "fraud", "segments", "score_bands", "limits", "pricing", "caps", "review",
            "security", "sources", "model",
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
        security, unsecured_max = read_security(self)
        check_band_requirements(self, segments, security, product, unsecured_max)
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
        sources = self.sources()
        model = self.text(("model",), required=False, default=CONSUMER_MODEL).strip()
        if not model:
            self.fail(("model",), "model must name a model in the registry")
        adjustments = self.limit_adjustments()
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
            reads=_stage_reads(knock_outs, fraud_rules, tables, segments, sources, adjustments),
            security=security,
            unsecured_max=unsecured_max,
            sources=sources,
            limit_adjustments=adjustments,
            model=model or CONSUMER_MODEL,
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
        steps = self.items(("caps", "on_breach"), required=False) or list(BREACH_STEPS)
        for index, step in enumerate(steps):
            if step not in BREACH_STEPS:
                self.fail(
                    ("caps", "on_breach", index), f"unknown step {step!r}; one of {BREACH_STEPS}"
                )
        if steps and steps[-1] != "decline":
            self.fail(("caps", "on_breach"), "the last step must be 'decline'")
        return tuple(str(s) for s in steps)

    def rules(
        self, path: Path_, allowed: Sequence[PolicyOutcome], *, default_outcome: bool
    ) -> tuple[PolicyRule, ...]:
        compiled: list[PolicyRule] = []
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
                compiled.append(PolicyRule(code, condition, reason, outcome, check))
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
    ) -> tuple[Band, ...]:
        bands: list[tuple[Path_, Band]] = []
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
            requires: str | None = None
            if not named:
                outcome = self.outcome((*at, "outcome"), BAND_OUTCOMES)
                if self.get((*at, "code")) is not None:
                    reason = self.reason(at, self.text((*at, "code")))
                if outcome is PolicyOutcome.APPROVE_IF_SECURED:
                    requires = self.text((*at, "requires"))
            bands.append((at, Band(low, high, name, outcome, reason, requires)))
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
        bands: list[tuple[Path_, Band]],
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
    ) -> tuple[Band, ...]:
        return self.bands(path, span, named=True)

    def segments(self, span: tuple[int | Decimal, int | Decimal] | None) -> tuple[Segment, ...]:
        compiled: list[Segment] = []
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
            compiled.append(Segment(name, condition, bands))
        if raw and self.get(("segments", len(raw) - 1, "when")) is not None:
            self.fail(
                ("segments",), "the last segment must have no 'when', so every applicant has one"
            )
        return tuple(compiled)

    def affordability(self) -> tuple[Band, ...]:
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
        self, score_bands: tuple[Band, ...], affordability: tuple[Band, ...]
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

    def pricing(self, score_bands: tuple[Band, ...], product: Product | None) -> dict[str, Decimal]:
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
    knock_outs: tuple[PolicyRule, ...],
    fraud_rules: tuple[PolicyRule, ...],
    tables: tuple[tuple[str, JdmTable], ...],
    segments: tuple[Segment, ...],
    sources: tuple[SourceAsk, ...] = (),
    adjustments: tuple[LimitAdjustment, ...] = (),
) -> dict[str, tuple[str, ...]]:
    def names(*groups: Sequence[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for group in groups for n in group))

    fraud = names(
        *(r.condition.reads for r in fraud_rules),
        *(t.fields for _, t in tables),
        *((f"step_up.{r.check}",) for r in fraud_rules if r.check),
    )
    asked = (
        {
            "sources": names(
                *((status_fact(a.kind),) for a in sources),
                *(a.condition.reads for a in sources if a.condition),
            )
        }
        if sources
        else {}
    )
    return {
        **asked,
        "knock_outs": names(("amount", "term_months"), *(r.condition.reads for r in knock_outs)),
        "fraud": fraud,
        "score": names(("score",), *(s.condition.reads for s in segments if s.condition)),
        "limit": names(
            (
                "score",
                "amount",
                "term_months",
                "monthly_income",
                "existing_monthly_debt",
                "existing_exposure",
            ),
            *(a.condition.reads for a in adjustments),
        ),
        "pricing": ("score",),
    }
