"""A stress scenario (`StressScenario`): how a shock moves the book's default probabilities, its
collateral and its loss given default, read from YAML and checked whole.

    name: downturn
    description: ...
    horizon_months: 12          # 1..60, `--months` overrides it
    pd_multipliers:
      by: score_band            # product, channel, region, vintage or score_band; or absent
      default: 2.0              # every segment not named below
      segments: {"<500": 3.0}
    income_shock: 0.15          # incomes fall by this share...
    income_elasticity: 1.0      # ...and PDs rise by elasticity × shock: PD × (1 + 1.0 × 0.15)
    collateral_haircut: 0.30    # collateral worth this share less, on top of each item's haircut
    lgd: 0.45                   # optional: default the LGD the date's snapshot used
    capital_ratio: 0.08         # capital held per unit of risk-weighted exposure
    risk_weight: 1.0            # risk weight of the exposure on the books

A scenario stresses along **one** dimension: the snapshots keep each dimension's segments apart,
not their crossings, so a loan's product and region multipliers cannot be combined from them.
The shipped scenarios (`baseline`, `downturn`, `severe`) are the YAML files beside this module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fengkong.core.errors import FieldError, Invalid
from fengkong.monitoring.facts import SCORE_BAND_LABELS, UNKNOWN

SCENARIO_DIR = Path(__file__).parent / "stress_scenarios"
STRESS_DIMENSIONS: tuple[str, ...] = ("product", "channel", "region", "vintage", "score_band")
MAX_HORIZON = 60  # months
_KEYS: tuple[str, ...] = (
    "name",
    "description",
    "horizon_months",
    "pd_multipliers",
    "income_shock",
    "income_elasticity",
    "collateral_haircut",
    "lgd",
    "capital_ratio",
    "risk_weight",
)
_MULTIPLIER_KEYS: tuple[str, ...] = ("by", "default", "segments")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_VINTAGE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_REGION = re.compile(r"^\d{2}$")
ONE = Decimal(1)


class BadScenario(Invalid):
    """A scenario file or name that cannot be used; its errors name what is allowed."""


@dataclass(frozen=True, slots=True)
class StressScenario:
    """A shock to apply to the book (see the module's docstring)."""

    name: str
    description: str = ""
    horizon_months: int = 12
    by: str | None = None  # the dimension the multipliers are given along; None: one for all
    default_multiplier: Decimal = ONE
    multipliers: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({}))
    income_shock: Decimal = Decimal(0)
    income_elasticity: Decimal = ONE
    collateral_haircut: Decimal = Decimal(0)
    lgd: Decimal | None = None  # None: the LGD the date's snapshot used
    capital_ratio: Decimal = Decimal("0.08")
    risk_weight: Decimal = ONE

    def multiplier(self, segment: str) -> Decimal:
        """The PD multiplier of `segment` (of `by`), the default for one not named."""
        return self.multipliers.get(segment, self.default_multiplier)

    @property
    def income_factor(self) -> Decimal:
        """What the income shock multiplies every PD by: 1 + elasticity × shock."""
        return ONE + self.income_elasticity * self.income_shock


def _decimal(
    value: Any, loc: tuple[str | int, ...], errors: list[FieldError], low: Decimal, high: Decimal
) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        errors.append(FieldError(loc, f"a number from {low} to {high} is required"))
        return None
    try:
        # Through str: a YAML float such as 0.15 is the decimal 0.15, not its binary neighbour.
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors.append(FieldError(loc, f"not a number: {value!r}"))
        return None
    if not number.is_finite() or number < low or number > high:
        why = "negative" if number < 0 else f"outside {low} to {high}"
        errors.append(FieldError(loc, f"{value} is {why}: a number from {low} to {high}"))
        return None
    return number


_MAX_MULTIPLIER = Decimal(100)


def _segment_error(by: str, segment: str) -> str | None:
    """Why `segment` cannot be a segment of `by`; None when it can."""
    if by == "score_band" and segment not in SCORE_BAND_LABELS:
        return "score bands are " + ", ".join(SCORE_BAND_LABELS)
    if by == "vintage" and not _VINTAGE.match(segment):
        return "vintages are booking months, YYYY-MM"
    if by == "region" and segment != UNKNOWN and not _REGION.match(segment):
        return f"regions are two-digit province codes (GB/T 2260) or {UNKNOWN!r}"
    return None


def _multipliers(doc: Any, errors: list[FieldError]) -> dict[str, Any]:
    loc: tuple[str | int, ...] = ("pd_multipliers",)
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        errors.append(FieldError(loc, "a mapping of by, default and segments is required"))
        return {}
    for key in doc:
        if key not in _MULTIPLIER_KEYS:
            errors.append(
                FieldError(
                    (*loc, str(key)),
                    f"unknown key {key!r}; the keys are " + ", ".join(_MULTIPLIER_KEYS),
                    "extra_forbidden",
                    _MULTIPLIER_KEYS,
                )
            )
    found: dict[str, Any] = {}
    by = doc.get("by")
    if by is not None and by not in STRESS_DIMENSIONS:
        errors.append(
            FieldError(
                (*loc, "by"),
                f"unknown dimension {by!r}; must be one of " + ", ".join(STRESS_DIMENSIONS),
                "enum",
                STRESS_DIMENSIONS,
            )
        )
        by = None
    found["by"] = by
    if "default" in doc:
        found["default_multiplier"] = _decimal(
            doc["default"], (*loc, "default"), errors, Decimal(0), _MAX_MULTIPLIER
        )
    segments = doc.get("segments") or {}
    if not isinstance(segments, dict):
        errors.append(FieldError((*loc, "segments"), "a mapping of segment to multiplier"))
        segments = {}
    if segments and doc.get("by") is None:
        errors.append(
            FieldError((*loc, "by"), "segments need a dimension", "missing", STRESS_DIMENSIONS)
        )
    multipliers: dict[str, Decimal] = {}
    for segment, value in segments.items():
        name = str(segment)
        why = None if by is None else _segment_error(by, name)
        if why is not None:
            errors.append(FieldError((*loc, "segments", name), f"unknown segment {name!r}: {why}"))
        number = _decimal(value, (*loc, "segments", name), errors, Decimal(0), _MAX_MULTIPLIER)
        if number is not None:
            multipliers[name] = number
    found["multipliers"] = MappingProxyType(multipliers)
    return found


def parse_scenario(doc: Any, source: str = "scenario") -> StressScenario:
    """The scenario a parsed YAML document describes; `BadScenario` listing every fault, each
    naming what is allowed."""
    errors: list[FieldError] = []
    if not isinstance(doc, dict):
        raise BadScenario((FieldError(("scenario",), f"{source}: a mapping of settings"),))
    for key in doc:
        if key not in _KEYS:
            errors.append(
                FieldError(
                    (str(key),),
                    f"unknown key {key!r}; the keys are " + ", ".join(_KEYS),
                    "extra_forbidden",
                    _KEYS,
                )
            )
    name = doc.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        errors.append(
            FieldError(("name",), "a name of lower-case letters, digits, - and _ is required")
        )
    values: dict[str, Any] = {"name": name}
    if "description" in doc:
        values["description"] = str(doc["description"]).strip()
    horizon = doc.get("horizon_months", 12)
    if isinstance(horizon, bool) or not isinstance(horizon, int) or not 1 <= horizon <= MAX_HORIZON:
        errors.append(FieldError(("horizon_months",), f"whole months from 1 to {MAX_HORIZON}"))
    values["horizon_months"] = horizon
    values.update(_multipliers(doc.get("pd_multipliers"), errors))
    bounds = {
        "income_shock": (Decimal(0), Decimal("0.99")),
        "income_elasticity": (Decimal(0), Decimal(10)),
        "collateral_haircut": (Decimal(0), ONE),
        "lgd": (Decimal(0), ONE),
        "capital_ratio": (Decimal(0), ONE),
        "risk_weight": (Decimal(0), Decimal("12.5")),
    }
    for key, (low, high) in bounds.items():
        if key in doc:
            values[key] = _decimal(doc[key], (key,), errors, low, high)
    if errors:
        raise BadScenario(
            tuple(FieldError(e.loc, f"{source}: {e.msg}", e.type, e.allowed) for e in errors)
        )
    return StressScenario(**{k: v for k, v in values.items() if v is not None})


def shipped_names() -> tuple[str, ...]:
    """The scenarios shipped with the platform, by name."""
    return tuple(sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml")))


def load_scenario_text(text: str, source: str) -> StressScenario:
    """The scenario in YAML `text` (from `source`, named in errors)."""
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BadScenario((FieldError(("scenario_file",), f"{source}: not YAML: {exc}"),)) from None
    return parse_scenario(doc, source)


def load_scenario_file(path: Path) -> StressScenario:
    """The scenario in the YAML file at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise BadScenario((FieldError(("scenario_file",), f"cannot read {path}: {why}"),)) from None
    return load_scenario_text(text, str(path))


def shipped_scenario(name: str) -> StressScenario:
    """The shipped scenario called `name`; an unknown name is bad input naming the shipped ones."""
    allowed = shipped_names()
    if name not in allowed:
        message = f"unknown scenario {name!r}; must be one of " + ", ".join(map(repr, allowed))
        raise BadScenario((FieldError(("scenario",), message, "enum", allowed),))
    return load_scenario_file(SCENARIO_DIR / f"{name}.yaml")
