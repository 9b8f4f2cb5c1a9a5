"""The simulated small businesses (小微企业) that apply for business loans: 个体工商户 (sole
traders, unified social credit code `92…`) and small companies (`91…`), each with its industry
(a GB/T 4754-2017 section, in the mix of China's small-business registrations), region, age,
owners and an optional guarantor (people of the simulated population), its size and a hidden
probability of default.

The hidden state is drawn first and the default risk follows from it, as it does in the world:

    logit PD = INTERCEPT + industry + region − 0.55·strength + 0.45·owner risk
               + 3·(debt ratio − 0.5) − 0.4·ln(1 + years) − 0.5·ln(cash-flow cover)
               (+ 0.2 for a sole trader, + 2 for a business no longer active)

`strength` is the business's latent quality (N(0, 1)): stronger businesses carry less debt, earn
wider margins and grow. The owner's risk is `sim.sources_bureau.risk_of(owner)`, so the owner's
own bureau report speaks to it. Cash-flow cover is the monthly operating cash flow over the
instalment of the loan the business asks for. The economy (`Scenario`) multiplies the monthly
default hazard in the months it is active, as it does for consumers (`sim.behaviour`).

Everything is drawn from generators seeded by `(seed, index)`, so business 42 of a seed is the
same whether or not businesses 0 to 41 were drawn. What the simulated providers answer about a
business (`business_documents`) follows that hidden state: `sim.sources_*` with `business=`."""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from fengkong.core.money import Fen
from fengkong.features.financials import requested_instalment
from fengkong.onboarding.validators import USCC_ALPHABET, uscc_check_character
from fengkong.sim import contact
from fengkong.sim.behaviour import monthly_hazard
from fengkong.sim.model import Applicant, FraudKind, Scenario, Segment
from fengkong.sim.population import BUSINESS_OWNER, Population, month_of
from fengkong.sim.scenarios import BASELINE
from fengkong.sim.sources_bureau import risk_of
from fengkong.sim.sources_business import BusinessDocs

__all__ = [
    "BUSINESS_KEY_PREFIX",
    "INDUSTRY_MIX",
    "BusinessForm",
    "BusinessPopulation",
    "Owner",
    "SmallBusiness",
    "business_index",
    "instalment_of",
    "is_business_key",
    "small_businesses",
]


class BusinessForm(StrEnum):
    SOLE_TRADER = "sole_trader"  # 个体工商户: USCC type code 92
    COMPANY = "company"  # 有限责任公司: USCC type code 91


@dataclass(frozen=True, slots=True)
class IndustryRisk:
    weight: int  # share of small businesses, in parts
    risk: float  # on the PD's logit
    trade: str  # as a business name carries it


# The small-business mix by GB/T 4754-2017 section: trade dominates, then catering, household
# services, manufacturing and business services; construction and catering fail most often.
INDUSTRY_MIX: dict[str, IndustryRisk] = {
    "F": IndustryRisk(34, 0.0, "商贸"),
    "H": IndustryRisk(12, 0.35, "餐饮"),
    "O": IndustryRisk(10, 0.15, "便民服务"),
    "C": IndustryRisk(10, -0.05, "制造"),
    "L": IndustryRisk(8, 0.0, "商务服务"),
    "G": IndustryRisk(7, 0.15, "物流"),
    "E": IndustryRisk(6, 0.35, "建筑工程"),
    "A": IndustryRisk(4, 0.25, "农业"),
    "I": IndustryRisk(4, -0.2, "信息技术"),
    "M": IndustryRisk(2, -0.15, "科技"),
    "P": IndustryRisk(1, 0.2, "教育咨询"),
    "Q": IndustryRisk(2, -0.25, "健康"),
}
_SECTIONS = tuple(INDUSTRY_MIX)
_SECTION_WEIGHTS = tuple(i.weight for i in INDUSTRY_MIX.values())
_WORDS = (
    "鑫源",
    "恒达",
    "华盛",
    "瑞丰",
    "嘉禾",
    "博远",
    "宏图",
    "信诚",
    "汇通",
    "锦程",
    "顺通",
    "福满",
)
COMPANY_SHARE = 0.45
PARTNER_SHARE = 0.45  # of companies with a second shareholder
GUARANTOR_SHARE = 0.3
MEDIAN_REVENUE_YUAN = {BusinessForm.SOLE_TRADER: 600_000, BusinessForm.COMPANY: 3_000_000}
TERMS = (6, 12, 24, 36)
TERM_WEIGHTS = (20, 40, 25, 15)
MIN_LOAN_YUAN, MAX_LOAN_YUAN = 10_000, 1_000_000
INTERCEPT = -2.7
SOLE_TRADER_RISK = 0.2
INACTIVE_RISK = 2.0
# The hidden risk the documents follow: the logit's deviation from its typical value, in units
# of its typical spread (about N(0, 1) over the population).
RISK_CENTRE, RISK_SCALE = -3.6, 1.4
# How closely the documents follow the hidden risk: their risk is this share of it plus noise
# (still about N(0, 1)); records are a noisy view of a business, not its default.
DOCUMENT_SIGNAL = 0.75
OWNER_SLOTS = 3  # people of the owners' population drawn per business: owner, partner, guarantor
_PER_DAY = 4  # businesses applying a day


BUSINESS_KEY_PREFIX = "b"  # "b000042": a business's key, where a person's is "d0042-007"


def is_business_key(key: str) -> bool:
    """Whether `key` names a simulated small business rather than a person."""
    return key.startswith(BUSINESS_KEY_PREFIX)


def business_index(key: str) -> int:
    """The index of the business `key` names ("b000042" → 42)."""
    return int(key.removeprefix(BUSINESS_KEY_PREFIX))


def instalment_of(amount: Fen, term: int) -> Fen:
    """The level monthly instalment of `amount` over `term` months, as a decision reckons it
    (`features.financials.requested_instalment`)."""
    return requested_instalment(amount, term)


@dataclass(frozen=True, slots=True)
class Owner:
    person: Applicant  # the owner as the simulated population drew them, business code set
    share_bp: int  # of the business, in basis points


@dataclass(frozen=True, slots=True)
class SmallBusiness:
    """One simulated small business and the loan it asks for on `applied_on`; `pd` and the
    fields after it are hidden from the lender."""

    key: str  # "b000042"
    index: int
    uscc: str
    name: str
    form: BusinessForm
    section: str  # GB/T 4754-2017 section letter
    region: contact.Region
    applied_on: date
    established: date
    owners: tuple[Owner, ...]  # the first is the legal representative
    guarantor: Applicant | None
    annual_revenue: Fen  # the last calendar year's
    registered_capital: Fen
    status: str  # as the registry writes it: 存续, 吊销, 注销
    amount: Fen  # asked for
    term_months: int
    instalment: Fen  # the level monthly instalment of the request
    # --- hidden ---
    strength: float
    debt_ratio: float
    margin: float  # operating margin
    growth: float  # a year's revenue growth
    cash_cover: float  # monthly operating cash flow / instalment
    pd: float  # 12-month probability of default, in the economy it applies in
    risk: float  # the hidden risk, standardised and blurred, the documents follow (higher worse)

    @property
    def owner(self) -> Applicant:
        return self.owners[0].person

    @property
    def years_in_operation(self) -> float:
        return (self.applied_on - self.established).days / 365.25

    @property
    def active(self) -> bool:
        return self.status == "存续"

    def docs(self) -> BusinessDocs:
        """What the simulated registry, tax bureau and utilities answer from."""
        monthly = self.annual_revenue / 12
        vat_rate = 0.01 if self.form is BusinessForm.SOLE_TRADER else 0.03
        return BusinessDocs(
            uscc=self.uscc,
            name=self.name,
            legal_representative=self.owner.identity.name,
            established=self.established,
            status=self.status,
            section=self.section,
            region_code=self.region.code,
            registered_capital=self.registered_capital,
            shareholders=tuple((o.person.identity.name, o.share_bp) for o in self.owners),
            risk=self.risk,
            monthly_vat=Fen(round(monthly * vat_rate)),
            tax_growth=self.growth,
            monthly_electricity=Fen(round(monthly * 0.01)),
        )


def business_uscc(rng: random.Random, form: BusinessForm, region_code: str) -> str:
    """A valid unified social credit code (GB 32100-2015): registered by the market regulator
    (9), of a company (1) or a sole trader (2), in `region_code`, with its check character."""
    organisation = "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    first17 = f"9{'1' if form is BusinessForm.COMPANY else '2'}{region_code}{organisation}"
    return first17 + uscc_check_character(first17)


def _owners_seed(seed: int) -> int:
    return int.from_bytes(hashlib.sha256(f"business-owners/{seed}".encode()).digest()[:8], "big")


def _scenario_pd(pd: float, scenario: Scenario, month: int) -> float:
    """`pd` over the twelve months from run month `month`, the scenario's hazard on top."""
    h = monthly_hazard(pd)
    survive = 1 - pd
    for m in range(month, month + 12):
        survive *= 1 - min(1.0, h * (scenario.hazard(m, Segment.SMALL_BUSINESS) - 1))
    return 1 - survive


class BusinessPopulation:
    """The small businesses of a seeded simulated world applying from `start`, `per_day` a day
    (business `i` applies on day `i // per_day`), their owners drawn from a population of their
    own (seeded from `seed`, apart from the consumer applicants of a run)."""

    def __init__(
        self, seed: int, start: date, scenario: Scenario = BASELINE, *, per_day: int = _PER_DAY
    ) -> None:
        if per_day < 1:
            raise ValueError("at least one business applies a day")
        self.seed = seed
        self.start = start
        self.scenario = scenario
        self.per_day = per_day
        self._people = Population(
            _owners_seed(seed), scenario, start, daily_arrivals=per_day * OWNER_SLOTS
        )
        self._day: tuple[int, tuple[Applicant, ...]] | None = None

    def _honest_people(self, index: int) -> list[Applicant]:
        day = index // self.per_day
        if self._day is None or self._day[0] != day:
            self._day = (day, self._people.arrivals(day, self.per_day * OWNER_SLOTS))
        first = (index % self.per_day) * OWNER_SLOTS
        slots = self._day[1][first : first + OWNER_SLOTS]
        honest = [p for p in slots if not p.is_fraud]
        # A fraudster's slot stands for an honest owner here: the businesses are honest (the
        # fraud paths are the consumer simulation's), and every business has an owner.
        return honest or [replace(slots[0], fraud=FraudKind.NONE, ring=None)]

    def business(self, index: int) -> SmallBusiness:
        """Business `index` (from 0) and the loan it asks for."""
        if index < 0:
            raise ValueError("businesses count from 0")
        rng = random.Random(f"business/{self.seed}/{index}")
        people = self._honest_people(index)
        owner = people[0]
        applied_on = date.fromordinal(self.start.toordinal() + index // self.per_day)
        month = month_of(self.start, applied_on)
        form = BusinessForm.COMPANY if rng.random() < COMPANY_SHARE else BusinessForm.SOLE_TRADER
        section = rng.choices(_SECTIONS, _SECTION_WEIGHTS)[0]
        region = next((r for r in contact.REGIONS if r.name == owner.region), contact.REGIONS[0])
        uscc = business_uscc(rng, form, region.code)
        most = max(0.5, owner.age - 20)
        years = min(most, rng.triangular(0.3, 25.0, 4.0 if form is BusinessForm.COMPANY else 3.0))
        established = applied_on - timedelta(days=round(365.25 * years))
        strength = rng.gauss(0, 1)
        scale = MEDIAN_REVENUE_YUAN[form] * region.income_factor
        scale *= math.exp(rng.gauss(0, 0.7) + 0.15 * strength) * min(1.0, 0.5 + years / 4)
        if self.scenario.active(month):
            scale *= 1 - float(self.scenario.income_cut)
        revenue = Fen(max(50_000, int(round(scale, -3))) * 100)
        debt_ratio = min(0.95, max(0.08, rng.gauss(0.50 - 0.10 * strength, 0.13)))
        margin = rng.gauss(0.07 + 0.025 * strength, 0.03)
        industry = INDUSTRY_MIX[section]
        growth = rng.gauss(0.04 + 0.05 * strength - 0.1 * industry.risk, 0.10)
        ask = revenue / 100 * rng.uniform(0.01, 0.06)
        amount_yuan = min(MAX_LOAN_YUAN, max(MIN_LOAN_YUAN, round(ask, -3)))
        term = rng.choices(TERMS, TERM_WEIGHTS)[0]
        amount = Fen(int(amount_yuan) * 100)
        instalment = instalment_of(amount, term)
        monthly_cash = revenue * (0.75 * margin + 0.01) / 12  # as the statements draw it
        cover = monthly_cash / instalment
        owners = [owner]
        if form is BusinessForm.COMPANY and len(people) > 1 and rng.random() < PARTNER_SHARE:
            owners.append(next(p for p in people if p is not owner))
        others = [p for p in people if p not in owners]
        guarantor = others[0] if others and rng.random() < GUARANTOR_SHARE else None
        holders = _shares(rng, len(owners))
        inactive = rng.random() < 1 / (1 + math.exp(4.8 - 0.8 * (-strength)))
        status = rng.choice(("吊销", "注销")) if inactive else "存续"
        logit = (
            INTERCEPT
            + industry.risk
            - 0.5 * (region.income_factor - 1)
            - 0.55 * strength
            + 0.45 * risk_of(owner)
            + 3.0 * (debt_ratio - 0.5)
            - 0.4 * math.log1p(years)
            - 0.5 * max(-3.0, min(3.0, math.log(max(cover, 0.05))))
            + (SOLE_TRADER_RISK if form is BusinessForm.SOLE_TRADER else 0.0)
            + (INACTIVE_RISK if inactive else 0.0)
        )
        pd = _scenario_pd(1 / (1 + math.exp(-logit)), self.scenario, month)
        name = _name(rng, form, region, industry.trade, owner)
        capital_yuan = max(10_000, int(round(revenue / 100 * rng.uniform(0.05, 0.3), -4)))
        return SmallBusiness(
            key=f"{BUSINESS_KEY_PREFIX}{index:06d}",
            index=index,
            uscc=uscc,
            name=name,
            form=form,
            section=section,
            region=region,
            applied_on=applied_on,
            established=established,
            owners=tuple(
                Owner(_owning(p, uscc), bp) for p, bp in zip(owners, holders, strict=True)
            ),
            guarantor=guarantor,
            annual_revenue=revenue,
            registered_capital=Fen(capital_yuan * 100),
            status=status,
            amount=amount,
            term_months=term,
            instalment=instalment,
            strength=strength,
            debt_ratio=debt_ratio,
            margin=margin,
            growth=growth,
            cash_cover=cover,
            pd=pd,
            risk=DOCUMENT_SIGNAL * (logit - RISK_CENTRE) / RISK_SCALE
            + rng.gauss(0, math.sqrt(1 - DOCUMENT_SIGNAL**2)),
        )

    def businesses(self, count: int, first: int = 0) -> tuple[SmallBusiness, ...]:
        """Businesses `first` to `first + count − 1`."""
        return tuple(self.business(i) for i in range(first, first + count))


def _shares(rng: random.Random, owners: int) -> list[int]:
    if owners == 1:
        return [10_000]
    lead = rng.randrange(5_100, 9_100, 100)
    return [lead, 10_000 - lead]


def _owning(person: Applicant, uscc: str) -> Applicant:
    """`person` as an owner of the business: a small-business owner whose business code it is
    (the simulated providers find the business from the owner's `employer_uscc`)."""
    return replace(
        person,
        segment=Segment.SMALL_BUSINESS,
        employment=BUSINESS_OWNER,
        identity=replace(person.identity, employer_uscc=uscc),
    )


def _name(
    rng: random.Random, form: BusinessForm, region: contact.Region, trade: str, owner: Applicant
) -> str:
    if form is BusinessForm.SOLE_TRADER:  # 个体工商户 trade under a shop name
        return f"{region.city}{owner.identity.name}{trade}店"
    return f"{region.city[:2]}{rng.choice(_WORDS)}{trade}有限公司"


def small_businesses(
    seed: int, count: int, start: date, scenario: Scenario = BASELINE
) -> tuple[SmallBusiness, ...]:
    """The first `count` businesses of the seeded population applying from `start`."""
    return BusinessPopulation(seed, start, scenario).businesses(count)
